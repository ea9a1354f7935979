from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self):
        from cms import pagecache, sitedata
        from shop import checks  # noqa: F401  (registers the shop's system checks)
        from shop.models import Product, ShippingZone, ShopDetails

        # Staff edits retire the pages that show the product. Sales and pre-orders change only
        # what is left, which pages show live: see ProductQuerySet.update_what_is_left().
        pagecache.invalidate_when_saved([Product], pagecache.CATALOGUE)
        # The delivery and returns notes show on the shop and product pages, which read them
        # from the cached site data.
        pagecache.invalidate_when_saved([ShopDetails], pagecache.CATALOGUE, except_created=True)
        # Delivery zones price every basket from the cached site data, and the delivery costs
        # block shows them on pages tagged CATALOGUE.
        pagecache.invalidate_when_saved([ShippingZone], pagecache.CATALOGUE)
        sitedata.connect_invalidation([ShopDetails, ShippingZone])
