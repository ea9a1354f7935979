"""A local, Stripe-compatible server for integration tests: localstripe plus Checkout.

localstripe (https://github.com/adrienverge/localstripe) is a real HTTP server that mimics
Stripe's API well enough for stripe-python, but it has no Checkout Sessions, which is all the
shop uses. This package adds them on top of localstripe's own classes: the session endpoints,
a hosted payment page, delayed (bank transfer) payments and the checkout webhook events
(checkout.py); setup-mode sessions that save a card for pre-orders, payment-mode sessions that
save the card they charge (payment_intent_data[setup_future_usage]), and off-session
PaymentIntents that charge a saved card later the way Stripe does, declines and all
(payment_intents.py, with the test cards' behaviour in cards.py).

localstripe is GPL-licensed, so it is a test-only dependency: nothing outside tests/ may import
it or this package, and the shop talks to it only over HTTP, through stripe-python pointed at
`FakeStripe.api_base`.

    fake = start_fake_stripe()
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake.api_base})
    fake.register_webhook("http://127.0.0.1:8000/shop/stripe/webhook/", "whsec_test")
    session = client.v1.checkout.sessions.create(params={...})
    fake.pay(session.id)  # or open fake.pay_url(session.id) in a browser
    fake.save_card(setup_session.id, card_number="4000008260003178")  # mode="setup"
    fake.pay(saving_session.id)  # mode="payment", payment_intent_data[setup_future_usage]
    fake.wait_for_deliveries()
    fake.stop()

`python -m tests.stripe_fake` runs it as a process of its own (`make run` does, through
bin/with-demo-stripe, so the demo can take payments with no Stripe key; see __main__.py).
"""

from tests.stripe_fake.server import FakeStripe, FakeStripeError

__all__ = ["FakeStripe", "FakeStripeError", "start_fake_stripe"]


def start_fake_stripe(host="127.0.0.1", webhook_delay=0.05, port=0) -> FakeStripe:
    """Start a fake Stripe on `port` (0: a free port) of `host` and return it once it is
    listening. Webhooks are delivered `webhook_delay` seconds after their event (localstripe
    waits 1 s)."""
    return FakeStripe(host, webhook_delay=webhook_delay, port=port)
