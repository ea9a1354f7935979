"""The demo site that `make run` shows a newcomer: a home page, a blog of real-looking posts,
an About page and the shared navigation.

Every builder here finds what it made last time before making anything, so loading the demo
twice changes nothing and duplicates nothing, and an editor's later changes are left alone.
"""

from __future__ import annotations

import datetime
import io
import uuid

from django.core.files.images import ImageFile
from django.db import transaction
from django.urls import reverse
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms.models import (
    BlogIndexPage,
    BlogPage,
    HomePage,
    NavigationSettings,
    SiteIdentity,
    StandardPage,
)
from shop.models import PreOrderChargeMode, PreOrderFormPage, Product

SOURCE_TITLE = "Inspectors give town hall canteen a clean bill of health"
SOURCE_URL = "https://www.example.org/news/2026/11/town-hall-canteen-inspection"
SOURCE_NAME = "The Irwell Valley Echo"
MUSIC_VIDEO_URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


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
        _p("And now for something completely unrelated, because it is Friday:"),
        _block(
            "embed",
            {
                "url": MUSIC_VIDEO_URL,
                "title": "Rick Astley – Never Gonna Give You Up (official music video)",
                "caption": "You knew it was coming.",
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
        "cover": "Gasworks at dusk",
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
        "cover": "Towpath in the mist",
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
    },
    {
        "slug": "canal-walks-map-print",
        "title": "Canal walks map print",
        "short_description": "A3 print of the hand-drawn towpath map. The first run sold out.",
        "description": "",
        "format": Product.Format.MERCH,
        "price": 1500,
        "status": Product.Status.SOLD_OUT,
        "stock": 0,
        "per_order_limit": 2,
        "shipping_class": "large",
    },
]


def _products(images: dict[str, object]) -> tuple[dict[str, Product], int]:
    """The demo catalogue, each product made once and found by its slug afterwards."""
    products, made = {}, 0
    for spec in PRODUCTS:
        fields = {key: value for key, value in spec.items() if key not in {"slug", "cover"}}
        if spec.get("cover"):
            fields["cover_image"] = images[spec["cover"]]
        product, created = Product.objects.get_or_create(slug=spec["slug"], defaults=fields)
        products[spec["slug"]], made = product, made + created
    return products, made


def _featured(product: Product, note: str = "") -> dict:
    return _block("product", {"product": product.pk, "note": note})


def _demo_image(title: str, colours: tuple[str, str]) -> object:
    """A generated picture (no download), made once and found by its title afterwards."""
    image_model = get_image_model()
    existing = image_model.objects.filter(title=title).first()
    if existing is not None:
        return existing
    picture = PILImage.new("RGB", (1200, 675), colours[0])
    draw = ImageDraw.Draw(picture)
    for step in range(0, 675, 45):
        draw.rectangle([0, step, 1200, step + 20], fill=colours[1])
    draw.ellipse([780, 120, 1020, 360], fill="#f1d9a7")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    filename = title.lower().replace(" ", "-") + ".png"
    return image_model.objects.create(title=title, file=ImageFile(buffer, name=filename))


def _resolve_images(body: list[dict], images: dict[str, object]) -> list[dict]:
    for block in body:
        if block["type"] == "image":
            block["value"]["image"]["image"] = images[block["value"]["image"]["image"]].pk
            block["value"]["image"]["alt_text"] = (
                "A canal towpath disappearing into morning mist between stone walls"
            )
    return body


def _link(**value) -> dict:
    value = {"label": "", "page": None, "url": "", "show_basket_count": False, **value}
    return _block("link", value)


def _child(parent: Page, model, slug: str, **fields):
    """The child page with this slug, created and published if it is not there yet."""
    existing = parent.get_children().filter(slug=slug).specific().first()
    if existing is not None:
        return existing, False
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
    images = {
        "Gasworks at dusk": _demo_image("Gasworks at dusk", ("#2d3142", "#4f5d75")),
        "Towpath in the mist": _demo_image("Towpath in the mist", ("#6b7f82", "#9fb1b3")),
    }

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
    for slug, title, text in [
        (
            "privacy",
            "Privacy",
            "This site sets no tracking cookies and loads nothing from other sites until you "
            "ask it to, for example by pressing play on a video.",
        ),
        (
            "terms",
            "Terms",
            "Words and pictures here are mine unless credited otherwise. Quote freely with a "
            "link back.",
        ),
    ]:
        _, made = _child(home, StandardPage, slug, title=title, intro=text, body=[_p(text)])
        created["pages"] += made

    products, made = _products(images)
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
        fields = {
            "title": spec["title"],
            "date": spec["date"],
            "intro": spec["intro"],
            "author": "Ruth Calder",
            "body": _resolve_images(spec["body"](), images)
            + featured_in_post.get(spec["slug"], []),
            "tags": spec["tags"],
        }
        if spec.get("cover"):
            fields["cover_image"] = images[spec["cover"]]
        post, made = _child(blog, BlogPage, spec["slug"], **fields)
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

    created["images"] = image_model.objects.count() - images_before
    return created
