"""Shop → Buyer data: a shop manager looks up one email address, downloads everything held about
it, and erases it after a confirmation page that says exactly what will happen. The rules live in
shop/buyer_data.py; these views parse, call it and render.

The address travels in POST bodies only, never in a URL, so it stays out of access logs and
browser history."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permission_policies import ModelPermissionPolicy

from shop import buyer_data


def may_handle_buyer_data(user) -> bool:
    """Shop managers (shop/migrations/0022): an export gathers all of one person's data in one
    file and an erasure cannot be undone, so neither is for every member of shop staff."""
    return user.is_active and user.has_perm("shop.handle_buyer_data")


class BuyerDataRequestPermissionPolicy(ModelPermissionPolicy):
    """The record of requests is seen, never added, changed or deleted by hand."""

    def user_has_permission(self, user, action):
        if action != "view":
            return False
        return super().user_has_permission(user, action)


class BuyerDataMenuItem(MenuItem):
    def is_shown(self, request):
        return may_handle_buyer_data(request.user)


class BuyerEmailForm(forms.Form):
    email = forms.CharField(
        label="Buyer's email address",
        max_length=254,
        help_text="As the buyer wrote it to you; capitals make no difference.",
    )

    def clean_email(self) -> str:
        try:
            return buyer_data.normalised_email(self.cleaned_data["email"])
        except buyer_data.BuyerDataError as error:
            raise forms.ValidationError(error.message) from error


class BuyerDataView(WagtailAdminTemplateMixin, TemplateView):
    """Look an address up: what is held, what erasing it would do, and earlier requests."""

    template_name = "shop/admin/buyer_data.html"
    page_title = "Buyer data"
    header_icon = "user"
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        if not may_handle_buyer_data(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", BuyerEmailForm())
        context["requests_url"] = reverse("shop_buyer_data_requests:index")
        return context

    def post(self, request, *args, **kwargs):
        form = BuyerEmailForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        return self.looked_up(form)

    def looked_up(self, form: BuyerEmailForm, *, error: str = ""):
        """The page for a valid address, with `error` said at the top if something failed."""
        email = form.cleaned_data["email"]
        holding = buyer_data.find(email)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                email=email,
                holding=holding,
                plan=buyer_data.plan_erasure(holding),
                past_requests=buyer_data.past_requests(email).select_related("handled_by"),
                error=error,
            )
        )


class BuyerDataExportView(BuyerDataView):
    """Download the export: one JSON file, recorded as a request."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = BuyerEmailForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            filename, body = buyer_data.export(form.cleaned_data["email"], by=request.user)
        except buyer_data.BuyerDataError as error:
            return self.looked_up(form, error=error.message)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class BuyerDataEraseView(BuyerDataView):
    """Erasure in two steps: the first POST shows what will happen (counts, what blocks it);
    the second, carrying the plan's fingerprint, erases exactly that plan or nothing."""

    template_name = "shop/admin/buyer_data_erase.html"
    page_title = "Erase buyer data"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = BuyerEmailForm(request.POST)
        if not form.is_valid():  # back to the lookup, with its errors
            self.template_name = BuyerDataView.template_name
            return self.render_to_response(self.get_context_data(form=form))
        email = form.cleaned_data["email"]
        confirmed = request.POST.get("confirmed", "")
        plan = buyer_data.preview_erasure(email)
        error = ""
        if confirmed or plan.blockers:  # a blocked erasure is refused, and recorded, at once
            try:
                record = buyer_data.erase(email, by=request.user, confirmed=confirmed)
            except buyer_data.BuyerDataError as refused:
                error = refused.message
            else:
                messages.success(request, record.outcome)
                return redirect("shop_buyer_data_requests:inspect", record.pk)
            plan = buyer_data.preview_erasure(email)
        return self.render_to_response(
            self.get_context_data(form=form, email=email, plan=plan, error=error)
        )
