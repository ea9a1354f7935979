"""The demo site that `make run` shows a newcomer: a home page, a blog of real-looking posts,
an About page, the shop's catalogue, the shared navigation and the writer's box under posts.

Every builder here finds what it made last time before making anything, so loading the demo
twice changes nothing and duplicates nothing, and an editor's later changes are left alone.
"""

from __future__ import annotations

import datetime
import functools
import io
import uuid

from django.core.files.images import ImageFile
from django.db import transaction
from django.urls import reverse
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms import demo_pictures
from cms.models import (
    BlogIndexPage,
    BlogPage,
    HomePage,
    NavigationSettings,
    SiteIdentity,
    StandardPage,
)
from shop.models import (
    DiscountCode,
    PreOrderChargeMode,
    PreOrderFormPage,
    Product,
    ProductVariant,
    ShippingZone,
    ShopDetails,
)
from shop.vat import VatRate

# The local paper is made up, and so is its address (.example is reserved for examples).
SOURCE_TITLE = "Town hall canteen gets four stars, but inspectors warn over back-kitchen fridge"
SOURCE_URL = (
    "https://www.salford-evening-echo.example/news/2026/11/19/town-hall-canteen-food-hygiene-rating"
)
SOURCE_NAME = "Salford Evening Echo"
# The song the book, and this site, take their name from: Ewan MacColl's song about Salford.
MUSIC_VIDEO_URL = "https://www.youtube.com/watch?v=1bRPYJZIMSg"
MUSIC_VIDEO_TITLE = "The Pogues – Dirty Old Town"
WRITER = "Ruth Calder"


def _block(block_type: str, value) -> dict:
    """A StreamField block in its raw form, with a stable id so reloading changes nothing."""
    return {
        "type": block_type,
        "value": value,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, repr(value))),
    }


def _p(*paragraphs: str) -> dict:
    return _block("paragraph", "".join(f"<p>{text}</p>" for text in paragraphs))


def _quote(text: str) -> dict:
    return _block(
        "quote",
        {
            "quote": f"<p>{text}</p>",
            "attribution": SOURCE_NAME,
            "source_title": SOURCE_TITLE,
            "source_url": SOURCE_URL,
        },
    )


def _heading(text: str) -> dict:
    return _block("heading", {"text": text, "level": "h2"})


SEPARATOR = {"type": "separator", "value": None, "id": "2f1c1b5e-0000-4000-8000-000000000001"}
DELIVERY_CHARGES = {
    "type": "delivery_charges",
    "value": None,
    "id": "2f1c1b5e-0000-4000-8000-000000000002",
}


def tales_of_the_unexpected_body() -> list[dict]:
    return [
        _p(
            "Every so often the local paper runs a story that tells you more about the people "
            "writing it than about the thing they are writing about. This week's example arrived "
            "with my Thursday toast: a breathless piece about the council's own inspection of the "
            "town hall canteen.",
            "I have read the report the article is based on. It is eleven pages long, most of it "
            "tick-boxes. Here is how the paper chose to tell it.",
        ),
        _quote(
            "Inspectors who visited the town hall canteen last month found the kitchen to be "
            "“broadly compliant”, awarding it four stars out of five, the Echo can reveal."
        ),
        _p(
            "“Can reveal” is doing heroic work there. The rating was published on the council's "
            "website a fortnight earlier, where anyone could read it, and where I suspect the "
            "reporter did."
        ),
        _quote(
            "The report notes that a fridge in the back kitchen was running two degrees warmer "
            "than recommended, and that staff were advised to keep a written temperature log."
        ),
        _quote(
            "A council spokesperson said the canteen team had acted on the advice straight away "
            "and that a follow-up visit was not thought necessary."
        ),
        SEPARATOR,
        _heading("Where I part company with the Echo"),
        _p(
            "The article ends by asking whether a four-star kitchen is good enough for the people "
            "who set the rules for everyone else. I think that is the wrong question, and a "
            "slightly unfair one.",
            "Four stars for a busy kitchen that feeds a few hundred people a day is a decent "
            "result. The one fault found was fixed the same week. If anything, the story is that "
            "the system worked: somebody looked, found a small problem, said so in plain words, "
            "and it was put right. That is not a scandal. It is the job.",
            "What I would like the paper to ask instead is why the reports for the three "
            "takeaways on the high street, all inspected the same month, took six weeks longer "
            "to appear online. That is a story about whether residents can see the results that "
            "matter to them, and nobody is revealing it.",
        ),
        _block(
            "callout",
            {
                "tone": "note",
                "title": "In fairness",
                "text": "<p>The Echo does link to the full report at the bottom of its article, "
                "which is more than many papers bother to do.</p>",
            },
        ),
        SEPARATOR,
        _p(
            "All this reading about the town hall sent me back to the song this town gave the "
            "world, and my book its title. Ewan MacColl wrote it about Salford in 1949; this is "
            "the version they still sing in the pub at closing time."
        ),
        _block(
            "embed",
            {
                "url": MUSIC_VIDEO_URL,
                "title": MUSIC_VIDEO_TITLE,
                "caption": "“I met my love by the gasworks wall…”",
            },
        ),
    ]


POSTS = [
    {
        "slug": "tales-of-the-unexpected",
        "title": "Tales of the Unexpected",
        "date": datetime.date(2026, 11, 20),
        "intro": "The local paper “reveals” a council canteen inspection that was already "
        "public. A few quotes, and why I think the Echo asked the wrong question.",
        "tags": ["Local news", "Council", "Commentary"],
        "cover": "The Echo on the breakfast table",
        "body": tales_of_the_unexpected_body,
    },
    {
        "slug": "where-dirty-old-town-began",
        "title": "Where “Dirty Old Town” began",
        "date": datetime.date(2026, 11, 6),
        "intro": "The book started as a list of buildings I walked past every day and had never "
        "looked at properly. Here is how a list became a manuscript.",
        "tags": ["Dirty Old Town", "Writing"],
        "cover": "Gasworks at dusk",
        "body": lambda: [
            _p(
                "For two years I kept a note on my phone called “things that are still here”. "
                "A chapel turned carpet warehouse. A bridge with a date carved into it that "
                "nobody could explain. A pub that had changed its name four times.",
                "At some point the list stopped being a list and started asking questions. Who "
                "built this? Who drank here? Who was supposed to knock it down, and why didn't "
                "they?",
            ),
            _heading("From notes to chapters"),
            _p(
                "Each chapter of the book follows one place through a hundred years. I tried to "
                "let the people who used the place tell its story, which meant a lot of time in "
                "the library's newspaper archive and a lot of cups of tea with people who "
                "remembered things differently from the newspapers.",
            ),
            SEPARATOR,
            _p("The book comes out next spring. More about how to get a copy soon."),
        ],
    },
    {
        "slug": "walking-the-canal-at-dawn",
        "title": "Walking the canal at dawn",
        "date": datetime.date(2026, 10, 18),
        "intro": "Six miles of towpath before the city wakes up: herons, joggers and a lock "
        "keeper who has seen it all.",
        "tags": ["Walks", "Canal"],
        "cover": "Canal at dawn",
        "body": lambda: [
            _p(
                "The best time to walk the canal is the hour before anyone needs anything from "
                "you. The water is flat, the herons are working, and the only sound is a cyclist "
                "ringing a bell at nobody in particular.",
            ),
            _block(
                "image",
                {
                    "image": {"image": "Towpath in the mist", "decorative": False, "alt_text": ""},
                    "caption": "The towpath near the third lock, a little after six.",
                },
            ),
            _p(
                "I met the lock keeper at the flight of locks halfway along. He has worked the "
                "same stretch for nineteen years and says the water has never been cleaner, "
                "which surprised me, and that people have never been ruder, which did not.",
            ),
            _block(
                "callout",
                {
                    "tone": "warning",
                    "title": "If you go",
                    "text": "<p>The towpath between the second and third locks is closed for "
                    "repairs until the end of the month. Follow the signed diversion.</p>",
                },
            ),
        ],
    },
    {
        "slug": "why-i-still-read-the-local-paper",
        "title": "Why I still read the local paper",
        "date": datetime.date(2026, 9, 29),
        "intro": "I grumble about it every week, and I would be lost without it.",
        "tags": ["Local news", "Reading"],
        "cover": "Corner newsagent at night",
        "body": lambda: [
            _p(
                "Regular readers will know I am not shy about arguing with our local paper. So it "
                "is only fair to say, once in a while, why I keep buying it.",
                "Nobody else sits through a four-hour planning committee. Nobody else prints the "
                "names of the people who won the allotment prize. When it gets things wrong, it "
                "gets them wrong in public, where I can argue back, and that is worth a lot.",
            ),
        ],
    },
    {
        "slug": "a-launch-night-to-remember",
        "title": "A launch night to remember",
        "date": datetime.date(2026, 9, 12),
        "intro": "A folk band, a room above a pub and far too many sausage rolls: notes from the "
        "evening we announced the book.",
        "tags": ["Dirty Old Town", "Music"],
        "cover": "Launch night above the pub",
        "body": lambda: [
            _p(
                "Thank you to everyone who squeezed into the function room on Saturday. We "
                "planned for forty and counted ninety-one, which explains the shortage of "
                "chairs and the surplus of goodwill.",
                "The band played the old song the book is named after, the whole room sang the "
                "chorus, and for three minutes nobody looked at a phone.",
            ),
        ],
    },
]


def _privacy_body() -> list[dict]:
    return [
        _heading("Who we are"),
        _p(
            "This site and its shop are run by Ruth Calder, trading as Quire Books, 12 Chapel "
            "Street, Salford M3 5JZ. Write to shop@quire.localhost about anything on this page.",
        ),
        _heading("What we keep when you order"),
        _p(
            "Your name, email address, postal address and what you bought, so that we can send "
            "it, answer you about it and keep the records the law asks of a business (six "
            "years, for HMRC). Card payments are taken by Stripe: your card number never "
            "reaches us.",
            "We do not sell or share your details with anyone except the people who need them "
            "to get your order to you: Stripe for the payment and Royal Mail for the delivery.",
        ),
        _heading("Cookies"),
        _p(
            "Two small cookies, both needed for the shop to work: one remembers your basket, "
            "the other protects the order forms from forgery. There are no advertising, "
            "analytics or tracking cookies, and no banner asking you to accept them.",
            "Videos in posts load nothing from YouTube until you press play; once you do, "
            "Google's privacy policy applies to that video.",
        ),
        _heading("Your rights"),
        _p(
            "You can ask for a copy of what we hold about you, for it to be corrected, or for "
            "it to be deleted once we no longer have to keep it. If you are unhappy with how we "
            "have handled your details, you can complain to the Information Commissioner's "
            "Office (ICO).",
        ),
    ]


def _terms_body() -> list[dict]:
    return [
        _heading("Buying from us"),
        _p(
            "You are buying from Ruth Calder, trading as Quire Books, 12 Chapel Street, Salford "
            "M3 5JZ. Prices are in pounds sterling; we are not registered for VAT, so none is "
            "added. Delivery is added at the basket, before you pay.",
            "Your order is accepted when we email to confirm it. If something you ordered turns "
            "out to be unavailable, we tell you straight away and refund you in full.",
        ),
        _heading("Pre-orders"),
        _p(
            "The Pre-Order Form says beside each item when it is paid for. If a release date "
            "moves, we email you and you can keep your pre-order or cancel it. You can cancel "
            "at any time before release from the link in your confirmation, with a full refund "
            "of anything you have paid.",
        ),
        _heading("Changing your mind"),
        _p(
            "The law gives you 14 days from delivery to cancel an order made online; we give "
            "you 30. Send the item back unused and we refund the price and the original "
            "delivery within 14 days of getting it. Anything that arrives damaged or faulty we "
            "replace or refund, and pay for its return.",
        ),
        _heading("Words and pictures"),
        _p(
            "Everything on this site is written and drawn by Ruth Calder unless credited "
            "otherwise. Quote it freely with a link back; ask before reprinting whole posts.",
            "These terms are governed by the law of England and Wales. Nothing in them takes "
            "away your rights as a consumer.",
        ),
    ]


STANDARD_PAGES = [
    {
        "slug": "privacy",
        "title": "Privacy",
        "intro": "What we keep about you, why, and for how long. In short: only what it takes to "
        "send your order, and no tracking.",
        "body": _privacy_body,
    },
    {
        "slug": "terms",
        "title": "Terms",
        "intro": "The small print for buying from the shop and quoting from the blog, written to "
        "be read.",
        "body": _terms_body,
    },
    {
        "slug": "delivery-and-returns",
        "title": "Delivery and returns",
        "intro": "Everything is posted within two working days, pre-orders on release, and you "
        "have 30 days to send anything back.",
        "body": lambda: [
            _heading("Delivery"),
            _p(
                "Orders go by Royal Mail within two working days, tracked. In the UK they "
                "usually arrive two to four days later; elsewhere allow one to three weeks. "
                "Pre-orders are posted on the release day.",
            ),
            DELIVERY_CHARGES,
            _heading("Returns"),
            _p(
                "Send anything back unused within 30 days for a full refund. Write to us first "
                "at shop@quire.localhost and we will tell you where to send it.",
            ),
            _heading("Your right to cancel"),
            _p(
                "Buying online, you may cancel an order without giving a reason within 14 days "
                "of the day it reaches you (Consumer Contracts Regulations 2013). Tell us by "
                "email; we refund the price and the standard delivery within 14 days of getting "
                "the goods back. A pre-order can be cancelled at any time before it is posted, "
                "from the link in its confirmation email.",
            ),
        ],
    },
]


PRODUCTS = [
    {
        "slug": "dirty-old-town",
        "title": "Dirty Old Town",
        "short_description": "The book: a dozen ordinary buildings followed through a hundred "
        "years of use and misuse. Hardback, 320 pages.",
        "description": "<p>Each chapter follows one building, from the chapel that became a "
        "carpet warehouse to the pub that changed its name four times, told through the people "
        "who used it.</p>",
        "format": Product.Format.BOOK,
        "vat_rate": VatRate.ZERO,  # books are zero-rated in the UK
        "price": 1699,
        "status": Product.Status.PRE_ORDER,
        "stock": 300,
        "per_order_limit": 5,
        "preorder_cap": 300,
        "preorder_per_buyer_limit": 5,
        # Reserve-and-pay-later, so the demo's form works without a Stripe key.
        "preorder_charge_mode": PreOrderChargeMode.RESERVE,
        "release_date": datetime.date(2027, 3, 19),
        "shipping_class": "small",
        "cover": "Dirty Old Town, front cover",
    },
    {
        "slug": "dirty-old-town-tote-bag",
        "title": "Dirty Old Town tote bag",
        "short_description": "Heavy cotton tote printed with the book's gasworks skyline.",
        "description": "<p>Natural cotton, long handles, big enough for a week's papers.</p>",
        "format": Product.Format.MERCH,
        "price": 1200,
        "status": Product.Status.ON_SALE,
        "stock": 40,
        "per_order_limit": 4,
        "shipping_class": "large",
        "cover": "Dirty Old Town tote bag",
    },
    {
        "slug": "songs-from-the-launch-night",
        "title": "Songs from the Launch Night (CD)",
        "short_description": "Eleven songs recorded live in the room above the pub.",
        "description": "<p>Folk standards and two new songs, recorded on the night the book "
        "was announced.</p>",
        "format": Product.Format.CD,
        "price": 999,
        "status": Product.Status.ON_SALE,
        "stock": None,
        "per_order_limit": 10,
        "shipping_class": "small",
        "cover": "Songs from the Launch Night CD",
    },
    {
        "slug": "gasworks-skyline-t-shirt",
        "title": "Gasworks skyline T-shirt",
        "short_description": "Organic cotton T-shirt printed with the book's gasworks skyline.",
        "description": "<p>Heavy organic cotton, printed in Salford. Black or natural; the "
        "sizes run true.</p>",
        "format": Product.Format.MERCH,
        "price": 1800,
        "status": Product.Status.ON_SALE,
        "per_order_limit": 4,
        "shipping_class": "large",
        "option_label": "Size and colour",
        "cover": "Gasworks skyline T-shirt",
        # Each size in two colours, with its own stock and SKU; XL costs more.
        "variants": [
            (f"{size}, {colour}", f"TEE-{size}-{colour[:3].upper()}", price, stock)
            for size, price in [("S", None), ("M", None), ("L", None), ("XL", 2000)]
            for colour, stock in [("black", 6), ("natural", 3)]
        ],
    },
    {
        "slug": "canal-walks-map-print",
        "title": "Canal walks map print",
        "short_description": "A3 print of the hand-drawn towpath map. The first run sold out.",
        "description": "<p>Six miles of the canal, drawn by hand from the second lock to the "
        "basin, with every lock, bridge and bench I have sat on along the way. Printed on heavy "
        "matt paper, 297 × 420 mm, and posted flat.</p><p>A second run is planned for the "
        "spring; the blog will say when.</p>",
        "format": Product.Format.MERCH,
        "price": 1500,
        "status": Product.Status.SOLD_OUT,
        "stock": 0,
        "per_order_limit": 2,
        "shipping_class": "large",
        "cover": "Canal walks map print",
    },
]


def _products() -> tuple[dict[str, Product], int]:
    """The demo catalogue, each product made once and found by its slug afterwards."""
    products, made = {}, 0
    for spec in PRODUCTS:
        product = Product.objects.filter(slug=spec["slug"]).first()
        if product is None:
            fields = {k: v for k, v in spec.items() if k not in {"cover", "variants"}}
            product = Product(cover_image=_demo_picture(spec["cover"]), **fields)
            product.variants = [
                ProductVariant(name=name, sku=sku, price=price, stock=stock)
                for name, sku, price, stock in spec.get("variants", [])
            ]
            product.save()
            made += 1
        products[spec["slug"]] = product
    return products, made


def _featured(product: Product, note: str = "") -> dict:
    return _block("product", {"product": product.pk, "note": note})


@functools.cache
def _drawn(title: str) -> bytes:
    """The picture as a JPEG, drawn once per process (tests load the demo many times)."""
    return demo_pictures.jpeg(demo_pictures.PICTURES[title].draw()).getvalue()


def _demo_picture(title: str):
    """A generated picture (no download), made once and found by its title afterwards, with
    its focal point set so Wagtail's crops keep what matters."""
    image_model = get_image_model()
    existing = image_model.objects.filter(title=title).first()
    if existing is not None:
        return existing
    spec = demo_pictures.PICTURES[title]
    filename = "".join(ch if ch.isalnum() else "-" for ch in title.lower()) + ".jpg"
    image = image_model(
        title=title,
        description=spec.alt,
        file=ImageFile(io.BytesIO(_drawn(title)), name=filename),
    )
    if spec.focal_box:
        left, top, right, bottom = spec.focal_box
        image.focal_point_x, image.focal_point_y = (left + right) // 2, (top + bottom) // 2
        image.focal_point_width, image.focal_point_height = right - left, bottom - top
    image.save()
    return image


def _demo_logo(name: str) -> object:
    """The shop's logo for its emails: a monogram and the name, generated, made once."""
    image_model = get_image_model()
    title = f"{name} logo"
    existing = image_model.objects.filter(title=title).first()
    if existing is not None:
        return existing
    picture = PILImage.new("RGBA", (400, 96), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle([0, 0, 95, 95], radius=14, fill="#7a2e1d")
    draw.text((48, 50), name[:1], fill="#fffaf2", font=ImageFont.load_default(72), anchor="mm")
    draw.text((116, 50), name, fill="#7a2e1d", font=ImageFont.load_default(64), anchor="lm")
    picture = picture.crop(picture.getbbox())
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return image_model.objects.create(title=title, file=ImageFile(buffer, name="logo.png"))


def _resolve_images(body: list[dict]) -> list[dict]:
    """Image blocks name their picture by title; it is made (once) when the post is."""
    for block in body:
        if block["type"] == "image":
            picture = _demo_picture(block["value"]["image"]["image"])
            block["value"]["image"]["image"] = picture.pk
            block["value"]["image"]["alt_text"] = demo_pictures.PICTURES[picture.title].alt
    return body


def _link(**value) -> dict:
    value = {"label": "", "page": None, "url": "", "show_basket_count": False, **value}
    return _block("link", value)


def _child(parent: Page, model, slug: str, **fields):
    """The child page with this slug, created and published if it is not there yet."""
    existing = parent.get_children().filter(slug=slug).specific().first()
    if existing is not None:
        return existing, False
    # A callable value (a picture to draw, a body with pictures) is only worked out now.
    fields = {name: value() if callable(value) else value for name, value in fields.items()}
    tags = fields.pop("tags", ())
    page = model(slug=slug, **fields)
    if tags:
        page.tags.add(*tags)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page, True


def _home_page() -> tuple[HomePage, bool]:
    """The site's home page, replacing Wagtail's placeholder "Welcome" page on first load."""
    site = Site.objects.filter(is_default_site=True).first()
    home = HomePage.objects.first()
    made = home is None
    if made:
        root = Page.get_first_root_node()
        home = HomePage(
            title="Notes from a dirty old town",
            slug="home-quire",
            intro="<p>Essays, walks and arguments with the local paper, from the author of "
            "<i>Dirty Old Town</i>.</p>",
            seo_title="Quire: notes from a dirty old town",
            search_description="Essays, walks and arguments with the local paper.",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    if site is None:
        site = Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Quire"
        )
    elif site.root_page_id != home.pk:
        placeholder = site.root_page
        site.root_page = home
        site.save(update_fields=["root_page"])
        if placeholder.specific_class is Page and not placeholder.get_children().exists():
            placeholder.delete()
    if not site.site_name:
        site.site_name = "Quire"
        site.save(update_fields=["site_name"])
    return home, made


@transaction.atomic
def load_demo_site() -> dict[str, int]:
    """Build the demo site; returns how many things were created (all zero on a second run)."""
    created = {"pages": 0, "images": 0, "products": 0}
    image_model = get_image_model()
    images_before = image_model.objects.count()

    home, made = _home_page()
    created["pages"] += made
    site = Site.objects.get(root_page=home)

    blog, made = _child(
        home,
        BlogIndexPage,
        "blog",
        title="Blog",
        intro="<p>Everything I have written here, newest first.</p>",
    )
    created["pages"] += made
    about, made = _child(
        home,
        StandardPage,
        "about",
        title="About",
        intro="I write about the town I live in: its buildings, its paper and its people.",
        body=[
            _p(
                "I have lived here for most of my life and written about it for most of that. "
                "My first book, <i>Dirty Old Town</i>, follows a dozen ordinary buildings "
                "through a hundred years of use and misuse.",
                "This site is where I think out loud between books. Corrections, arguments and "
                "tips about buildings I have missed are always welcome.",
            )
        ],
    )
    created["pages"] += made
    standard = {}
    for spec in STANDARD_PAGES:
        standard[spec["slug"]], made = _child(
            home,
            StandardPage,
            spec["slug"],
            title=spec["title"],
            intro=spec["intro"],
            body=spec["body"],
        )
        created["pages"] += made

    products, made = _products()
    created["products"] = made
    featured_in_post = {
        "where-dirty-old-town-began": [
            _featured(products["dirty-old-town"], "Pre-order now and get a signed bookplate.")
        ],
        "a-launch-night-to-remember": [
            _featured(products["songs-from-the-launch-night"], "The whole evening, on one disc."),
            _featured(products["dirty-old-town-tote-bag"]),
        ],
    }

    preorder_form, made = _child(
        home,
        PreOrderFormPage,
        "pre-order",
        title="Pre-Order Form",
        intro="<p>Reserve your copy of <i>Dirty Old Town</i> before it is out. Signed copies "
        "for the first three hundred.</p>",
        # When each product is paid for is stated beside it by the form, from its charge
        # mode; these general terms hold whichever mode a campaign uses.
        terms="<p>You pay the price shown plus delivery to your country; when you pay is "
        "stated beside each item above and in your confirmation. If the release date moves, "
        "we email you the new date and you can keep your pre-order or cancel it. You can "
        "cancel at any time before release from the link in your confirmation email, and "
        "anything you have paid is refunded in full. We send your copy once it is released "
        "and paid for.</p>",
        thank_you="<p>Your copy is reserved. We have emailed you the details.</p>",
    )
    created["pages"] += made

    posts = {}
    for spec in POSTS:
        post, made = _child(
            blog,
            BlogPage,
            spec["slug"],
            title=spec["title"],
            date=spec["date"],
            intro=spec["intro"],
            author=WRITER,
            body=functools.partial(
                lambda spec: (
                    _resolve_images(spec["body"]()) + featured_in_post.get(spec["slug"], [])
                ),
                spec,
            ),
            tags=spec["tags"],
            cover_image=functools.partial(_demo_picture, spec["cover"]),
        )
        created["pages"] += made
        posts[spec["slug"]] = post

    if home.featured_post_id is None:
        home.featured_post = posts["tales-of-the-unexpected"]
        home.body = [
            _featured(products["dirty-old-town"], "The book, out in spring: pre-order today."),
            _featured(products["dirty-old-town-tote-bag"]),
        ]
        home.save_revision().publish()

    navigation = NavigationSettings.for_site(site)
    if not navigation.header_links.raw_data:
        navigation.header_links = [
            _link(page=blog.pk),
            _link(label="Shop", url=reverse("shop:index")),
            _link(label="Dirty Old Town", url=products["dirty-old-town"].get_absolute_url()),
            _link(page=preorder_form.pk),
            _link(label="Shopping Basket", url=reverse("shop:basket"), show_basket_count=True),
            _link(page=about.pk),
        ]
        navigation.footer_links = [
            _link(page=about.pk),
            _link(label="Privacy", url="/privacy/"),
            _link(label="Terms", url="/terms/"),
        ]
        navigation.save()
    identity = SiteIdentity.for_site(site)
    if not identity.tagline:
        identity.tagline = "Notes from a dirty old town"
        identity.footer_text = "© Ruth Calder. Written and built in the North West."
        identity.save()
    if not identity.author_name:
        identity.author_name = WRITER
        identity.author_bio = (
            "<p>Ruth Calder grew up two streets from the Bridgewater Canal and has written about "
            "Salford's buildings, papers and pubs for twenty years. <i>Dirty Old Town</i> is her "
            "first book.</p>"
        )
        identity.author_photo = _demo_picture(WRITER)
        identity.author_website = "https://ruthcalder.example/"
        identity.author_mastodon = "https://social.salford.example/@ruthcalder"
        identity.author_bluesky = "https://bsky.app/profile/ruthcalder.example"
        identity.save()

    details = ShopDetails.for_site(site)
    if not details.contact_email:
        details.logo = _demo_logo(site.site_name or "Quire")
        details.contact_email = "shop@quire.localhost"
        details.postal_address = "Quire Books\n12 Chapel Street\nSalford M3 5JZ\nUnited Kingdom"
        details.returns_page = standard["delivery-and-returns"]
        details.privacy_page = standard["privacy"]
        details.save()
    if not details.delivery_note:  # demo sites loaded before the shop pages showed them
        details.delivery_note = (
            "Posted from Salford within two working days. "
            "UK delivery from £2.95 (£4.95 for a larger parcel)."
        )
        details.returns_note = "Not right? Send it back unused within 30 days for a full refund."
        details.save()
    if details.terms_page_id is None:  # demo sites loaded before checkout linked the terms
        details.terms_page = standard["terms"]
        details.save()
    if not details.vat_number:  # HMRC's published test number, so receipts show VAT
        details.vat_number = "GB999999973"
        details.save()
    # Collection in person, offered after the zones that post.
    if not ShippingZone.objects.filter(collection=True).exists():
        ShippingZone.objects.create(
            name="Collect in Salford",
            collection=True,
            collection_details="Quire Books, 12 Chapel Street, Salford M3 5JZ\n"
            "Monday to Friday, 10:00 to 16:00",
            small_parcel_rate=0,
            large_parcel_rate=0,
            position=10,
        )
    # A code to try in the basket: 10% off everything in stock, for the first 100 orders.
    DiscountCode.objects.get_or_create(
        code="WELCOME10",
        defaults={"percent": 10, "usage_cap": 100, "note": "The demo's welcome code."},
    )

    created["images"] = image_model.objects.count() - images_before
    return created
