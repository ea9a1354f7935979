"""What buyers are told when Stripe fails, for each kind of failure stripe-python raises."""

import pytest
import stripe

from shop import payments


@pytest.mark.parametrize(
    "error, expected",
    [
        (stripe.CardError("declined", None, "card_declined"), "Your card was not accepted"),
        (stripe.RateLimitError("slow down"), "The payment service is busy just now"),
        (stripe.APIConnectionError("no route"), "We could not reach the payment service"),
        (stripe.AuthenticationError("bad key"), "could not start your payment"),
        (stripe.InvalidRequestError("bad", "param"), "could not start your payment"),
    ],
)
def test_each_stripe_failure_gets_a_plain_message_and_nothing_charged(error, expected):
    def failing():
        raise error

    with pytest.raises(payments.PaymentError) as raised:
        payments._call("test", failing)

    assert expected in raised.value.message
    assert "Traceback" not in raised.value.message


def test_refund_failures_carry_stripes_explanation_for_staff():
    def failing():
        raise stripe.InvalidRequestError("No such payment_intent: 'pi_x'", "payment_intent")

    with pytest.raises(payments.PaymentError) as raised:
        payments._call("refund", failing, for_staff=True)

    assert "No such payment_intent" in raised.value.message
