"""The admin page where shop staff read every kind of email before buyers do: rendered for the
demo order (shop/email_demo.py) or a real order or pre-order, HTML beside plain text, and sent
to themselves as a test. Staff see the kinds about what they may view (orders, pre-orders);
previewing changes nothing and sends nothing to a buyer."""

from __future__ import annotations

import logging
from email.utils import make_msgid, parseaddr

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from shop import email_demo, emails
from shop.email_content import mailbox
from shop.models import Order, PreOrder, Refund

logger = logging.getLogger(__name__)

WIDTHS = [("375", "Phone (375 px)"), ("640", "Desktop (640 px)")]


def previewable_kinds(user) -> list[str]:
    """The kinds this user may preview: those about orders (and their refunds) for who may see
    orders, those about pre-orders for who may see pre-orders."""
    if not user.is_active:
        return []
    may_see = {
        Order: user.has_perm("shop.view_order") or user.has_perm("shop.change_order"),
        Refund: user.has_perm("shop.view_order") or user.has_perm("shop.change_order"),
        PreOrder: user.has_perm("shop.view_preorder") or user.has_perm("shop.change_preorder"),
    }
    return [kind for kind, email in emails.EMAILS.items() if may_see[email.model]]


def find_row(kind: str, reference: str) -> Order | PreOrder | Refund | None:
    """The real row a kind is about, by the reference staff know: an order's or a
    pre-order's, and for a refund email its order's (the latest refund)."""
    model = emails.EMAILS[kind].model
    reference = reference.strip().upper()
    if model is Refund:
        return Refund.objects.filter(order__reference=reference).order_by("-created_at").first()
    return model.objects.filter(reference=reference).first()


class EmailPreviewForm(forms.Form):
    kind = forms.ChoiceField(label="Email")
    reference = forms.CharField(
        label="Order or pre-order",
        required=False,
        max_length=20,
        help_text="A reference such as Q-ABCD2345 or P-ABCD2345; empty for the demo order.",
    )
    width = forms.ChoiceField(label="Show at", choices=WIDTHS, required=False)

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, emails.EMAILS[kind].label) for kind in kinds]

    def clean(self):
        cleaned = super().clean()
        kind, reference = cleaned.get("kind"), cleaned.get("reference")
        cleaned["row"], cleaned["context"] = None, None
        if kind and reference:
            cleaned["row"] = find_row(kind, reference)
            if cleaned["row"] is None:
                about = "refund of order" if emails.EMAILS[kind].model is Refund else "one"
                self.add_error("reference", f"No {about} with the reference {reference}.")
        elif kind:
            cleaned["row"], cleaned["context"] = email_demo.demo(kind)
        return cleaned


class EmailPreviewView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "shop/admin/email_preview.html"
    page_title = "Email previews"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        self.kinds = previewable_kinds(request.user)
        if not self.kinds:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        # Without its own breadcrumb the page was headed "Home".
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_form(self, data) -> EmailPreviewForm:
        data = data.copy()
        data.setdefault("kind", self.kinds[0])
        return EmailPreviewForm(data, kinds=self.kinds)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_form(self.request.GET)
        context["form"] = form
        if form.is_valid():
            built = emails.message(
                form.cleaned_data["kind"],
                form.cleaned_data["row"],
                context=form.cleaned_data["context"],
            )
            context.update(
                email=built,
                html=built.alternatives[0][0],
                width=form.cleaned_data["width"] or WIDTHS[0][0],
                reply_to=", ".join(built.reply_to),
                send_to=self.request.user.email,
                demo=form.cleaned_data["context"] is not None,
            )
        return context

    def post(self, request, *args, **kwargs):
        """Send the email shown to the signed-in user, marked as a test, at once."""
        form = self.get_form(request.POST)
        back = (
            reverse("shop_emails:preview")
            + "?"
            + urlencode(
                {name: request.POST.get(name, "") for name in ("kind", "reference", "width")}
            )
        )
        if not form.is_valid():
            messages.error(request, "Choose an email and a reference that exists.")
            return redirect(back)
        if not request.user.email:
            messages.error(request, "Your account has no email address: add one under Account.")
            return redirect(back)
        kind = form.cleaned_data["kind"]
        built = emails.message(kind, form.cleaned_data["row"], context=form.cleaned_data["context"])
        built.subject = f"[Test] {built.subject}"
        built.to = [mailbox(request.user.get_full_name(), request.user.email)]
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or None
        built.extra_headers["Message-ID"] = make_msgid("test", domain=domain)
        try:
            built.send()
        except Exception:  # SMTP down or refusing: say so, never a 500
            logger.exception("Could not send a test %s email to %s", kind, request.user.email)
            messages.error(
                request,
                f"Could not send the test to {request.user.email}: "
                "the mail server did not take it. Try again later.",
            )
        else:
            messages.success(request, f"Test sent to {request.user.email}.")
        return redirect(back)
