"""POST /v1/payment_intents with `off_session`: charging a saved card without the buyer.

localstripe accepts `off_session=true` and then ignores it: a card that asks for 3-D Secure
leaves the PaymentIntent in requires_action with a 200, and a declined card answers a 402 whose
error is an invalid_request_error without the PaymentIntent. Stripe instead answers every failed
off-session attempt with a 402 card_error carrying `code`, `decline_code`, the `charge`, the
`payment_method` and the `payment_intent` (now requires_payment_method, its payment_method
cleared and the reason in `last_payment_error`), and stripe-python raises it as
`stripe.CardError`. This module answers off-session creates that way; creates without
`off_session` still go to localstripe unchanged.

Every PaymentIntent exports `setup_future_usage` (null unless a Checkout Session in payment
mode set it), as Stripe's do, and a card that paid once unattached and without
setup_future_usage cannot be charged again, as on Stripe.
"""

from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import (
    Charge,
    Customer,
    Event,
    PaymentIntent,
    PaymentMethod,
    try_convert_to_bool,
)

from tests.stripe_fake import cards
from tests.stripe_fake.checkout import _error, _retrieve, server

# A class attribute, so localstripe's _export (which reads dir()) includes it for every
# PaymentIntent, whoever created it; Checkout sets it per instance.
PaymentIntent.setup_future_usage = None


def _off_session(value):
    """Stripe's `off_session`: a boolean, or the older "one_off" / "recurring"."""
    if value in ("one_off", "recurring"):
        return True
    value = try_convert_to_bool(value)
    if value is not None and not isinstance(value, bool):
        raise _error("Invalid boolean: off_session", "off_session")
    return bool(value)


def _used_up(method):
    """Whether `method` already paid a PaymentIntent without being saved for later use: not
    attached to a customer and that PaymentIntent had no setup_future_usage. Stripe refuses
    to use such a PaymentMethod again."""
    return method.customer is None and any(
        key.startswith("payment_intent:")
        and intent.payment_method == method.id
        and intent.status in ("succeeded", "processing", "requires_capture")
        and not intent.setup_future_usage
        for key, intent in resources.store.items()
    )


class OffSessionPaymentIntent(PaymentIntent):
    """A localstripe PaymentIntent that charges at once, off-session, and reports a failure the
    way Stripe does. It is stored and retrieved as any other PaymentIntent (refunds, listing and
    expansion see it as one)."""

    _failure = None  # (Decline, PaymentMethod) of the failed attempt

    @classmethod
    def _api_create(cls, confirm=None, payment_method=None, customer=None, **data):
        if try_convert_to_bool(confirm) is not True:
            raise _error("You can only pass `off_session` when `confirm` is true.", "off_session")
        if not payment_method:
            # Stripe would fall back on the customer's default; the shop always names the card.
            raise _error(
                "Missing required param: payment_method.", "payment_method", "parameter_missing"
            )
        method = _retrieve(PaymentMethod, payment_method, "payment_method", "PaymentMethod")
        if customer is not None:
            _retrieve(Customer, customer, "customer", "customer")
        if method.customer and method.customer != customer:
            raise _error(
                f"The provided PaymentMethod {method.id} is attached to customer "
                f"{method.customer}: pass that customer to charge it.",
                "payment_method",
            )
        if _used_up(method):
            raise _error(
                "The provided PaymentMethod was previously used with a PaymentIntent without "
                "Customer attachment, shared with a connected account without Customer "
                "attachment, or was detached from a Customer. It may not be used again. To use "
                "a PaymentMethod multiple times, you must attach it to a Customer first.",
                "payment_method",
                code=None,
            )
        # Validates the rest (amount, currency, metadata; unknown parameters are a 400) before
        # storing anything.
        intent = cls(payment_method=method.id, customer=customer, **data)
        failure = (
            cards.AUTHENTICATION_REQUIRED
            if cards.needs_authentication_off_session(method)
            else cards.decline_when_charged(method)
        )
        if failure is None:
            # localstripe's charge: succeeded (or processing, for SEPA), payment_intent.succeeded
            intent._create_charge(on_failure_now=intent._report_failure)
            return intent
        raise intent._fail(method, failure)

    def _fail(self, method, failure):
        """Record a failed attempt as Stripe does and return the 402 card error to raise."""
        charge = Charge(
            amount=self.amount, currency=self.currency, customer=self.customer, source=method.id
        )
        charge.payment_intent = self.id
        charge.status = "failed"
        charge.captured = False
        charge.failure_code = failure.code
        charge.failure_message = failure.message
        charge.outcome = {
            "network_status": "declined_by_network",
            "reason": failure.decline_code,
            "type": "issuer_declined",
        }
        self.latest_charge = charge
        self.payment_method = None  # status: requires_payment_method
        self._failure = failure, method
        resources.schedule_webhook(Event("payment_intent.payment_failed", self))
        error = UserError(
            402,
            failure.message,
            {
                "code": failure.code,
                **({"decline_code": failure.decline_code} if failure.decline_code else {}),
                "doc_url": failure.doc_url,
                "charge": charge.id,
                "payment_intent": self._export(),
                "payment_method": method._export(),
            },
        )
        error.body["error"]["type"] = "card_error"
        return error

    @property
    def last_payment_error(self):
        if self._failure is None:
            return super().last_payment_error
        failure, method = self._failure
        error = {
            "type": "card_error",
            "code": failure.code,
            "doc_url": failure.doc_url,
            "message": failure.message,
            "charge": self.latest_charge.id,
            "payment_method": method._export(),
        }
        if failure.decline_code:
            error["decline_code"] = failure.decline_code
        return error


async def create_payment_intent(request):
    data = await server.get_post_data(request) or {}
    expand = data.pop("expand", None)
    if _off_session(data.pop("off_session", None)):
        intent = OffSessionPaymentIntent._api_create(**data)
    else:
        intent = PaymentIntent._api_create(**data)
    return server.json_response(intent._export(expand=expand))


def routes():
    """(method, path, handler): served ahead of localstripe's route for the same path."""
    return [("POST", "/v1/payment_intents", create_payment_intent)]
