"""The shop's place in the Wagtail admin: a "Shop" menu for staff with shop permissions."""

from django.urls import path, reverse
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from shop.admin_buyer_data import (
    BuyerDataEraseView,
    BuyerDataExportView,
    BuyerDataMenuItem,
    BuyerDataRequestPermissionPolicy,
    BuyerDataView,
)
from shop.admin_views import (
    CampaignReleaseView,
    CampaignView,
    OrderEditView,
    OrderInspectView,
    OrderPermissionPolicy,
    OrderRefundView,
    OrderStatusForm,
    PackingListView,
    PreOrderDashboardPanel,
    PreOrderInspectView,
    PreOrderPermissionPolicy,
    ProductIndexView,
    ShopListingView,
    may_run_campaigns,
)
from shop.email_previews import EmailPreviewView, previewable_kinds
from shop.models import (
    BuyerDataRequest,
    DiscountCode,
    Order,
    PreOrder,
    Product,
    ShippingZone,
)

register_permission_policy(Order, OrderPermissionPolicy(Order))
register_permission_policy(PreOrder, PreOrderPermissionPolicy(PreOrder))
register_permission_policy(BuyerDataRequest, BuyerDataRequestPermissionPolicy(BuyerDataRequest))


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


class ParcelViewSet(ModelViewSet):
    """Orders and pre-orders: each becomes a parcel, so each listing has a packing list of the
    parcels still to send, as filtered there."""

    index_view_class = ShopListingView
    to_pack: set[str] = set()

    def listing_queryset(self):
        """The rows with what their items, address and export read, fetched in one go."""
        return self.model.objects.all()

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=self.listing_queryset(),
            packing_list_url_name=self.get_url_name("packing_list"),
            **kwargs,
        )

    @property
    def packing_list_view(self):
        return self.construct_view(
            PackingListView,
            **self.get_index_view_kwargs(template_name="shop/admin/packing_list.html"),
            to_pack=self.to_pack,
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("packing-list/", self.packing_list_view, name="packing_list"),
        ]


class OrderViewSet(ParcelViewSet):
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
        "items_summary",
        "address_one_line",
        "shipping_region",
        "currency",
        "subtotal",
        "discount_label",
        "discount",
        "shipping",
        "total",
        "vat_total",
        "vat_number",
        "paid_at",
        "tracking_number",
        "stripe_payment_intent_id",
    ]
    export_headings = {
        "items_summary": "Items",
        "address_one_line": "Address",
        "discount_label": "Discount code",
        "vat_total": "VAT included",
        "vat_number": "Seller's VAT number",
    }
    export_filename = "orders"
    inspect_view_enabled = True
    inspect_view_class = OrderInspectView
    inspect_view_fields = [
        "reference",
        "status",
        "email",
        "total_display",
        "delivery_address",
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
    to_pack = {Order.Status.PAID, Order.Status.PACKED}

    def listing_queryset(self):
        return Order.objects.prefetch_related("lines", "preorders__product")

    def get_form_class(self, for_update=False):
        return OrderStatusForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("refund/<int:pk>/", OrderRefundView.as_view(), name="refund"),
        ]


class PreOrderViewSet(ParcelViewSet):
    model = PreOrder
    name = "preorders"
    url_prefix = "shop/pre-orders"
    url_namespace = "shop_preorders"
    icon = "calendar"
    menu_label = "Pre-orders"
    list_display = [
        "reference",
        Column("title", label="Product"),
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
        "title",
        "quantity",
        "status",
        "name",
        "address_one_line",
        "email",
        "note",
        "unit_price",
        "shipping",
        "created_at",
    ]
    export_headings = {"address_one_line": "Address", "title": "Product"}
    export_filename = "pre-orders"
    form_fields = ["note"]  # required by ModelViewSet; editing is refused by the policy
    inspect_view_enabled = True
    inspect_view_class = PreOrderInspectView
    inspect_view_fields = [
        "reference",
        "product",
        "variant",
        "quantity",
        "status",
        "charge_mode",
        "total_display",
        "email",
        "delivery_address",
        "note",
        "created_at",
        "paid_at",
        "stripe_payment_intent_id",
    ]
    copy_view_enabled = False
    to_pack = {PreOrder.Status.PAID}

    def listing_queryset(self):
        return PreOrder.objects.select_related("product", "variant")


class EmailPreviewViewSet(ViewSet):
    """Shop → Emails: every kind of email for the demo order or a real one, and a test send.
    Shown to whoever may see orders or pre-orders; each sees the kinds about those."""

    name = "shop_emails"
    url_prefix = "shop/emails"
    icon = "mail"
    menu_label = "Emails"

    def get_urlpatterns(self):
        return [path("", EmailPreviewView.as_view(), name="preview")]

    @cached_property
    def menu_item_class(self):
        class EmailPreviewMenuItem(MenuItem):
            def is_shown(self, request):
                return bool(previewable_kinds(request.user))

        return EmailPreviewMenuItem


class BuyerDataRequestViewSet(ModelViewSet):
    """Shop → Data requests: the record of each export and erasure, seen and never changed."""

    model = BuyerDataRequest
    name = "buyer_data_requests"
    url_prefix = "shop/buyer-data/requests"
    url_namespace = "shop_buyer_data_requests"
    icon = "history"
    menu_label = "Data requests"
    list_display = [
        "created_at",
        "action",
        "handled_by_name",
        Column("counts_summary", label="What"),
    ]
    list_filter = ["action", "created_at"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "created_at",
        "action",
        "handled_by_name",
        "outcome",
        "counts",
        "kept_references",
        "email_hash",
    ]
    exclude_form_fields = []  # every field is editable=False: there is nothing to edit
    copy_view_enabled = False


class ShippingZoneViewSet(ModelViewSet):
    """Shop → Delivery zones: where the shop posts to and what it charges, in pounds. The
    basket lists them in their order; Stripe asks for an address in the chosen zone only."""

    model = ShippingZone
    name = "shipping_zones"
    url_prefix = "shop/delivery-zones"
    url_namespace = "shop_shipping_zones"
    icon = "globe"
    menu_label = "Delivery zones"
    list_display = [
        "name",
        Column("countries_display", label="Countries"),
        Column("charges_display", label="Charges"),
    ]
    copy_view_enabled = False
    inspect_view_enabled = False


class DiscountCodeIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().with_uses()  # no count query per row


class DiscountCodeViewSet(ModelViewSet):
    """Shop → Discount codes: codes buyers type in the basket. Orders keep the code and what
    it took off each line, so editing or deleting a code rewrites no order."""

    model = DiscountCode
    index_view_class = DiscountCodeIndexView
    name = "discount_codes"
    url_prefix = "shop/discount-codes"
    url_namespace = "shop_discount_codes"
    icon = "pick"
    menu_label = "Discount codes"
    list_display = [
        "code",
        Column("value_display", label="Takes off"),
        Column("uses_display", label="Orders used"),
        "starts_at",
        "ends_at",
        "active",
    ]
    list_filter = ["active", "kind"]
    search_fields = ["code", "note"]
    copy_view_enabled = False
    inspect_view_enabled = False


class ShopGroup(ViewSetGroup):
    menu_label = "Shop"
    menu_icon = "tag"
    menu_order = 200
    items = [
        ProductViewSet,
        OrderViewSet,
        PreOrderViewSet,
        EmailPreviewViewSet,
        BuyerDataRequestViewSet,
        ShippingZoneViewSet,
        DiscountCodeViewSet,
    ]
    # Menu items other apps' hooks (and the buyer data lookup below) add to the Shop menu.
    submenu_hook = "register_shop_menu_item"


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
        ),
        path(
            "shop/campaigns/<int:product_pk>/release/",
            CampaignReleaseView.as_view(),
            name="shop_campaign_release",
        ),
    ]


@hooks.register("register_admin_urls")
def register_buyer_data_urls():
    return [
        path("shop/buyer-data/", BuyerDataView.as_view(), name="shop_buyer_data"),
        path(
            "shop/buyer-data/export/", BuyerDataExportView.as_view(), name="shop_buyer_data_export"
        ),
        path("shop/buyer-data/erase/", BuyerDataEraseView.as_view(), name="shop_buyer_data_erase"),
    ]


@hooks.register("register_shop_menu_item")
def register_buyer_data_menu_item():
    return BuyerDataMenuItem(
        "Buyer data", reverse("shop_buyer_data"), icon_name="user", name="buyer-data", order=900
    )


@hooks.register("construct_homepage_panels")
def add_preorder_panel(request, panels):
    if request.user.has_perm("shop.view_preorder"):
        panels.append(PreOrderDashboardPanel(campaign_tools=may_run_campaigns(request.user)))
