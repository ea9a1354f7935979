"""Shop pages: the catalogue, product pages and the basket. Views parse the request, call the
basket service and render; every refused change comes back to the basket with its reason."""

import contextlib

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cms import pagecache
from shop import (
    back_in_stock,
    checkout,
    live_figures,
    payments,
    preorders,
    ratelimit,
    receipts,
    settlement,
    shipping,
)
from shop import basket as baskets
from shop.forms import BackInStockForm, PreOrderAddressForm
from shop.models import BackInStockRequest, Order, PreOrder, PreOrderFormPage, Product
from shop.money import decimal_amount

# The shop page's lede, and its description for search engines and shared links.
SHOP_DESCRIPTION = "Books, records and things to wear, sent from the author's own desk."


@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    pagecache.cache_public_page(request, pagecache.CATALOGUE)
    products = Product.objects.visible().for_listing()
    return render(
        request,
        "shop/product_list.html",
        {
            "products": products,
            "description": SHOP_DESCRIPTION,
        },
    )


@require_GET
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pagecache.cache_public_page(request, pagecache.CATALOGUE)
    product = get_object_or_404(
        Product.objects.visible()
        .select_related("cover_image")
        .prefetch_related("cover_image__renditions", "gallery_images__image__renditions"),
        slug=slug,
    )
    return render(
        request,
        "shop/product_detail.html",
        {
            "product": product,
            # Read only for a product that has them: a plain product's page costs no query more.
            "variants": list(product.variants.all()) if product.has_variants else [],
            "product_jsonld": product_structured_data(request, product),
        },
    )


def product_structured_data(request: HttpRequest, product: Product) -> dict:
    url = request.build_absolute_uri(product.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": product.short_description,
        "url": url,
        "sku": product.slug,
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": decimal_amount(product.price, product.currency),
            "priceCurrency": product.currency,
            "availability": f"https://schema.org/{product.availability}",
        },
    }
    if product.release_date and product.status == Product.Status.PRE_ORDER:
        data["offers"]["availabilityStarts"] = product.release_date.isoformat()
    return data


@never_cache
@require_GET
def basket_detail(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "shop/basket.html",
        {
            "summary": baskets.summarise(request),
            "zones": shipping.zones(),
            "payments_ready": payments.is_configured(),
            "payments_test_mode": payments.is_test_mode(),
            "checkout_email": request.session.get("checkout_email", ""),
        },
    )


@never_cache
@require_GET
def basket_count(request: HttpRequest) -> JsonResponse:
    """The header's item count and the token for the buy buttons, fetched by a few lines of
    JavaScript so public pages carry nothing per visitor; with `?products=1,2,3`, also what is
    left of those products (`shop.live_figures`), so one request serves the whole page."""
    try:
        product_ids = live_figures.parse_product_ids(request.GET.get("products", ""))
    except live_figures.BadProductList as error:
        response = JsonResponse({"error": error.message}, status=400)
        response["Cache-Control"] = "private, no-store"
        return response
    data = {"count": baskets.item_count(request), "csrfToken": get_token(request)}
    if "products" in request.GET:
        data["products"] = live_figures.figures_for(product_ids)
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response


def _back_to_basket(request: HttpRequest, change, success: str | None = None):
    try:
        result = change()
    except baskets.BasketError as error:
        messages.error(request, error.message)
    else:
        if success:
            messages.success(request, success.format(result=result))
    return redirect("shop:basket")


def _csrf_token_accepted(request: HttpRequest) -> bool:
    return CsrfViewMiddleware(HttpResponse).process_view(request, None, (), {}) is None


@csrf_exempt  # checked inside: the buy forms on cached public pages carry no token of their own
@require_POST
def basket_add(request: HttpRequest) -> HttpResponse:
    """Add a product to the basket. A form sent without a valid token (JavaScript off, or a
    post from another site) adds nothing: the buyer is asked to confirm on a page of ours."""
    if not _csrf_token_accepted(request):
        return _confirm_adding(request)
    next_page = _page_on_this_site(request, request.POST.get("next"))
    response = _back_to_basket(
        request,
        lambda: baskets.add_to_basket(
            request,
            request.POST.get("product"),
            request.POST.get("quantity", "1"),
            request.POST.get("price"),
            request.POST.get("variant"),
        ),
        "Added “{result.title}” to your basket.",
    )
    return HttpResponseRedirect(next_page) if next_page else response


def _page_on_this_site(request: HttpRequest, url: str | None) -> str | None:
    """`url` if it is a path on this site ("/blog/a-post/"), else None: a buy button's
    `next` is never a view name, a relative path or another site, so anything else is
    ignored and the buyer sees their basket."""
    if not url or not url.startswith("/"):
        return None
    return url if url_has_allowed_host_and_scheme(url, {request.get_host()}) else None


def _confirm_adding(request: HttpRequest) -> HttpResponse:
    try:
        product = baskets.product_to_buy(request.POST.get("product"))
        variant = baskets.variant_to_buy(product, request.POST.get("variant"))
    except baskets.BasketError as error:
        messages.error(request, error.message)
        return redirect("shop:basket")
    response = render(
        request,
        "shop/basket_add_confirm.html",
        {"product": product, "variant": variant, "quantity": request.POST.get("quantity", "1")},
    )
    add_never_cache_headers(response)
    return response


@require_POST
def basket_update(request: HttpRequest) -> HttpResponse:
    return _back_to_basket(
        request,
        lambda: baskets.set_quantity(
            request,
            request.POST.get("product"),
            request.POST.get("quantity"),
            request.POST.get("price"),
            request.POST.get("basket"),
            request.POST.get("variant"),
        ),
        "Updated “{result.title}” to {result.quantity}.",
    )


@require_POST
def basket_remove(request: HttpRequest) -> HttpResponse:
    return _back_to_basket(
        request,
        lambda: baskets.remove_from_basket(
            request,
            request.POST.get("product"),
            request.POST.get("basket"),
            request.POST.get("variant"),
        ),
        "Removed “{result.title}” from your basket.",
    )


@require_POST
def basket_empty(request: HttpRequest) -> HttpResponse:
    return _back_to_basket(
        request,
        lambda: baskets.empty_basket(request, request.POST.get("basket")),
        "Your basket is empty.",
    )


@require_POST
def basket_region(request: HttpRequest) -> HttpResponse:
    return _back_to_basket(
        request,
        lambda: baskets.set_shipping_region(
            request, request.POST.get("region", ""), request.POST.get("basket")
        ),
    )


@require_POST
def basket_discount(request: HttpRequest) -> HttpResponse:
    """Apply the discount code typed in the basket; tries are rate-limited per client IP, so
    codes cannot be found by guessing."""
    refusal = ratelimit.refuse_discount_code(ratelimit.client_ip(request))
    if refusal is not None:
        messages.error(request, refusal)
        return redirect("shop:basket")
    return _back_to_basket(
        request,
        lambda: baskets.apply_discount_code(
            request, request.POST.get("code", ""), request.POST.get("basket")
        ),
        "The code {result.code} is applied: {result.value_display}.",
    )


@require_POST
def basket_discount_remove(request: HttpRequest) -> HttpResponse:
    return _back_to_basket(
        request,
        lambda: baskets.remove_discount_code(request, request.POST.get("basket")),
        "The discount code is removed.",
    )


@require_POST
def checkout_start(request: HttpRequest) -> HttpResponse:
    """Send the buyer to Stripe; on any problem, back to the basket with the reason. Starts
    are rate-limited first, so a refused one takes no stock and closes no open checkout."""
    email = request.POST.get("email", "")
    refusal = ratelimit.refuse_checkout(request.session.session_key, ratelimit.client_ip(request))
    if refusal is None:
        try:
            return redirect(checkout.start_checkout(request, email, request.POST.get("due")))
        except checkout.CheckoutError as error:
            refusal = error.message
    messages.error(request, refusal)
    request.session["checkout_email"] = email[: checkout.EMAIL_MAX_LENGTH]
    return redirect("shop:basket")


@never_cache
@require_GET
def payment_return(request: HttpRequest) -> HttpResponse:
    """Stripe sends the buyer here after paying (or saving a card), for an order or a
    pre-order. The purchase is settled from Stripe's own record of the session, through the
    same idempotent step as the webhook, never from this URL; then the buyer sees its page."""
    session_id = request.GET.get("session_id", "")
    purchase = (
        settlement.purchase_with_session(session_id)
        if payments.is_checkout_session_id(session_id)
        else None
    )
    if purchase is None:
        raise Http404("No such checkout session.")
    # Stripe is asked once, briefly. If it is slow or cannot be reached, the webhook settles
    # it later; meanwhile the buyer's page says the payment is being confirmed.
    with contextlib.suppress(payments.PaymentError, payments.PaymentsNotConfigured):
        settlement.settle(payments.retrieve_checkout_session(session_id, quick=True))
    if not receipts.placed_here(request, purchase):
        return check_your_email(request, purchase)
    return redirect(purchase.get_absolute_url())


def check_your_email(request: HttpRequest, purchase) -> HttpResponse:
    """What someone gets from a replayed address for a purchase this browser did not place:
    nothing of the purchase, only where its link went."""
    what = "order" if isinstance(purchase, Order) else "pre-order"
    response = render(request, "shop/check_your_email.html", {"what": what})
    add_never_cache_headers(response)
    return response


@never_cache
@require_GET
def checkout_cancel(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    order = _order_for_buyer(reference, token)
    checkout.cancel_checkout(order)
    order.refresh_from_db()
    if order.is_paid:
        return redirect(order.get_absolute_url())
    messages.info(request, "Checkout cancelled. Your basket is just as you left it.")
    return redirect("shop:basket")


@never_cache
@require_GET
def order_detail(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    order = _order_for_buyer(reference, token)
    return render(
        request,
        "shop/order_detail.html",
        {"order": order, "lines": order.lines.all(), "noindex": True},
    )


@never_cache
@require_GET
def order_vat_invoice(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """A printable VAT invoice for a paid order of a VAT-registered shop, from what the order
    kept at the time of sale."""
    order = _order_for_buyer(reference, token)
    if not order.vat_number or order.paid_at is None:
        raise Http404("This order has no VAT invoice.")
    return _vat_invoice(request, order)


@never_cache
@require_GET
def preorder_vat_invoice(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """A printable VAT invoice for a pre-order paid on its own (one paid with an order is on
    the order's)."""
    preorder = preorder_for_buyer(reference, token)
    if not preorder.has_own_vat_invoice:
        raise Http404("This pre-order has no VAT invoice of its own.")
    return _vat_invoice(request, preorder)


def _vat_invoice(request: HttpRequest, sale: Order | PreOrder) -> HttpResponse:
    """The invoice page for an order or a pre-order: both keep the same VAT facts."""
    lines = sale.vat_invoice_lines()
    return render(
        request,
        "shop/order_vat_invoice.html",
        {
            "document_title": f"VAT invoice {sale.reference}",
            "back_to": "Back to your pre-order" if isinstance(sale, PreOrder) else "",
            "order": sale,
            "lines": lines,
            "vat_total": sum(line.vat for line in lines),
            "net_total": sum(line.net for line in lines),
            "noindex": True,
        },
    )


@never_cache
@require_GET
def order_credit_note(
    request: HttpRequest, reference: str, token: str, number: int
) -> HttpResponse:
    """A printable VAT credit note for one refund (the order's `number`th) of an order that
    had a VAT invoice."""
    order = _order_for_buyer(reference, token)
    refunds = list(order.made_refunds()) if order.vat_number else []
    if not 1 <= number <= len(refunds):
        raise Http404("No such credit note.")
    refund = refunds[number - 1]
    return render(
        request,
        "shop/order_credit_note.html",
        {
            "document_title": f"Credit note {order.reference}-{number}",
            "order": order,
            "refund": refund,
            "number": number,
            "given_back": refund.lines.select_related("line"),
            "noindex": True,
        },
    )


def _order_for_buyer(reference: str, token: str) -> Order:
    order = Order.for_private_link(reference, token)
    if order is None:
        raise Http404("No such order.")
    return order


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's webhook: the signature is checked on the raw body before anything else."""
    try:
        event = payments.parse_webhook(request.body, request.headers.get("Stripe-Signature"))
    except payments.InvalidWebhook as error:
        return HttpResponse(f"Invalid webhook: {error}", status=400, content_type="text/plain")
    try:
        outcome = settlement.record_webhook(event)
    except payments.PaymentError as error:  # Stripe could not be asked back: it retries later
        return HttpResponse(
            f"Not settled yet: {error.message}", status=503, content_type="text/plain"
        )
    return HttpResponse(outcome, content_type="text/plain")


@require_GET
def pre_order_form(request: HttpRequest) -> HttpResponse:
    """A stable address for "pre-order this": finds the live Pre-Order Form page (each offers
    every product on pre-order), so buttons need not look the page up on every page view. The
    page says so when the product asked for cannot be pre-ordered."""
    page = PreOrderFormPage.objects.live().public().order_by("path").first()
    slug = request.GET.get("product", "")
    if page is None:
        return render(request, "shop/no_preorders.html", status=404)
    query = "?" + urlencode({"product": slug}) if slug else ""
    return redirect(page.url + query)


def preorder_for_buyer(reference: str, token: str) -> PreOrder:
    preorder = PreOrder.for_private_link(reference, token)
    if preorder is None:
        raise Http404("No such pre-order.")
    return preorder


@never_cache
def preorder_detail(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The buyer's private pre-order page: status and amounts, and until release, a new
    address or a cancellation."""
    preorder = preorder_for_buyer(reference, token)
    initial = {name: getattr(preorder, name) for name in preorders.ADDRESS_FIELDS}
    form = PreOrderAddressForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                preorders.update_address(preorder.pk, form.cleaned_data)
            except preorders.PreOrderError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, "Your new address is saved.")
                return redirect(preorder.get_absolute_url())
        status = 400
    elif request.method != "GET":
        return HttpResponse(status=405)
    return render(
        request,
        "shop/preorder_detail.html",
        {"preorder": preorder, "address_form": form},
        status=status,
    )


@require_POST
def preorder_cancel(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    preorder = preorder_for_buyer(reference, token)
    try:
        preorder = preorders.cancel_by_buyer(preorder.pk)
    except preorders.PreOrderError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your pre-order is cancelled.")
    return redirect(preorder.get_absolute_url())


@require_POST
def preorder_pay(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """From the buyer's pre-order page (or the link emailed on release) to Stripe."""
    preorder = preorder_for_buyer(reference, token)
    try:
        return redirect(preorders.send_to_stripe(request, preorder))
    except preorders.PreOrderError as error:
        messages.error(request, error.message)
        return redirect(preorder.get_absolute_url())


# Back in stock ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def back_in_stock_ask(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Email me when it's back" for a sold-out product (a per-visitor page, never cached,
    so its form carries its own CSRF token)."""
    product = get_object_or_404(Product.objects.visible(), slug=slug)
    if not product.may_come_back:
        raise Http404("Only a product on sale can be waited for.")
    form = BackInStockForm(request.POST or None)
    asked = False
    if request.method == "POST" and form.is_valid() and not product.can_be_added_to_basket:
        email = form.cleaned_data["email"]
        refusal = ratelimit.refuse_back_in_stock(ratelimit.client_ip(request), email)
        if refusal:
            form.add_error(None, refusal)
        else:
            back_in_stock.ask(product, email)
            asked = True
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "shop/back_in_stock.html",
        {"product": product, "form": form, "asked": asked},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def back_in_stock_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation link. Opening it only shows a button: mail scanners open links, and
    nobody should be signed up by one."""
    found = BackInStockRequest.objects.select_related("product").filter(token=token).first()
    if found is None:
        raise Http404("This link is not one we sent.")
    if request.method == "POST":
        found = back_in_stock.confirm(token)
    return render(request, "shop/back_in_stock_confirm.html", {"wish": found})


@csrf_exempt  # the token is the secret; mail clients' one-click unsubscribe posts without one
@never_cache
@require_http_methods(["GET", "POST"])
def back_in_stock_stop(request: HttpRequest, token: str) -> HttpResponse:
    found = BackInStockRequest.objects.select_related("product").filter(token=token).first()
    if found is None:
        raise Http404("This link is not one we sent.")
    if request.method == "POST":
        found = back_in_stock.stop(token)
    return render(request, "shop/back_in_stock_stop.html", {"wish": found})
