"""Admin views for orders: staff inspect them and change their status, never edit them freely."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.permission_policies import ModelPermissionPolicy

from shop import orders
from shop.models import Order


class OrderPermissionPolicy(ModelPermissionPolicy):
    """Orders are made by checkout, not by hand, and kept for the books: no add, no delete."""

    def user_has_permission(self, user, action):
        if action in {"add", "delete"}:
            return False
        if action == "refund":
            return user.is_active and user.has_perm("shop.refund_order")
        return super().user_has_permission(user, action)


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
