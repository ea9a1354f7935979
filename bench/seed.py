"""A realistic Quire for the benchmark: the demo site, then thousands of posts with tags, cover
images and full bodies, twenty products and a pre-order campaign with a thousand pre-orders.

Deterministic (a fixed random seed), so every run measures the same site. Pages go in through
treebeard's `add_child`, as an editor's would, but without a revision each: a published page
with no revision history serves exactly like one with it, and seeding stays quick.
"""

from __future__ import annotations

import datetime
import io
import random
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.models import Page

from cms import search
from cms.demo import load_demo_site
from cms.models import BlogIndexPage, BlogPage, BlogPageTag, count_words
from shop.models import PreOrder, PreOrderChargeMode, Product, ProductImage

POSTS = 5000
TAGS = 50
IMAGES = 20
PRODUCTS = 20
PREORDERS = 1000
CAMPAIGN = "dirty-old-town"  # the demo's reserve-and-pay-later pre-order: no Stripe needed
SEEDED_READERS = "@readers.example.org"

VOCABULARY = (
    "town hall canteen council paper reporter street chapel warehouse canal towpath lock "
    "heron bridge pub landlord market square library archive newspaper planning committee "
    "allotment terrace mill chimney gasworks tram station platform river weir bus shelter "
    "bakery queue morning evening winter summer rain fog brick stone slate window doorway "
    "history memory neighbour family shop counter ledger photograph letter editor column "
    "argument evidence report inspection rating kitchen fridge temperature advice follow-up"
)
WORDS = VOCABULARY.split()
TOPICS = [
    "Local news",
    "Council",
    "Commentary",
    "Dirty Old Town",
    "Writing",
    "Walks",
    "Canal",
    "Reading",
    "Music",
    "Buildings",
    "Pubs",
    "Markets",
    "Libraries",
    "Trams",
    "Railways",
    "Rivers",
    "Mills",
    "Chapels",
    "Archives",
    "Photography",
    "Allotments",
    "Weather",
    "Planning",
    "Housing",
    "Schools",
    "Football",
    "Cricket",
    "Food",
    "Bakeries",
    "Theatre",
    "Cinema",
    "Radio",
    "Elections",
    "Letters",
    "Corrections",
    "Interviews",
    "Maps",
    "Bridges",
    "Parks",
    "Street names",
    "Shops",
    "Festivals",
    "Bands",
    "Book launches",
    "Reviews",
    "Notebooks",
    "Travel",
    "History",
    "Memory",
    "Neighbours",
][:TAGS]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraphs(rng: random.Random, count: int) -> str:
    return "".join(
        "<p>" + " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(4)) + "</p>"
        for _ in range(count)
    )


def _block(block_type: str, value) -> dict:
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def post_body(rng: random.Random, images: list, products: list[Product]) -> list[dict]:
    """Roughly 800 words in the mix a real post has: paragraphs, headings, quotes with their
    source, a figure, a separator and now and then a call-out or a featured product."""
    body = [_block("paragraph", _paragraphs(rng, 3))]
    for section in range(3):
        body.append(_block("heading", {"text": _sentence(rng, 5)[:-1], "level": "h2"}))
        body.append(_block("paragraph", _paragraphs(rng, 2)))
        body.append(
            _block(
                "quote",
                {
                    "quote": f"<p>{_sentence(rng, 25)}</p>",
                    "attribution": "The Irwell Valley Echo",
                    "source_title": _sentence(rng, 6)[:-1],
                    "source_url": f"https://www.example.org/news/{rng.randint(1, 99999)}",
                },
            )
        )
        if section == 1:
            body.append(
                _block(
                    "image",
                    {
                        "image": {
                            "image": rng.choice(images).pk,
                            "decorative": False,
                            "alt_text": _sentence(rng, 8)[:-1],
                        },
                        "caption": _sentence(rng, 7),
                    },
                )
            )
    body.append(_block("separator", None))
    if rng.random() < 0.2:
        text = f"<p>{_sentence(rng, 20)}</p>"
        body.append(_block("callout", {"tone": "note", "title": "In fairness", "text": text}))
    if rng.random() < 0.1:
        body.append(_block("product", {"product": rng.choice(products).pk, "note": ""}))
    body.append(_block("paragraph", _paragraphs(rng, 1)))
    return body


def _picture(title: str, rng: random.Random):
    existing = get_image_model().objects.filter(title=title).first()
    if existing is not None:
        return existing
    colours = [f"#{rng.randrange(0x1000000):06x}" for _ in range(3)]
    picture = PILImage.new("RGB", (1600, 900), colours[0])
    draw = ImageDraw.Draw(picture)
    for step in range(0, 900, 60):
        draw.rectangle([0, step, 1600, step + rng.randint(10, 40)], fill=colours[1])
    draw.ellipse([1000, 150, 1300, 450], fill=colours[2])
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    name = title.lower().replace(" ", "-") + ".jpg"
    return get_image_model().objects.create(title=title, file=ImageFile(buffer, name=name))


def _products(rng: random.Random, images: list) -> list[Product]:
    """The demo's four products plus on-sale ones up to PRODUCTS, each with a small gallery."""
    formats = [Product.Format.BOOK, Product.Format.RECORD, Product.Format.CD, Product.Format.MERCH]
    for n in range(Product.objects.count(), PRODUCTS):
        product = Product.objects.create(
            slug=f"bench-product-{n}",
            title=f"{_sentence(rng, 3)[:-1]} ({n})",
            short_description=_sentence(rng, 14),
            description=_paragraphs(rng, 2),
            format=formats[n % len(formats)],
            price=rng.choice([799, 999, 1299, 1699, 2499]),
            status=Product.Status.ON_SALE,
            stock=None,
            per_order_limit=10,
            cover_image=rng.choice(images),
        )
        for order in range(3):
            ProductImage.objects.create(
                product=product,
                image=rng.choice(images),
                caption=_sentence(rng, 5),
                sort_order=order,
            )
    return list(Product.objects.order_by("pk"))


def _preorders(campaign: Product, count: int) -> int:
    """`count` reserved pre-orders of one unit each from distinct readers, bulk-inserted."""
    made = count - PreOrder.objects.filter(email__endswith=SEEDED_READERS).count()
    if made <= 0:
        return 0
    now = timezone.now()
    PreOrder.objects.bulk_create(
        PreOrder(
            form_token=f"seeded-{uuid.uuid4()}",
            product=campaign,
            quantity=1,
            unit_price=campaign.price,
            shipping=295,
            currency=campaign.currency,
            charge_mode=PreOrderChargeMode.RESERVE,
            status=PreOrder.Status.RESERVED,
            name=f"Reader {n}",
            email=f"reader{n}{SEEDED_READERS}",
            address_line1=f"{n} Canal Street",
            city="Salford",
            postcode="M5 4WT",
            country="GB",
            confirmation_sent_at=now,
            staff_notified_at=now,
        )
        for n in range(made)
    )
    return made


def _posts(rng, blog, count, images, products, tags, progress) -> int:
    """Posts up to `count` in all, written in bulk: the tree rows in one insert, each post's
    own row through `save_base(raw=True)`, then the tags. Editors' saves would add revisions,
    log entries and reference-index rows, none of which a public page reads."""
    existing = BlogPage.objects.count()
    if existing >= count:
        return 0
    last = blog.get_last_child()
    step = Page._str2int(last.path[-Page.steplen :]) if last else 0
    content_type = ContentType.objects.get_for_model(BlogPage)
    first_day = datetime.date(2026, 11, 1)
    now = timezone.now()
    pages, posts, tagged = [], [], []
    for n in range(existing, count):
        step += 1
        title = _sentence(rng, rng.randint(4, 8))[:-1]
        slug = f"post-{n}"
        published = now - datetime.timedelta(days=n)
        page = Page(
            title=title,
            draft_title=title,
            slug=slug,
            content_type=content_type,
            path=Page._get_path(blog.path, blog.depth + 1, step),
            depth=blog.depth + 1,
            numchild=0,
            url_path=f"{blog.url_path}{slug}/",
            locale_id=blog.locale_id,
            live=True,
            has_unpublished_changes=False,
            first_published_at=published,
            last_published_at=published,
        )
        pages.append(page)
        body = post_body(rng, images, products)
        posts.append(
            BlogPage(
                date=first_day - datetime.timedelta(days=n),
                author="Ruth Calder",
                intro=_sentence(rng, 30),
                cover_image=rng.choice(images),
                body=body,
                words=count_words(body),  # saved raw, so BlogPage.save does not count them
            )
        )
        tagged.append(rng.sample(tags, rng.randint(2, 4)))
    Page.objects.bulk_create(pages, batch_size=500)
    for number, (page, post) in enumerate(zip(pages, posts, strict=True), 1):
        post.page_ptr_id = post.pk = page.pk
        post.save_base(raw=True, force_insert=True)
        if number % 1000 == 0:
            progress(f"  {number} posts")
    BlogPageTag.objects.bulk_create(
        BlogPageTag(content_object_id=page.pk, tag=tag)
        for page, post_tags in zip(pages, tagged, strict=True)
        for tag in post_tags
    )
    Page.objects.filter(pk=blog.pk).update(numchild=blog.get_children().count())
    return len(pages)


def is_seeded(posts: int = POSTS) -> bool:
    return BlogPage.objects.count() >= posts and Product.objects.count() >= PRODUCTS


@transaction.atomic
def seed_site(posts: int = POSTS, progress=print) -> dict[str, int]:
    """Build the benchmark site on top of the demo; safe to run again (it tops up)."""
    rng = random.Random(2026)
    load_demo_site()
    images = [_picture(f"Bench picture {n}", rng) for n in range(IMAGES)]
    products = _products(rng, images)
    tags = [Tag.objects.get_or_create(name=name, defaults={"slug": None})[0] for name in TOPICS]
    blog = BlogIndexPage.objects.get()
    made_posts = _posts(rng, blog, posts, images, products, tags, progress)
    if made_posts:
        progress("  search index...")
        call_command("update_index", verbosity=0)
        # Bulk-inserted posts skip save(), which writes each post's own search vector.
        search.refresh_vectors(BlogPage.objects.only("pk", "title", "intro", "body").iterator())
        progress("  related posts (decided as publishing each post would)...")
        for post in BlogPage.objects.live().only("pk", "path", "depth", "related_post_ids"):
            post.decide_related_posts()

    campaign = Product.objects.get(slug=CAMPAIGN)
    made_preorders = _preorders(campaign, PREORDERS)
    held = sum(
        PreOrder.objects.filter(product=campaign, status__in=PreOrder.HOLDS_UNITS).values_list(
            "quantity", flat=True
        )
    )
    Product.objects.filter(pk=campaign.pk).update(
        preorder_reserved=held, preorder_cap=max(held, campaign.preorder_cap or 0)
    )
    return {"posts": made_posts, "products": len(products), "preorders": made_preorders}
