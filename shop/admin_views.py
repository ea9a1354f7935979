"""Admin views for the shop. Staff inspect orders and change their status, never edit them
freely; everyone is shown only the links and buttons their role lets them use."""

import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import FormView, TemplateView
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import AdminDateInput, Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView

from shop import orders, preorders
from shop.models import Order, PreOrder, Product
from shop.money import AmountError, parse_amount


class OrderPermissionPolicy(ModelPermissionPolicy):
    """Orders are made by checkout, not by hand, and kept for the books: no add, no delete."""

    def user_has_permission(self, user, action):
        if action in {"add", "delete"}:
            return False
        if action == "refund":
            return user.is_active and user.has_perm("shop.refund_order")
        return super().user_has_permission(user, action)


def may_run_campaigns(user) -> bool:
    """Who may use a campaign's page (change its release date, release it, mark it shipped):
    Shop managers. Links to it are shown to them only."""
    return user.is_active and user.has_perm("shop.release_preorders")


class PreOrderPermissionPolicy(ModelPermissionPolicy):
    """Pre-orders are made by buyers through the form and changed by the pre-order workflows,
    so staff list, inspect and export them here but never add, edit or delete them by hand."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        if action == "view":
            return user.is_active and (
                user.has_perm("shop.view_preorder") or user.has_perm("shop.change_preorder")
            )
        return super().user_has_permission(user, action)


class StaffStatusField(forms.ChoiceField):
    """Lists the moves staff may make, but lets any known status through to shop/orders.py,
    which refuses the others with a reason rather than "Select a valid choice"."""

    def valid_value(self, value):
        return value in Order.Status.values


class OrderStatusForm(WagtailAdminModelForm):
    """Offers only what staff may do by hand: cancel an order awaiting payment, pack and ship
    a paid one. Paid, expired and failed come from Stripe; refunds have their own page."""

    class Meta:
        model = Order
        fields = ["status", "tracking_number"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        current = self.instance.status
        self.fields["status"] = StaffStatusField(
            choices=[
                (status, Order.Status(status).label)
                for status in Order.Status.values
                if status == current or orders.staff_may_move(self.instance, status)
            ],
            help_text=(
                "Cancelling closes the buyer's payment page at Stripe and puts the stock back."
                if orders.staff_may_move(self.instance, Order.Status.CANCELLED)
                else "Marking it ready to collect emails the buyer where and when to collect it."
                if orders.staff_may_move(self.instance, Order.Status.READY_TO_COLLECT)
                else ""
            ),
        )
        self.fields["tracking_number"].help_text = (
            "Not needed: the buyer collects it in person."
            if self.instance.is_collected_in_person
            else "Needed to mark the order shipped."
        )


def refund_buttons(view, order: Order) -> list[Button]:
    """The Refund button, for those who may refund, while the order has something to refund."""
    if not view.permission_policy.user_has_permission(view.request.user, "refund"):
        return []
    if not orders.may_be_refunded(order):
        return []
    url = reverse("shop_orders:refund", args=[order.pk])
    return [Button("Refund", url=url, icon_name="undo", priority=40)]


class OrderEditView(generic.EditView):
    """Status changes go through shop/orders.py, which keeps the rules and talks to Stripe."""

    @cached_property
    def header_more_buttons(self):
        return [*super().header_more_buttons, *refund_buttons(self, self.object)]

    def form_valid(self, form):
        wanted = form.cleaned_data["status"]
        try:
            order = orders.change_status(
                self.object.pk, wanted, form.cleaned_data["tracking_number"]
            )
        except orders.OrderActionError as error:
            form.add_error(None, error.message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = error.message
            return self.form_invalid(form)
        if order.status != wanted:
            messages.warning(
                self.request,
                f"Order {order.reference} was paid at Stripe before it could be cancelled; "
                f"it is {order.get_status_display().lower()} now.",
            )
        elif wanted == Order.Status.CANCELLED and form.initial["status"] != wanted:
            messages.success(
                self.request,
                f"Order {order.reference} cancelled: its payment page at Stripe is closed and "
                "its stock is back on sale.",
            )
        else:
            messages.success(self.request, f"Order {order.reference} updated.")
        return redirect(self.get_success_url())


class PostalAddress(Component):
    """An address written as on the parcel, one line under another."""

    template_name = "shop/admin/postal_address.html"

    def __init__(self, lines: list[str]):
        self.lines = lines

    def get_context_data(self, parent_context=None):
        return {"lines": self.lines}


class DeliveryAddressMixin:
    """An inspect view field "delivery_address": the address written as on the parcel instead
    of the fields (or Stripe's dict) it is kept in."""

    def get_field_label(self, field_name, field):
        if field_name == "delivery_address":
            return "Delivery address"
        return super().get_field_label(field_name, field)

    def get_delivery_address_display_value(self):
        return PostalAddress(self.object.address_lines)


class OrderInspectView(DeliveryAddressMixin, generic.InspectView):
    """An order with its lines, payment events and refunds; a Refund button for those who may
    refund, while something is left to refund."""

    template_name = "shop/admin/order_inspect.html"

    @cached_property
    def header_more_buttons(self):
        return [*super().header_more_buttons, *refund_buttons(self, self.object)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = self.object.lines.all()
        context["payment_events"] = self.object.payment_events.all()
        context["refunds"] = self.object.refunds.select_related("created_by").prefetch_related(
            "lines__line"
        )
        context["refund_summary"] = orders.refund_summary(self.object)
        return context

    def get_status_display_value(self):
        status = self.object.get_status_display()
        if orders.refund_summary(self.object).partly_refunded:
            return f"{status} (partly refunded)"
        return status


class RefundForm(forms.Form):
    """Units per order line and/or an amount typed in pounds, a restock choice and a reason.
    `key` is made when the page is drawn, so submitting the same page twice refunds once."""

    key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", widget=forms.HiddenInput)
    amount = forms.CharField(
        required=False,
        label="Amount to refund",
        help_text="Leave empty to refund the price of the items chosen above; type an amount "
        "(such as the items plus delivery) to refund something else.",
    )
    restock = forms.BooleanField(required=False, label="Put these items back in stock")
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the refund and told to the buyer in their email.",
    )

    def __init__(self, *args, order: Order, summary: orders.RefundSummary, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.line_fields = []
        for line in order.lines.all():
            left = summary.left_by_line[line.pk]
            name = f"line_{line.pk}"
            after_discount = f", {order.money(line.paid)} in all after its discount"
            # No max_value: shop/orders.py says what is left when the refund is made, so a page
            # sent twice finds its first refund rather than a quantity error.
            self.fields[name] = forms.IntegerField(
                required=False,
                min_value=0,
                initial=0,
                label=f"{line.title} ({order.money(line.unit_price)} each"
                f"{after_discount if line.discount else ''})",
                help_text=f"{left} of {line.quantity} not refunded yet.",
                disabled=left == 0,
            )
            self.line_fields.append(self[name])

    def clean_amount(self) -> int | None:
        typed = self.cleaned_data["amount"].strip()
        if not typed:
            return None
        try:
            return parse_amount(typed, self.order.currency)
        except AmountError as error:
            raise forms.ValidationError(str(error)) from error

    def refund_lines(self) -> dict[int, int]:
        return {
            int(name.removeprefix("line_")): units
            for name, units in self.cleaned_data.items()
            if name.startswith("line_") and units
        }


class OrderRefundView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """The refund confirmation page: what was paid and refunded already, and a form to refund
    some items or an amount. Confirming refunds at Stripe, then records it (shop/orders.py)."""

    permission_policy = OrderPermissionPolicy(Order)
    permission_required = "refund"
    form_class = RefundForm
    template_name = "shop/admin/order_refund.html"
    page_title = "Refund"
    header_icon = "undo"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.order = get_object_or_404(Order, pk=kwargs["pk"])
        self.summary = orders.refund_summary(self.order)

    def get(self, request, *args, **kwargs):
        if not orders.may_be_refunded(self.order):
            messages.error(request, self.not_refundable_reason())
            return redirect("shop_orders:inspect", self.order.pk)
        return super().get(request, *args, **kwargs)

    def not_refundable_reason(self) -> str:
        if self.order.status not in Order.PAID_STATUSES:
            status = self.order.get_status_display().lower()
            return f"Only paid orders can be refunded; {self.order.reference} is {status}."
        if not self.order.stripe_payment_intent_id:
            return f"Order {self.order.reference} has no Stripe payment to refund."
        return f"Order {self.order.reference} is refunded in full already."

    def get_page_subtitle(self):
        return self.order.reference

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("shop_orders:index"), "label": "Orders"},
            {"url": reverse("shop_orders:inspect", args=[self.order.pk]), "label": str(self.order)},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "order": self.order,
            "summary": self.summary,
            "initial": {"key": secrets.token_urlsafe(24)},
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            order=self.order,
            summary=self.summary,
            refunds=self.order.refunds.prefetch_related("lines__line"),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            refund = orders.refund(
                self.order.pk,
                key=form.cleaned_data["key"],
                reason=form.cleaned_data["reason"],
                lines=form.refund_lines(),
                amount=form.cleaned_data["amount"],
                restock=form.cleaned_data["restock"],
                by=self.request.user,
            )
        except orders.OrderActionError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Refunded {refund.amount_display} on order {self.order.reference}"
            f"{' and put the items back in stock' if refund.restocked else ''}. "
            "The buyer is emailed.",
        )
        return redirect("shop_orders:inspect", self.order.pk)


class PreOrderInspectView(DeliveryAddressMixin, generic.InspectView):
    """A pre-order, with a way to its campaign for those who may run it."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if may_run_campaigns(self.request.user):
            url = reverse("shop_campaign", args=[self.object.product_id])
            buttons.append(Button("Campaign", url=url, icon_name="calendar", priority=30))
        return buttons


class ShopListingView(generic.IndexView):
    """The orders or pre-orders listing, with a packing list of what it shows beside its
    downloads (the same filters and search, as Wagtail's export carries them)."""

    packing_list_url_name = None

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.packing_list_url_name:
            query = self.request.GET.copy()
            for name in (self.page_kwarg, "export"):
                query.pop(name, None)
            url = reverse(self.packing_list_url_name)
            if query:
                url += "?" + query.urlencode()
            buttons.append(Button("Packing list", url=url, icon_name="clipboard-list", priority=80))
        return buttons


class PackingListView(generic.IndexView):
    """The listing as filtered and searched, printed: one sheet per parcel still to send (paid,
    not shipped), with its address and what goes in it. Orders and pre-orders share it: each
    gives `reference`, `created_at`, `address_lines` and `packing_items`."""

    to_pack = ()  # the statuses whose parcels are still to send

    def get(self, request, *args, **kwargs):
        parcels = self.get_queryset().filter(status__in=self.to_pack).order_by("created_at", "pk")
        listing_url = reverse(self.index_url_name)
        if request.GET:
            listing_url += "?" + request.GET.urlencode()
        return TemplateResponse(
            request,
            self.template_name,
            {
                "title": f"Packing list: {self.model._meta.verbose_name_plural}",
                "parcels": parcels,
                "listing_url": listing_url,
                "filtered": self.is_filtering or self.is_searching,
            },
        )


class ProductIndexView(SnippetIndexView):
    """The product list. The only bulk action on products is deleting them, so people who may
    not delete products get neither the row checkboxes nor the bulk "Delete" button."""

    @cached_property
    def may_delete(self) -> bool:
        return self.permission_policy.user_has_permission(self.request.user, "delete")

    @cached_property
    def columns(self):
        columns = super().columns
        if self.may_delete:
            return columns
        return [column for column in columns if not isinstance(column, BulkActionsCheckboxColumn)]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "bulk_actions_allowed": self.may_delete}


class ReleaseDateForm(forms.Form):
    # Wagtail's date picker, as on the product form: it shows the date in the format it reads.
    release_date = forms.DateField(widget=AdminDateInput)


class CampaignView(WagtailAdminTemplateMixin, TemplateView):
    """Release-day tools for one pre-order product: change its release date (every waiting
    buyer is told once) and release it (saved cards charged, payment links sent)."""

    template_name = "shop/admin/campaign.html"
    header_icon = "calendar"

    def dispatch(self, request, product_pk):
        # Permission before lookup: whoever is refused is refused alike for every id, so the
        # page cannot tell them which products exist; managers get a 404 for a missing one.
        if not may_run_campaigns(request.user):
            raise PermissionDenied
        self.product = get_object_or_404(Product, pk=product_pk)
        return super().dispatch(request, product_pk)

    page_title = "Campaign"

    def get_page_subtitle(self):
        return self.product.title

    def get_breadcrumbs_items(self):
        # Without its own breadcrumb the page was headed "Home".
        return [
            *self.breadcrumbs_items,
            {"url": reverse("shop_preorders:index"), "label": "Pre-orders"},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(
            PreOrder.objects.filter(product=self.product)
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        context.update(
            product=self.product,
            preorders_url=preorders_of(self.product),
            may_edit_product=self.request.user.has_perm("shop.change_product"),
            progress=preorders.release_progress(self.product),
            to_charge=counts.get(PreOrder.Status.CARD_SAVED, 0),
            to_link=counts.get(PreOrder.Status.RESERVED, 0),
            counts={PreOrder.Status(status).label: n for status, n in counts.items()},
            date_form=kwargs.get("date_form")
            or ReleaseDateForm(initial={"release_date": self.product.release_date}),
        )
        return context

    def post(self, request, product_pk):
        if "shipped" in request.POST:
            shipped, problems = preorders.mark_shipped(self.product, request.POST["shipped"])
            messages.success(request, f"{len(shipped)} pre-order(s) marked shipped.")
            for problem in problems:
                messages.error(request, problem)
            return redirect("shop_campaign", product_pk=self.product.pk)
        if "release" in request.POST:
            if self.product.released_at is None:  # releasing asks first, on its own page
                messages.warning(request, "Nothing was released yet: confirm the release here.")
                return redirect("shop_campaign_release", product_pk=self.product.pk)
            summary = preorders.release(self.product)  # charge what is still waiting
            messages.success(request, f"{summary}. Cards are charged in the background.")
            return redirect("shop_campaign", product_pk=self.product.pk)
        if self.product.released_at is not None:
            messages.error(request, "It is released already: its release date is history.")
            return redirect("shop_campaign", product_pk=self.product.pk)
        form = ReleaseDateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(date_form=form))
        to_tell = preorders.change_release_date(self.product, form.cleaned_data["release_date"])
        messages.success(
            request,
            f"Release date changed; {to_tell} buyer{'s' if to_tell != 1 else ''} will be emailed.",
        )
        return redirect("shop_campaign", product_pk=self.product.pk)


class ReleaseForm(forms.Form):
    """The release's own confirmation. Before the release date it also needs a tick, since
    buyers were told they would be charged on that date."""

    release_early = forms.BooleanField(required=False)

    def __init__(self, *args, release_date=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.early = release_date is not None and today < release_date
        if self.early:
            field = self.fields["release_early"]
            field.required = True
            field.label = f"Release now, before the release date of {release_date:%-d %B %Y}"
            field.error_messages["required"] = (
                "The release date is not reached yet: tick the box to release early anyway."
            )
        else:
            del self.fields["release_early"]


def release_preview(product: Product) -> dict:
    """What releasing would do now: saved cards to charge and payment links to send, each
    with its count and total (in minor units)."""
    amount = ExpressionWrapper(
        F("unit_price") * F("quantity") + F("shipping"), output_field=IntegerField()
    )
    saved, reserved = Q(status=PreOrder.Status.CARD_SAVED), Q(status=PreOrder.Status.RESERVED)
    preview = PreOrder.objects.filter(product=product).aggregate(
        to_charge=Count("pk", filter=saved),
        charge_total=Sum(amount, filter=saved),
        to_link=Count("pk", filter=reserved),
        link_total=Sum(amount, filter=reserved),
    )
    return {name: value or 0 for name, value in preview.items()}


class CampaignReleaseView(CampaignView):
    """Releasing asks first: how many saved cards are charged and for how much, how many
    payment links go out, and, before the release date, an explicit tick. Nothing is charged
    or sent until this page's form is sent; then it runs the release as the command does."""

    template_name = "shop/admin/campaign_release.html"
    page_title = "Release"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("shop_preorders:index"), "label": "Pre-orders"},
            {"url": reverse("shop_campaign", args=[self.product.pk]), "label": "Campaign"},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def release_form(self, data=None) -> ReleaseForm:
        return ReleaseForm(data, release_date=self.product.release_date, today=timezone.localdate())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            release_preview(self.product),
            release_form=kwargs.get("release_form") or self.release_form(),
            today=timezone.localdate(),
        )
        return context

    def post(self, request, product_pk):
        form = self.release_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(release_form=form))
        try:
            summary = preorders.release(self.product)
        except preorders.ReleaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"Released {self.product.title}: {summary}. Cards are charged in the "
                "background; the campaign page shows how far it has got.",
            )
        return redirect("shop_campaign", product_pk=self.product.pk)


class PreOrderDashboardPanel(Component):
    """On the admin home page: each campaign's units and money taken and still to take."""

    name = "preorders"
    order = 150
    template_name = "shop/admin/dashboard_panel.html"

    def __init__(self, campaign_tools: bool):
        self.campaign_tools = campaign_tools

    def get_context_data(self, parent_context=None):
        rows = [(product, preorders_of(product)) for product in preorders.dashboard_rows()]
        return {"rows": rows, "campaign_tools": self.campaign_tools}


def preorders_of(product: Product) -> str:
    """The pre-order list showing one product's pre-orders."""
    return reverse("shop_preorders:index") + "?" + urlencode({"product": product.pk})
