"""The shop's details (Settings → Shop details) for any template, read lazily from the shared
cache: only a page that shows them (the shop, a product, the basket, the Pre-Order Form)
reads them."""

from django.utils.functional import SimpleLazyObject

from cms import sitedata


def shop_details(request):
    from shop.models import ShopDetails

    return {"shop_details": SimpleLazyObject(lambda: sitedata.site_setting(ShopDetails, request))}
