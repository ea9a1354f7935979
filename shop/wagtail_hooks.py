"""The shop's place in the Wagtail admin: a "Shop" menu for staff with shop permissions."""

from django.urls import path
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from shop.admin_views import (
    CampaignView,
    OrderEditView,
    OrderInspectView,
    OrderPermissionPolicy,
    OrderStatusForm,
    PreOrderDashboardPanel,
    PreOrderInspectView,
    PreOrderPermissionPolicy,
    ProductIndexView,
    may_run_campaigns,
)
from shop.models import Order, PreOrder, Product

register_permission_policy(Order, OrderPermissionPolicy(Order))
register_permission_policy(PreOrder, PreOrderPermissionPolicy(PreOrder))


class ProductViewSet(SnippetViewSet):
    model = Product
    icon = "tag"
    menu_label = "Products"
    index_view_class = ProductIndexView
    index_template_name = "shop/admin/product_index.html"
    list_display = [
        "title",
        "status",
        Column("display_price", label="Price"),
        "stock",
        "release_date",
        "updated_at",
    ]
    list_filter = ["status", "format", "shipping_class"]
    search_fields = ["title", "short_description", "slug"]
    ordering = ["title"]


class OrderViewSet(ModelViewSet):
    model = Order
    name = "orders"
    url_prefix = "shop/orders"
    url_namespace = "shop_orders"
    icon = "list-ul"
    menu_label = "Orders"
    list_display = [
        "reference",
        "email",
        "status",
        Column("total_display", label="Total"),
        "created_at",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["reference", "email", "shipping_name"]
    list_export = [
        "reference",
        "created_at",
        "status",
        "email",
        "shipping_name",
        "shipping_region",
        "currency",
        "subtotal",
        "shipping",
        "total",
        "paid_at",
        "tracking_number",
        "stripe_payment_intent_id",
    ]
    export_filename = "orders"
    inspect_view_enabled = True
    inspect_view_class = OrderInspectView
    inspect_view_fields = [
        "reference",
        "status",
        "email",
        "total_display",
        "shipping_name",
        "shipping_address",
        "tracking_number",
        "created_at",
        "paid_at",
        "shipped_at",
        "refunded_at",
        "stripe_payment_intent_id",
    ]
    edit_view_class = OrderEditView
    form_fields = ["status", "tracking_number"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return OrderStatusForm


class PreOrderViewSet(ModelViewSet):
    model = PreOrder
    name = "preorders"
    url_prefix = "shop/pre-orders"
    url_namespace = "shop_preorders"
    icon = "calendar"
    menu_label = "Pre-orders"
    list_display = [
        "reference",
        "product",
        "quantity",
        "name",
        "email",
        "country",
        "status",
        Column("total_display", label="Total"),
        "created_at",
    ]
    list_filter = ["product", "status", "country", "charge_mode", "created_at"]
    search_fields = ["reference", "email", "name", "postcode"]
    # The export doubles as a packing list: who gets how many of what, and where.
    list_export = [
        "reference",
        "product",
        "quantity",
        "status",
        "name",
        "address_line1",
        "address_line2",
        "city",
        "postcode",
        "country",
        "email",
        "note",
        "unit_price",
        "shipping",
        "created_at",
    ]
    export_filename = "pre-orders"
    form_fields = ["note"]  # required by ModelViewSet; editing is refused by the policy
    inspect_view_enabled = True
    inspect_view_class = PreOrderInspectView
    inspect_view_fields = [
        "reference",
        "product",
        "quantity",
        "status",
        "charge_mode",
        "total_display",
        "name",
        "email",
        "address_line1",
        "address_line2",
        "city",
        "postcode",
        "country",
        "note",
        "created_at",
        "paid_at",
        "stripe_payment_intent_id",
    ]
    copy_view_enabled = False


class ShopGroup(ViewSetGroup):
    menu_label = "Shop"
    menu_icon = "tag"
    menu_order = 200
    items = [ProductViewSet, OrderViewSet, PreOrderViewSet]


# register_snippet (rather than the register_admin_viewset hook) because Products are snippets;
# it registers the whole group once the models are loaded.
register_snippet(ShopGroup)


@hooks.register("register_admin_urls")
def register_campaign_urls():
    return [
        path(
            "shop/campaigns/<int:product_pk>/",
            CampaignView.as_view(),
            name="shop_campaign",
        )
    ]


@hooks.register("construct_homepage_panels")
def add_preorder_panel(request, panels):
    if request.user.has_perm("shop.view_preorder"):
        panels.append(PreOrderDashboardPanel(campaign_tools=may_run_campaigns(request.user)))
