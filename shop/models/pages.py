"""The Pre-Order Form: a page editors place in the tree, offering every product on pre-order."""

from __future__ import annotations

from dataclasses import fields

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils.html import format_html
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.rich_text import get_text_for_indexing

from cms.routing import RoutedPage
from cms.sitemaps import ListedAtTheVisitedAddress
from shop import ratelimit
from shop.models.catalogue import Product

TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


def _is_slug(text: str) -> bool:
    """Whether `text` could be a product's slug: one with a NUL byte or a space names no
    product, and the database is not asked about it."""
    try:
        Product._meta.get_field("slug").run_validators(text)
    except ValidationError:
        return False
    return True


class PreOrderFormPage(RoutablePageMixin, ListedAtTheVisitedAddress, RoutedPage, Page):
    intro = RichTextField(features=TEXT_FEATURES, blank=True)
    terms = RichTextField(
        features=TEXT_FEATURES,
        help_text="General terms for every pre-order, such as cancelling and a moved release "
        "date; buyers must agree to them before pre-ordering. The form states beside each "
        "product when it is paid for, from its charge mode, so leave that out here.",
    )
    thank_you = RichTextField(
        features=TEXT_FEATURES, blank=True, help_text="Shown after a pre-order is placed."
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("terms"),
        FieldPanel("thank_you"),
    ]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = "pre-order form"

    @property
    def meta_description(self) -> str:
        return self.search_description or get_text_for_indexing(self.intro)

    def offered_products(self):
        """Every product on pre-order: putting a product on pre-order is all it takes to offer
        it here. Closed and full campaigns are listed too, and say so."""
        # No rendition prefetch: the form's product field runs this query again, and the
        # few campaign pictures come from Wagtail's rendition cache without a query.
        return Product.objects.on_pre_order().select_related("cover_image")

    def product_from_link(self, request, products) -> tuple[Product | None, str]:
        """The product a "Pre-order" link names (?product=<slug>) when it can be pre-ordered
        now; otherwise none, and the reason to tell the buyer. A link never stands for
        another product."""
        slug = request.GET.get("product")
        if not slug:
            return None, ""
        product = next((p for p in products if p.slug == slug), None)
        if product is not None:
            if product.accepts_preorders:
                return product, ""
            if product.preorder_units_left == 0:
                return None, (
                    f"Sorry, “{product.title}” cannot be pre-ordered any more: all "
                    f"{product.preorder_cap} are spoken for."
                )
            return None, f"Sorry, pre-orders for “{product.title}” are closed."
        product = Product.objects.visible().filter(slug=slug).first() if _is_slug(slug) else None
        if product is None:
            return None, "Sorry, the product this link is for cannot be pre-ordered."
        if product.can_be_added_to_basket:
            return None, format_html(
                '“{}” is not a pre-order: it is on sale now, <a href="{}">in the shop</a>.',
                product.title,
                product.get_absolute_url(),
            )
        return None, f"Sorry, “{product.title}” is sold out, so it cannot be pre-ordered."

    def render_form(self, request, form, products, link_refusal="", status=200):
        context = {"form": form, "products": products, "link_refusal": link_refusal}
        response = TemplateResponse(
            request,
            "shop/pre_order_form_page.html",
            {**self.get_context(request), **context},
            status=status,
        )
        response["Cache-Control"] = "private, no-store"  # it carries a one-time token
        return response

    @path("")
    def pre_order(self, request):
        # Imported here: the form and the pre-order service import the models package.
        from shop import preorders, receipts
        from shop.forms import PreOrderForm

        products = self.offered_products()
        linked, refusal = self.product_from_link(request, products)
        # Sent here for something that cannot be pre-ordered, the buyer chooses for themselves.
        must_choose = bool(refusal)
        if request.method != "POST":
            initial = {"product": linked.pk} if linked else {}
            form = PreOrderForm(products=products, initial=initial, must_choose=must_choose)
            return self.render_form(request, form, products, refusal)
        form = PreOrderForm(request.POST, products=products, must_choose=must_choose)
        if not form.is_valid():
            return self.render_form(request, form, products, refusal, status=400)
        data = form.cleaned_data
        # Only pre-orders actually placed count: a refused one (too many, campaign full)
        # holds nothing, and counting it would lock out the next buyer at the same address.
        limits = [
            ("preorder-ip", ratelimit.client_ip(request), *settings.QUIRE_PREORDER_LIMIT_PER_IP),
            ("preorder-email", data["email"], *settings.QUIRE_PREORDER_LIMIT_PER_EMAIL),
        ]
        if any(ratelimit.used_up(scope, key, limit) for scope, key, limit, _ in limits):
            form.add_error(
                None,
                "There have been too many pre-orders from you in the last hour. "
                "Please try again later, or email us if something is wrong.",
            )
            return self.render_form(request, form, products, refusal, status=429)
        buyer = preorders.Buyer(**{f.name: data[f.name] for f in fields(preorders.Buyer)})
        try:
            preorder, created = preorders.place_preorder(
                data["product"].pk,
                data["quantity"],
                buyer,
                data["form_token"],
                variant_id=getattr(data.get("variant"), "pk", None),
            )
            if created:
                receipts.remember(request, preorder)
                for scope, key, limit, window_seconds in limits:
                    ratelimit.hit(scope, key, limit, window_seconds)
            elif not receipts.placed_here(request, preorder):  # a used form, sent again
                return render(request, "shop/check_your_email.html", {"what": "pre-order"})
            if preorder.status in preorders.NEEDS_STRIPE:
                return redirect(preorders.send_to_stripe(request, preorder))
        except preorders.PreOrderError as error:
            form.add_error(form.visible_field_name(error.field), error.message)
            return self.render_form(request, form, products, refusal, status=409)
        thanks = self.reverse_subpage("thanks", args=[preorder.reference, preorder.access_token])
        return redirect(self.url + thanks)

    @path("thanks/<slug:reference>/<slug:token>/", name="thanks")
    def thanks(self, request, reference, token):
        from shop.models.preorders import PreOrder

        preorder = PreOrder.for_private_link(reference, token)
        if preorder is None:
            raise Http404("No such pre-order.")
        return self.render(
            request,
            context_overrides={"preorder": preorder, "noindex": True},
            template="shop/pre_order_thanks.html",
        )
