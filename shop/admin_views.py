"""Admin views for the shop. Staff inspect orders and change their status, never edit them
freely; everyone is shown only the links and buttons their role lets them use."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import TemplateView
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput, Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView

from shop import orders, preorders
from shop.models import Order, PreOrder, Product


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


class OrderStatusForm(WagtailAdminModelForm):
    """Offers only the statuses the order may move to next (refund only to those allowed)."""

    class Meta:
        model = Order
        fields = ["status", "tracking_number"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        allowed = [self.instance.status, *Order.TRANSITIONS.get(self.instance.status, ())]
        if for_user is None or not OrderPermissionPolicy(Order).user_has_permission(
            for_user, "refund"
        ):
            allowed = [
                s for s in allowed if s != Order.Status.REFUNDED or s == self.instance.status
            ]
        self.fields["status"] = forms.ChoiceField(
            choices=[(s, Order.Status(s).label) for s in Order.Status.values if s in allowed],
            help_text="Choosing Refunded refunds the full payment through Stripe.",
        )
        self.fields["tracking_number"].help_text = "Needed to mark the order shipped."


class OrderEditView(generic.EditView):
    """Status changes go through shop/orders.py, which keeps the rules and talks to Stripe."""

    def form_valid(self, form):
        try:
            orders.change_status(
                self.object.pk, form.cleaned_data["status"], form.cleaned_data["tracking_number"]
            )
        except orders.OrderActionError as error:
            form.add_error(None, error.message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = error.message
            return self.form_invalid(form)
        messages.success(self.request, f"Order {self.object.reference} updated.")
        return redirect(self.get_success_url())


class OrderInspectView(generic.InspectView):
    template_name = "shop/admin/order_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = self.object.lines.all()
        context["payment_events"] = self.object.payment_events.all()
        return context


class PreOrderInspectView(generic.InspectView):
    """A pre-order, with a way to its campaign for those who may run it."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if may_run_campaigns(self.request.user):
            url = reverse("shop_campaign", args=[self.object.product_id])
            buttons.append(Button("Campaign", url=url, icon_name="calendar", priority=30))
        return buttons


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
            lines = []
            summary = preorders.release(
                self.product,
                progress=lambda number, total, preorder: lines.append(
                    f"{number}/{total} {preorder.reference}: {preorder.get_status_display()}"
                ),
            )
            messages.success(request, f"Released {self.product.title}: {summary}.")
            return self.render_to_response(self.get_context_data(release_log=lines))
        form = ReleaseDateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(date_form=form))
        to_tell = preorders.change_release_date(self.product, form.cleaned_data["release_date"])
        messages.success(
            request,
            f"Release date changed; {to_tell} buyer{'s' if to_tell != 1 else ''} will be emailed.",
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
