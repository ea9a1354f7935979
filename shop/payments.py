"""The payment gateway: the only module that imports `stripe`.

Everything the shop needs from Stripe goes through these few functions, which take and return
plain values, and turn every Stripe failure into a `PaymentError` whose message can be shown
to the buyer as it is. Tests point STRIPE_API_BASE at a local Stripe-compatible server.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

# The webhook events the shop acts on; others are recorded and ignored.
CHECKOUT_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


class PaymentsNotConfigured(Exception):
    pass


class PaymentError(Exception):
    """Stripe refused or could not be reached; `message` is written for the buyer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidWebhook(Exception):
    pass


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str  # open, complete or expired
    payment_status: str  # paid, unpaid or no_payment_required
    payment_intent: str = ""
    mode: str = "payment"
    setup_intent: str = ""
    customer: str = ""
    kind: str = "order"
    reference: str = ""
    customer_email: str = ""
    shipping_name: str = ""
    shipping_address: dict = field(default_factory=dict)

    @property
    def is_paid(self) -> bool:
        return self.status == "complete" and self.payment_status == "paid"


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    session: CheckoutSession | None
    payload: dict


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _client() -> stripe.StripeClient:
    if not is_configured():
        raise PaymentsNotConfigured("Set STRIPE_SECRET_KEY to take payments.")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        api_key=settings.STRIPE_SECRET_KEY,
        base_addresses=base,
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def _buyer_message(error: stripe.StripeError) -> str:
    if isinstance(error, stripe.CardError):
        return f"Your card was not accepted: {error.user_message or 'please try another card.'}"
    if isinstance(error, stripe.RateLimitError):
        return "The payment service is busy just now. Please try again in a minute."
    if isinstance(error, stripe.APIConnectionError):
        return (
            "We could not reach the payment service. Nothing was charged; "
            "please try again in a moment."
        )
    return (
        "The payment service could not start your payment. Nothing was charged; please try again."
    )


def _call(description: str, function, *args, for_staff: bool = False, **kwargs):
    """Call Stripe; a failure becomes a PaymentError worded for the buyer or, for staff
    actions such as refunds, carrying Stripe's own explanation."""
    try:
        return function(*args, **kwargs)
    except stripe.StripeError as error:
        logger.warning("Stripe %s failed: %s", description, error)
        message = (error.user_message or str(error)) if for_staff else _buyer_message(error)
        raise PaymentError(message) from error


def _id_of(value) -> str:
    """A Stripe reference may come as an id or, expanded, as the object itself."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("id", "")
    return getattr(value, "id", "") or ""


def _session(data) -> CheckoutSession:
    """A CheckoutSession from Stripe's object (or the dict inside a webhook event)."""
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    get = data.get
    details = get("collected_information") or {}
    shipping_details = (details.get("shipping_details") if details else None) or get(
        "shipping_details"
    )
    customer = get("customer_details") or {}
    intent = get("payment_intent") or ""
    if not isinstance(intent, str):
        intent = intent.get("id", "")
    return CheckoutSession(
        id=get("id"),
        url=get("url") or "",
        status=get("status") or "",
        payment_status=get("payment_status") or "",
        payment_intent=intent,
        mode=get("mode") or "payment",
        setup_intent=_id_of(get("setup_intent")),
        customer=_id_of(get("customer")),
        kind=(get("metadata") or {}).get("kind") or "order",
        reference=get("client_reference_id") or (get("metadata") or {}).get("reference", ""),
        customer_email=(customer.get("email") if customer else None) or get("customer_email") or "",
        shipping_name=(shipping_details or {}).get("name") or "",
        shipping_address=dict((shipping_details or {}).get("address") or {}),
    )


@dataclass(frozen=True)
class LineItem:
    title: str
    unit_amount: int
    quantity: int


@dataclass(frozen=True)
class PaymentRequest:
    """What to ask the buyer to pay for: an order or a pre-order, priced by the caller from the
    database, never from anything the browser sent."""

    kind: str  # "order" or "preorder": which workflow the webhook hands the session back to
    reference: str
    email: str
    currency: str
    lines: list[LineItem]
    success_url: str
    cancel_url: str
    shipping_amount: int = 0
    shipping_label: str = ""
    collect_address_in: list[str] = field(default_factory=list)  # empty: address known already
    attempt: str = ""  # a later, separate request to pay (e.g. after a failed charge)


def _session_expiry() -> int:
    """When a Checkout Session closes: QUIRE_CHECKOUT_MINUTES from now, plus a minute, because
    Stripe refuses less than 30 minutes counted from when *it* receives the request (a slow
    call or a clock a second behind would otherwise make the minimum setting fail)."""
    return int(time.time()) + settings.QUIRE_CHECKOUT_MINUTES * 60 + 60


def create_checkout_session(request: PaymentRequest) -> CheckoutSession:
    """Open a Stripe Checkout Session in payment mode. The idempotency key makes a retried
    request return the same session rather than a second one."""
    currency = request.currency.lower()
    metadata = {"kind": request.kind, "reference": request.reference}
    params = {
        "mode": "payment",
        "customer_email": request.email,
        "client_reference_id": request.reference,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "line_items": [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": currency,
                    "unit_amount": line.unit_amount,
                    "product_data": {"name": line.title},
                },
            }
            for line in request.lines
        ],
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        # Stock is held while the session is open, so close it well before Stripe's default
        # of a day (Stripe's minimum is 30 minutes).
        "expires_at": _session_expiry(),
    }
    if request.collect_address_in:
        params["shipping_address_collection"] = {"allowed_countries": request.collect_address_in}
    if request.shipping_amount:
        params["shipping_options"] = [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": request.shipping_label,
                    "fixed_amount": {"amount": request.shipping_amount, "currency": currency},
                }
            }
        ]
    session = _call(
        "checkout.sessions.create",
        _client().v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": f"checkout-{request.reference}{request.attempt}"},
    )
    return _session(session)


def create_card_setup_session(request: PaymentRequest) -> CheckoutSession:
    """Open a Checkout Session in setup mode: the buyer saves a card to a new Stripe customer
    and nothing is charged until `charge_saved_card` on release day."""
    metadata = {"kind": request.kind, "reference": request.reference}
    session = _call(
        "checkout.sessions.create (setup)",
        _client().v1.checkout.sessions.create,
        params={
            "mode": "setup",
            "currency": request.currency.lower(),
            "customer_creation": "always",
            "customer_email": request.email,
            "client_reference_id": request.reference,
            "metadata": metadata,
            "setup_intent_data": {"metadata": metadata},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": _session_expiry(),
        },
        options={"idempotency_key": f"setup-{request.reference}"},
    )
    return _session(session)


def saved_payment_method(setup_intent_id: str) -> str:
    """The card a completed setup saved (the id Stripe charges later)."""
    intent = _call("setup_intents.retrieve", _client().v1.setup_intents.retrieve, setup_intent_id)
    return _id_of(intent.payment_method)


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    payment_intent: str = ""
    reason: str = ""  # for the buyer, when the charge did not go through
    needs_authentication: bool = False


def charge_saved_card(
    *,
    customer: str,
    payment_method: str,
    amount: int,
    currency: str,
    reference: str,
    idempotency_key: str,
) -> ChargeResult:
    """Charge a saved card with the buyer away (release day). A decline or a bank asking for
    authentication is a normal outcome, returned rather than raised; the idempotency key means
    a second run after a crash gets Stripe's first answer back instead of charging again.
    Only a failure to talk to Stripe at all raises PaymentError."""
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": amount,
                "currency": currency.lower(),
                "customer": customer,
                "payment_method": payment_method,
                "off_session": True,
                "confirm": True,
                "metadata": {"kind": "preorder", "reference": reference},
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.CardError as error:
        failed = getattr(error.error, "payment_intent", None)
        return ChargeResult(
            succeeded=False,
            payment_intent=_id_of(failed),
            reason=error.user_message or "Your card was declined.",
            needs_authentication=error.code == "authentication_required",
        )
    except stripe.StripeError as error:
        logger.warning("Stripe off-session charge for %s failed: %s", reference, error)
        raise PaymentError(_buyer_message(error)) from error
    if intent.status == "succeeded":
        return ChargeResult(succeeded=True, payment_intent=intent.id)
    return ChargeResult(
        succeeded=False,
        payment_intent=intent.id,
        reason="Your bank needs you to confirm this payment.",
        needs_authentication=intent.status == "requires_action",
    )


def retrieve_checkout_session(session_id: str) -> CheckoutSession:
    return _session(
        _call("checkout.sessions.retrieve", _client().v1.checkout.sessions.retrieve, session_id)
    )


def expire_checkout_session(session_id: str) -> CheckoutSession:
    """Close an open session so it can no longer be paid (the buyer cancelled)."""
    return _session(
        _call("checkout.sessions.expire", _client().v1.checkout.sessions.expire, session_id)
    )


def refund_payment(payment_intent_id: str, idempotency_key: str) -> str:
    """Refund a payment in full; returns the refund id. Safe to retry with the same key."""
    refund = _call(
        "refunds.create",
        _client().v1.refunds.create,
        params={"payment_intent": payment_intent_id},
        options={"idempotency_key": idempotency_key},
        for_staff=True,
    )
    return refund.id


def parse_webhook(payload: bytes, signature: str | None) -> WebhookEvent:
    """Verify a webhook's signature on its raw body and read it. A missing or wrong signature,
    or one older than Stripe's five-minute tolerance, raises InvalidWebhook."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise InvalidWebhook("No webhook secret is configured.")
    if not signature:
        raise InvalidWebhook("Missing Stripe-Signature header.")
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook(str(error)) from error
    data = event.to_dict()
    obj = data.get("data", {}).get("object", {})
    session = _session(obj) if data.get("type") in CHECKOUT_EVENTS else None
    return WebhookEvent(id=data["id"], type=data["type"], session=session, payload=data)
