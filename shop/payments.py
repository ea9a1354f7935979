"""The payment gateway: the only module that imports `stripe`.

Everything the shop needs from Stripe goes through these few functions, which take and return
plain values, and turn every Stripe failure into a `PaymentError` whose message can be shown
to the buyer as it is. Tests point STRIPE_API_BASE at a local Stripe-compatible server.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import re
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


class Outcome(enum.StrEnum):
    """What Stripe's answer means for the shop. Nothing past this module sees Stripe's own
    words for it (session statuses, payment statuses, event types)."""

    OPEN = "open"  # the buyer has not finished on Stripe's page
    PROCESSING = "processing"  # finished, but the bank has not settled yet (e.g. bank transfer)
    PAID = "paid"
    CARD_SAVED = "card_saved"  # a card was saved to be charged later; nothing charged
    FAILED = "failed"  # the payment was refused after the buyer finished
    EXPIRED = "expired"  # the page closed unpaid: it can no longer be paid


@dataclass(frozen=True)
class Payment:
    """What a payment tells the shop to keep: the ids to refund or charge it again, and the
    delivery address the buyer gave on Stripe's page."""

    intent: str = ""
    customer: str = ""
    payment_method: str = ""
    shipping_name: str = ""
    shipping_address: dict = field(default_factory=dict)
    buyer_name: str = ""  # the name given with the card: who collects an order in person


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    outcome: Outcome
    payment: Payment = field(default_factory=Payment)
    setup_intent: str = ""
    saves_card: bool = False  # a payment that also saves the card for charges on release
    kind: str = "order"
    reference: str = ""
    customer_email: str = ""

    @property
    def finished(self) -> bool:
        """The buyer completed Stripe's page: closing it now would be too late."""
        return self.outcome not in (Outcome.OPEN, Outcome.EXPIRED)


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    session: CheckoutSession | None
    payload: dict


# The most Stripe calls one web request makes: starting a checkout may close the basket's
# earlier session, ask what became of it, and open a new one.
CALLS_PER_REQUEST = 3
# stripe-python waits between retries; allow this much per retry.
RETRY_PAUSE_SECONDS = 2


def longest_request_seconds() -> int:
    """How long a web request can spend waiting on Stripe if Stripe hangs: every call times
    out on every try."""
    tries = 1 + settings.STRIPE_MAX_NETWORK_RETRIES
    per_call = settings.STRIPE_TIMEOUT_SECONDS * tries + RETRY_PAUSE_SECONDS * (tries - 1)
    return CALLS_PER_REQUEST * per_call


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def is_test_mode() -> bool:
    """Whether payments taken are not real: Stripe's test keys, or a Stripe-compatible test
    server (`make run`'s, the tests') at STRIPE_API_BASE."""
    return is_configured() and (
        bool(settings.STRIPE_API_BASE)
        or settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_"))
    )


def _client(*, quick: bool = False) -> stripe.StripeClient:
    """A Stripe client. `quick` asks once, briefly (STRIPE_QUICK_TIMEOUT_SECONDS, no retry):
    for a question a buyer waits on whose answer also comes another way (the webhook)."""
    if not is_configured():
        raise PaymentsNotConfigured("Set STRIPE_SECRET_KEY to take payments.")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    timeout = settings.STRIPE_QUICK_TIMEOUT_SECONDS if quick else settings.STRIPE_TIMEOUT_SECONDS
    return stripe.StripeClient(
        api_key=settings.STRIPE_SECRET_KEY,
        base_addresses=base,
        max_network_retries=0 if quick else settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=timeout),
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


# Webhook events that decide the outcome themselves, whatever the session object says.
_EVENT_OUTCOMES = {
    "checkout.session.expired": Outcome.EXPIRED,
    "checkout.session.async_payment_failed": Outcome.FAILED,
}


def _outcome(data: dict, event_type: str | None) -> Outcome:
    if event_type in _EVENT_OUTCOMES:
        return _EVENT_OUTCOMES[event_type]
    status = data.get("status")
    if status == "expired":
        return Outcome.EXPIRED
    if status != "complete":
        return Outcome.OPEN
    if data.get("mode") == "setup":
        return Outcome.CARD_SAVED
    if data.get("payment_status") in ("paid", "no_payment_required"):
        return Outcome.PAID
    return Outcome.PROCESSING


def _session(data, event_type: str | None = None) -> CheckoutSession:
    """A CheckoutSession from Stripe's object (or the dict inside a webhook event)."""
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    get = data.get
    details = get("collected_information") or {}
    shipping_details = (details.get("shipping_details") if details else None) or get(
        "shipping_details"
    )
    customer = get("customer_details") or {}
    metadata = get("metadata") or {}
    return CheckoutSession(
        id=get("id"),
        url=get("url") or "",
        outcome=_outcome(data, event_type),
        payment=Payment(
            intent=_id_of(get("payment_intent")),
            customer=_id_of(get("customer")),
            shipping_name=(shipping_details or {}).get("name") or "",
            shipping_address=dict((shipping_details or {}).get("address") or {}),
            buyer_name=(customer.get("name") if customer else None) or "",
        ),
        setup_intent=_id_of(get("setup_intent")),
        saves_card=metadata.get("saves_card") == "yes",
        kind=metadata.get("kind") or "order",
        reference=get("client_reference_id") or metadata.get("reference", ""),
        customer_email=(customer.get("email") if customer else None) or get("customer_email") or "",
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
    save_card: bool = False  # keep the card to charge pre-orders on release, off-session


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
    if request.save_card:
        metadata["saves_card"] = "yes"
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
    if request.save_card:
        # The card is kept on a new customer, to be charged with the buyer away on release.
        params["customer_creation"] = "always"
        params["payment_intent_data"]["setup_future_usage"] = "off_session"
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


def card_saved_with_payment(payment_intent_id: str) -> str:
    """The card a payment saved for later (a payment made with setup_future_usage)."""
    intent = _call(
        "payment_intents.retrieve", _client().v1.payment_intents.retrieve, payment_intent_id
    )
    return _id_of(intent.payment_method)


@dataclass(frozen=True)
class ChargeResult:
    outcome: Outcome  # PAID, or FAILED when the buyer has to act (declined, authentication)
    payment: Payment = field(default_factory=Payment)
    reason: str = ""  # for the buyer, when the charge did not go through


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
            outcome=Outcome.FAILED,
            payment=Payment(intent=_id_of(failed), customer=customer),
            reason=error.user_message or "Your card was declined.",
        )
    except stripe.StripeError as error:
        logger.warning("Stripe off-session charge for %s failed: %s", reference, error)
        raise PaymentError(_buyer_message(error)) from error
    payment = Payment(intent=intent.id, customer=customer, payment_method=payment_method)
    if intent.status == "succeeded":
        return ChargeResult(outcome=Outcome.PAID, payment=payment)
    return ChargeResult(
        outcome=Outcome.FAILED,
        payment=payment,
        reason="Your bank needs you to confirm this payment.",
    )


# Stripe's Checkout Session ids: "cs_test_a1B2…" or "cs_live_…", within what the shop keeps.
_SESSION_ID = re.compile(r"cs_[A-Za-z0-9_]{1,252}")


def is_checkout_session_id(text: str) -> bool:
    """Whether `text` could be a Checkout Session id (a NUL byte or a space never is), so a
    mangled return link is turned away before it reaches the database or Stripe."""
    return _SESSION_ID.fullmatch(text) is not None


def retrieve_checkout_session(session_id: str, *, quick: bool = False) -> CheckoutSession:
    client = _client(quick=quick)
    return _session(
        _call("checkout.sessions.retrieve", client.v1.checkout.sessions.retrieve, session_id)
    )


def expire_checkout_session(session_id: str) -> CheckoutSession:
    """Close an open session so it can no longer be paid (the buyer cancelled)."""
    return _session(
        _call("checkout.sessions.expire", _client().v1.checkout.sessions.expire, session_id)
    )


def refund_payment(payment_intent_id: str, idempotency_key: str, amount: int | None = None) -> str:
    """Refund a payment, in full or `amount` minor units of it; returns the refund id. Safe to
    retry with the same key: Stripe answers with the first refund instead of making another,
    so each separate refund needs a key of its own."""
    params = {"payment_intent": payment_intent_id}
    if amount is not None:
        params["amount"] = amount
    refund = _call(
        "refunds.create",
        _client().v1.refunds.create,
        params=params,
        options={"idempotency_key": idempotency_key},
        for_staff=True,
    )
    return refund.id


@dataclass(frozen=True)
class _Text:
    """A string of at most `longest` characters (the longest the shop keeps)."""

    longest: int = 5000


@dataclass(frozen=True)
class _Required:
    """A field that must be present and not empty."""

    shape: object


# What `parse_webhook` and `_session` read from an event, shaped as Stripe sends it. A shape
# is a `_Text`, a dict of the fields an object may have (absent or null unless `_Required`),
# a type, or a tuple of shapes any one of which will do. Fields not named are not read.
_STRIPE_ID = _Text(255)
_EXPANDABLE = (_STRIPE_ID, {"id": _STRIPE_ID})  # an id, or the object it names
_ADDRESS = {part: _Text() for part in ("city", "country", "line1", "line2", "postal_code")}
_SHIPPING = {"name": _Text(200), "address": {**_ADDRESS, "state": _Text()}}
_SESSION = {
    "id": _Required(_STRIPE_ID),
    **{name: _Text() for name in ("url", "status", "mode", "payment_status")},
    **{name: _Text() for name in ("client_reference_id", "customer_email")},
    **dict.fromkeys(("payment_intent", "customer", "setup_intent"), _EXPANDABLE),
    "metadata": {name: _Text() for name in ("kind", "reference", "saves_card")},
    "customer_details": {"email": _Text()},
    "collected_information": {"shipping_details": _SHIPPING},
    "shipping_details": _SHIPPING,
}
_EVENT = {
    "id": _Required(_STRIPE_ID),
    "type": _Required(_Text(100)),
    "data": _Required({"object": _Required(dict)}),
}


def _shape_problem(value, shape, where: str) -> str | None:
    """Why `value` does not have `shape`, in a few words, or None if it does."""
    if isinstance(shape, _Required):
        if value in (None, "", {}, []):
            return f"{where} is missing"
        shape = shape.shape
    if value is None:
        return None
    if isinstance(shape, tuple):
        problems = [_shape_problem(value, each, where) for each in shape]
        return None if None in problems else problems[0]
    if isinstance(shape, _Text):
        if not isinstance(value, str):
            return f"{where} is not a string"
        return f"{where} is too long" if len(value) > shape.longest else None
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where} is not an object"
        for name, inner in shape.items():
            if problem := _shape_problem(value.get(name), inner, f"{where}.{name}"):
                return problem
        return None
    return None if isinstance(value, shape) else f"{where} is not {shape.__name__}"


# Text PostgreSQL cannot keep: a NUL byte, or a lone surrogate (it has no UTF-8 form).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_text(value) -> bool:
    """Whether any string in `value`, keys included, is text the database cannot keep."""
    if isinstance(value, dict):
        return any(_unstorable_text(k) or _unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable_text(each) for each in value)
    return isinstance(value, str) and _UNSTORABLE.search(value) is not None


def _finite_number(text: str) -> float:
    """A JSON number the database can keep: NaN, Infinity and 1e999 are refused."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is not a finite number")
    return number


def parse_webhook(payload: bytes, signature: str | None) -> WebhookEvent:
    """Verify a webhook's signature on its raw body and read it. A missing or wrong signature,
    or one older than Stripe's five-minute tolerance, raises InvalidWebhook; so does a signed
    body that is not an event as Stripe shapes one, so nothing is recorded from it."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise InvalidWebhook("No webhook secret is configured.")
    if not signature:
        raise InvalidWebhook("Missing Stripe-Signature header.")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature, settings.STRIPE_WEBHOOK_SECRET, stripe.Webhook.DEFAULT_TOLERANCE
        )
        data = json.loads(text, parse_float=_finite_number, parse_constant=_finite_number)
    except (stripe.SignatureVerificationError, ValueError, RecursionError) as error:
        raise InvalidWebhook(str(error) or type(error).__name__) from error
    problem = _shape_problem(data, _Required(_EVENT), "event")
    if problem is None and data["type"] in CHECKOUT_EVENTS:
        problem = _shape_problem(data["data"]["object"], _SESSION, "event.data.object")
    if problem is None and _unstorable_text(data):
        problem = "event has a NUL byte or a lone surrogate in it"
    if problem is not None:
        raise InvalidWebhook(problem)
    session = (
        _session(data["data"]["object"], data["type"]) if data["type"] in CHECKOUT_EVENTS else None
    )
    return WebhookEvent(id=data["id"], type=data["type"], session=session, payload=data)
