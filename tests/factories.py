"""Factories for the editorial models; pages are created under a parent the Wagtail way."""

import datetime
import io

import factory
from django.core.files.images import ImageFile
from django.utils.text import slugify
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page

from cms.models import BlogIndexPage, BlogPage, HomePage, StandardPage
from shop.models import Product


class PageFactory(factory.django.DjangoModelFactory):
    """Builds a page and adds it under `parent` (the tree root when none is given), published."""

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title)[:200])

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, parent=None, tags=(), **kwargs):
        page = model_class(**kwargs)
        for tag in tags:
            page.tags.add(tag)
        parent = parent or Page.get_first_root_node()
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page


class HomePageFactory(PageFactory):
    title = "Home"
    slug = "home-test"

    class Meta:
        model = HomePage


class BlogIndexPageFactory(PageFactory):
    title = "Blog"
    slug = "blog"

    class Meta:
        model = BlogIndexPage


class BlogPageFactory(PageFactory):
    title = factory.Sequence(lambda n: f"Post number {n}")
    date = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    author = "Ruth Calder"
    intro = factory.LazyAttribute(lambda post: f"A summary of {post.title}.")
    body = factory.LazyFunction(
        lambda: [{"type": "paragraph", "value": "<p>Words, and more words.</p>"}]
    )

    class Meta:
        model = BlogPage


class StandardPageFactory(PageFactory):
    title = "About"
    slug = "about"
    intro = "About this site."

    class Meta:
        model = StandardPage


def make_image(title: str = "A picture", size=(640, 360)):
    """A real PNG stored through Wagtail's image model."""
    buffer = io.BytesIO()
    PILImage.new("RGB", size, "#7a2e1d").save(buffer, format="PNG")
    return get_image_model().objects.create(
        title=title, file=ImageFile(buffer, name=title.lower().replace(" ", "-") + ".png")
    )


class ProductFactory(factory.django.DjangoModelFactory):
    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda product: slugify(product.title))
    short_description = "Something worth having."
    price = 1299
    status = Product.Status.ON_SALE
    stock = None
    per_order_limit = 5

    class Meta:
        model = Product


def make_order(products_and_quantities, *, session_id="cs_test_1", region="uk", **fields):
    """A pending order as checkout leaves it, with its stock already taken."""
    from shop.models import Order, OrderLine

    subtotal = sum(product.price * quantity for product, quantity in products_and_quantities)
    order = Order.objects.create(
        email=fields.pop("email", "buyer@example.com"),
        subtotal=subtotal,
        shipping=fields.pop("shipping", 295),
        total=subtotal + 295,
        shipping_region=region,
        stripe_session_id=session_id,
        **fields,
    )
    for product, quantity in products_and_quantities:
        OrderLine.objects.create(
            order=order,
            product=product,
            title=product.title,
            unit_price=product.price,
            quantity=quantity,
        )
    return order


class PreOrderProductFactory(ProductFactory):
    title = factory.Sequence(lambda n: f"New book {n}")
    status = Product.Status.PRE_ORDER
    price = 1699
    preorder_cap = 300
    preorder_per_buyer_limit = 5
    preorder_charge_mode = "reserve"


def make_preorder_form_page(parent, **fields):
    """A published Pre-Order Form; it offers every product on pre-order."""
    from shop.models import PreOrderFormPage

    fields.setdefault("slug", "pre-order")
    page = PreOrderFormPage(
        title="Pre-Order Form",
        terms="<p>Pay on release; cancel any time before.</p>",
        thank_you="<p>Thank you!</p>",
        **fields,
    )
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


# A delivery address with every part, and its name with an apostrophe: as the parcel must read,
# and as Stripe returns it (keys in alphabetical order, an empty state).
JANE_LINES = ["Jane O'Reader", "1 High St", "Flat 2", "London", "SW1A 1AA", "United Kingdom"]
JANE_STRIPE_ADDRESS = {
    "city": "London",
    "country": "GB",
    "line1": "1 High St",
    "line2": "Flat 2",
    "postal_code": "SW1A 1AA",
    "state": "",
}
