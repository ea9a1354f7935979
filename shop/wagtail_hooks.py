"""The shop's place in the Wagtail admin: a "Shop" menu for staff with shop permissions."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from shop.models import Product


class ProductViewSet(SnippetViewSet):
    model = Product
    icon = "tag"
    menu_label = "Products"
    list_display = ["title", "status", "display_price", "stock", "release_date", "updated_at"]
    list_filter = ["status", "format", "shipping_class"]
    search_fields = ["title", "short_description", "slug"]
    ordering = ["title"]


class ShopViewSetGroup(SnippetViewSetGroup):
    menu_label = "Shop"
    menu_icon = "tag"
    menu_order = 200
    items = [ProductViewSet]


register_snippet(ShopViewSetGroup)
