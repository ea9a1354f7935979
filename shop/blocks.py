"""The block that lets an article or the home page feature a product."""

from django.db.models import prefetch_related_objects
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from cms import pagecache


class FeaturedProductBlock(blocks.StructBlock):
    """A product's cover, title, price and live status, with a way to buy it."""

    product = SnippetChooserBlock("shop.Product")
    note = blocks.CharBlock(
        required=False, max_length=200, help_text="A line of your own, e.g. “Signed copies!”"
    )

    def bulk_to_python(self, values):
        struct_values = super().bulk_to_python(values)
        products = [value["product"] for value in struct_values if value["product"]]
        prefetch_related_objects(products, "cover_image__renditions")
        return struct_values

    def get_preview_value(self):
        """The block picker shows a product from this shop, one on sale if there is one,
        drawn as articles draw it; with an empty shop, an unsaved example stands in."""
        from shop.models import Product  # blocks load before the models they choose from

        products = Product.objects.visible().order_by("-updated_at")
        product = products.filter(status=Product.Status.ON_SALE).first() or products.first()
        if product is None:
            product = Product(
                title="Your product",
                slug="example",
                short_description="Products you add under Shop appear here.",
                price=1200,
                status=Product.Status.ON_SALE,
            )
        return self.normalize(
            {"product": product, "note": "A line of your own, such as “Signed copies!”"}
        )

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        if request := context.get("request"):
            pagecache.cache_public_page(request, pagecache.CATALOGUE)
        return context

    class Meta:
        icon = "tag"
        template = "shop/blocks/featured_product_block.html"
        description = "Feature a product from the shop, with its price and a button to buy it."


class DeliveryChargesBlock(blocks.StaticBlock):
    """The delivery charges for each zone, read from Shop → Delivery zones as the page is
    shown, so a delivery page never disagrees with the basket. A change to a zone retires
    the cached page (the CATALOGUE tag)."""

    def get_context(self, value, parent_context=None):
        from shop import shipping  # blocks load before the models they read

        context = super().get_context(value, parent_context)
        context["zones"] = shipping.zones()
        if request := context.get("request"):
            pagecache.cache_public_page(request, pagecache.CATALOGUE)
        return context

    class Meta:
        icon = "globe"
        template = "shop/blocks/delivery_charges_block.html"
        admin_text = "The delivery charges of every zone, as kept under Shop → Delivery zones."
        description = "A table of delivery charges by zone, always as the shop charges them."
        preview_value = None  # a static block has no value; its template is the preview
