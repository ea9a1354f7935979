"""What Stripe's test cards do when a buyer saves or pays with them, and when they are charged
later without the buyer (off-session), as https://docs.stripe.com/testing describes them.

localstripe knows these card numbers (`PaymentMethod._attaching_is_declined`,
`_charging_is_declined`, `_requires_authentication`) but treats each group alike: every decline
reads "Your card was declined.", and a card that asks for 3-D Secure asks for it on every
payment, however the card was set up. Stripe distinguishes them, and the shop's handling of a
failed pre-order charge depends on the difference, so the fake follows Stripe:

  * cards in DECLINED_WHEN_SAVED fail the first time they are used, whether Checkout pays with
    them or saves them (Stripe checks a card when it is saved), each with its own message;
  * cards in DECLINED_WHEN_CHARGED save without trouble and are declined whenever charged;
  * a card that asks for 3-D Secure passes it on the hosted page, and off-session it needs it
    again only if it was never set up for off-session use (4000002500003155) or always asks
    (ALWAYS_AUTHENTICATE, 4000002760003184). A setup-mode session sets a card up, and so does
    a payment-mode one with setup_future_usage "off_session".

So a card in DECLINED_WHEN_CHARGED (4000008260003178 included) cannot be saved by a payment:
the payment itself is declined on the hosted page, as on Stripe.
"""

from typing import NamedTuple

from localstripe import resources


class Decline(NamedTuple):
    """A card error as Stripe reports it: `code`, `decline_code` (None for errors that are not
    issuer declines) and the `message` Stripe shows buyers."""

    code: str
    decline_code: str | None
    message: str

    @property
    def doc_url(self):
        return "https://docs.stripe.com/error-codes/" + self.code.replace("_", "-")


GENERIC_DECLINE = Decline("card_declined", "generic_decline", "Your card was declined.")
AUTHENTICATION_REQUIRED = Decline(
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)
# localstripe's PaymentMethod._attaching_is_declined list.
DECLINED_WHEN_SAVED = {
    "4000000000000002": GENERIC_DECLINE,
    "4000000000009995": Decline(
        "card_declined", "insufficient_funds", "Your card has insufficient funds."
    ),
    "4000000000009987": Decline("card_declined", "lost_card", "Your card was declined."),
    "4000000000009979": Decline("card_declined", "stolen_card", "Your card was declined."),
    "4000000000000069": Decline("expired_card", "expired_card", "Your card has expired."),
    "4000000000000127": Decline(
        "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."
    ),
    "4000000000000119": Decline(
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    "4242424242424241": Decline("incorrect_number", None, "Your card number is incorrect."),
}
# localstripe's PaymentMethod._charging_is_declined list (for cards).
DECLINED_WHEN_CHARGED = {
    "4000000000000341": GENERIC_DECLINE,  # "Decline after attaching"
    "4000008260003178": Decline(  # asks for 3-D Secure, then declines every payment
        "card_declined", "insufficient_funds", "Your card has insufficient funds."
    ),
    "4000008400001629": GENERIC_DECLINE,  # 3-D Secure, then declined
}
# Among localstripe's `_requires_authentication` cards, the one that asks again off-session even
# after being set up ("Always authenticate"). The others (4000002500003155, 4000008260003178,
# ...) ask only when they were never set up.
ALWAYS_AUTHENTICATE = {"4000002760003184"}


def _number(method):
    return method._card_number if method.type == "card" else None


def decline_when_saved(method):
    """The Decline a buyer sees when saving (or first paying with) this PaymentMethod, or None."""
    if _number(method) and method._attaching_is_declined():
        return DECLINED_WHEN_SAVED.get(_number(method), GENERIC_DECLINE)
    return None


def decline_when_charged(method):
    """The Decline a charge to this PaymentMethod meets, or None. Cards only: localstripe
    declines SEPA debits itself, later, as Stripe does."""
    if not _number(method):
        return None
    if method._charging_is_declined():
        return DECLINED_WHEN_CHARGED.get(_number(method), GENERIC_DECLINE)
    return decline_when_saved(method)


def is_set_up(method):
    """Whether this PaymentMethod was set up for off-session use: a SetupIntent with usage
    off_session, or a payment with setup_future_usage off_session (Checkout in payment mode),
    succeeded with it. That is what lets Stripe charge a "authenticate unless set up" card
    off-session without the buyer."""
    return any(
        (
            (key.startswith("setup_intent:") and intent.usage == "off_session")
            or (key.startswith("payment_intent:") and intent.setup_future_usage == "off_session")
        )
        and intent.payment_method == method.id
        and intent.status == "succeeded"
        for key, intent in resources.store.items()
    )


def needs_authentication_off_session(method):
    """Whether an off-session charge to this PaymentMethod fails with authentication_required."""
    if not _number(method) or not method._requires_authentication():
        return False
    return _number(method) in ALWAYS_AUTHENTICATE or not is_set_up(method)
