from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self):
        from cms import pagecache
        from shop.models import Product

        # Stock changes made by checkout and pre-orders retire the same pages explicitly
        # (they update rows without saving models): see ProductQuerySet.update_and_retire_pages().
        pagecache.invalidate_when_saved([Product], pagecache.CATALOGUE)
