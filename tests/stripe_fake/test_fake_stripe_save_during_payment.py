"""Saving a card while paying, against the fake, as the shop would drive it: a payment-mode
Checkout Session with payment_intent_data[setup_future_usage] charges the card now and leaves
it attached to the session's customer, to be charged later off-session."""

import json

import pytest
import stripe

from tests.stripe_fake import FakeStripeError

SUCCESS_URL = "https://shop.example/checkout/done/?session_id={CHECKOUT_SESSION_ID}"
# Pays after 3-D Secure on the page; asks for it again on every off-session charge.
ALWAYS_AUTHENTICATE = "4000002760003184"
# Pays after 3-D Secure on the page; off-session it needs no more once set up for off_session.
AUTHENTICATE_UNLESS_SET_UP = "4000002500003155"


def payment_params(setup_future_usage="off_session", **overrides):
    intent_data = {"metadata": {"order_reference": "Q-2001"}}
    if setup_future_usage:
        intent_data["setup_future_usage"] = setup_future_usage
    params = {
        "mode": "payment",
        "customer_creation": "always",
        "customer_email": "reader@example.com",
        "client_reference_id": "Q-2001",
        "metadata": {"order_reference": "Q-2001"},
        "payment_intent_data": intent_data,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 1500,
                    "product_data": {"name": "Field Notes"},
                },
            }
        ],
        "success_url": SUCCESS_URL,
        "cancel_url": "https://shop.example/basket/",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def pay(fake, client, card_number="4242424242424242", **overrides):
    """A paid session, retrieved, with its PaymentIntent."""
    session = client.v1.checkout.sessions.create(params=payment_params(**overrides))
    fake.pay(session.id, card_number=card_number)
    session = client.v1.checkout.sessions.retrieve(session.id)
    return session, client.v1.payment_intents.retrieve(session.payment_intent)


def charge_later(client, customer, payment_method, key="later-Q-2001"):
    params = {
        "amount": 2500,
        "currency": "gbp",
        "customer": customer,
        "payment_method": payment_method,
        "off_session": True,
        "confirm": True,
    }
    return client.v1.payment_intents.create(params=params, options={"idempotency_key": key})


def event_types(received, prefix=""):
    types = (json.loads(body)["type"] for _, body in received)
    return [t for t in types if t.startswith(prefix)]


def test_pay_save_card_then_charge_it_off_session(fake, client, http, webhooks, webhook_secret):
    session = client.v1.checkout.sessions.create(params=payment_params())
    assert (session.customer, session.payment_intent) == (None, None)
    response = http.post(
        session.url,
        data={"card_number": "4242 4242 4242 4242", "name": "Ada Reader"},
        allow_redirects=False,
    )
    assert response.status_code == 303

    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.customer.startswith("cus_") and paid.payment_intent.startswith("pi_")
    assert paid.setup_intent is None

    intent = client.v1.payment_intents.retrieve(paid.payment_intent)
    assert (intent.status, intent.amount) == ("succeeded", 1500)
    assert intent.setup_future_usage == "off_session"
    assert intent.customer == paid.customer
    assert intent.payment_method.startswith("pm_")
    assert intent.metadata.to_dict() == {"order_reference": "Q-2001"}
    method = client.v1.payment_methods.retrieve(intent.payment_method)
    assert (method.customer, method.card.last4) == (paid.customer, "4242")
    customer = client.v1.customers.retrieve(paid.customer)
    assert (customer.email, customer.name) == ("reader@example.com", "Ada Reader")
    expanded = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent"]}
    )
    assert expanded.payment_intent.payment_method == method.id

    fake.wait_for_deliveries()
    assert event_types(webhooks, "checkout.") == ["checkout.session.completed"]
    assert {"customer.created", "payment_method.attached", "payment_intent.succeeded"} <= set(
        event_types(webhooks)
    )
    signature, body = next(r for r in webhooks if b'"checkout.session.completed"' in r[1])
    completed = stripe.Webhook.construct_event(body, signature, webhook_secret).data.object
    assert (completed.customer, completed.payment_intent) == (paid.customer, intent.id)
    assert completed.payment_status == "paid"

    later = charge_later(client, paid.customer, method.id)
    assert (later.status, later.amount) == ("succeeded", 2500)
    assert (later.customer, later.payment_method) == (paid.customer, method.id)
    assert later.setup_future_usage is None
    assert later.id != intent.id


def test_save_card_for_an_existing_customer(fake, client):
    known = client.v1.customers.create(params={"email": "known@example.com"})
    paid, intent = pay(fake, client, customer=known.id, customer_creation=None, customer_email=None)

    assert paid.customer == intent.customer == known.id
    assert client.v1.payment_methods.retrieve(intent.payment_method).customer == known.id
    assert [c.id for c in client.v1.customers.list().data] == [known.id]
    assert charge_later(client, known.id, intent.payment_method).status == "succeeded"


def test_a_card_that_always_authenticates_fails_off_session(fake, client):
    paid, intent = pay(fake, client, ALWAYS_AUTHENTICATE)
    assert intent.status == "succeeded"  # the buyer passed 3-D Secure on the page

    with pytest.raises(stripe.CardError) as raised:
        charge_later(client, paid.customer, intent.payment_method)
    assert raised.value.http_status == 402
    assert raised.value.code == "authentication_required"
    failed = raised.value.error.payment_intent
    assert (failed.status, failed.payment_method) == ("requires_payment_method", None)


@pytest.mark.parametrize(
    "usage, needs_authentication", [("off_session", False), ("on_session", True)]
)
def test_only_off_session_usage_sets_a_card_up(fake, client, usage, needs_authentication):
    paid, intent = pay(fake, client, AUTHENTICATE_UNLESS_SET_UP, setup_future_usage=usage)
    assert intent.setup_future_usage == usage
    assert client.v1.payment_methods.retrieve(intent.payment_method).customer == paid.customer

    if needs_authentication:
        with pytest.raises(stripe.CardError) as raised:
            charge_later(client, paid.customer, intent.payment_method)
        assert raised.value.code == "authentication_required"
    else:
        assert charge_later(client, paid.customer, intent.payment_method).status == "succeeded"


@pytest.mark.parametrize(
    "card_number, message",
    [
        # Declines every payment, the first one included: it can never be saved by paying.
        ("4000008260003178", "Your card has insufficient funds."),
        ("4000000000000341", "Your card was declined."),
    ],
)
def test_a_card_declined_when_charged_is_declined_on_the_page(
    fake, client, http, webhooks, card_number, message
):
    session = client.v1.checkout.sessions.create(params=payment_params())
    response = http.post(session.url, data={"card_number": card_number}, allow_redirects=False)
    assert response.status_code == 402
    assert message in response.text
    with pytest.raises(FakeStripeError):
        fake.pay(session.id, card_number=card_number)

    unpaid = client.v1.checkout.sessions.retrieve(session.id)
    assert (unpaid.status, unpaid.customer, unpaid.payment_intent) == ("open", None, None)
    assert client.v1.customers.list().data == []
    assert fake.wait_for_deliveries() == []
    assert webhooks == []


def test_without_setup_future_usage_nothing_is_saved(fake, client):
    paid, intent = pay(fake, client, setup_future_usage=None)

    assert intent.setup_future_usage is None
    assert paid.customer.startswith("cus_")  # customer_creation="always" still creates one
    assert intent.customer == paid.customer
    assert client.v1.payment_methods.retrieve(intent.payment_method).customer is None
    # The card paid once, unattached: Stripe refuses to use it again.
    with pytest.raises(stripe.InvalidRequestError) as raised:
        charge_later(client, paid.customer, intent.payment_method)
    assert raised.value.http_status == 400
    assert raised.value.param == "payment_method"
    assert "may not be used again" in raised.value.user_message


def test_without_customer_creation_no_customer_is_made(fake, client):
    paid, intent = pay(fake, client, setup_future_usage=None, customer_creation=None)
    assert paid.customer is None and intent.customer is None
    assert intent.setup_future_usage is None
    assert client.v1.customers.list().data == []

    # With setup_future_usage but no customer, the card is left unattached.
    paid, intent = pay(fake, client, customer_creation=None)
    assert paid.customer is None
    assert intent.setup_future_usage == "off_session"
    assert client.v1.payment_methods.retrieve(intent.payment_method).customer is None
    assert client.v1.customers.list().data == []


def test_bank_transfer_saves_the_debit_too(fake, client):
    session = client.v1.checkout.sessions.create(params=payment_params())
    fake.pay(session.id, method="bank_transfer")
    pending = client.v1.checkout.sessions.retrieve(session.id)
    intent = client.v1.payment_intents.retrieve(pending.payment_intent)

    assert (intent.status, intent.setup_future_usage) == ("processing", "off_session")
    method = client.v1.payment_methods.retrieve(intent.payment_method)
    assert (method.type, method.customer) == ("sepa_debit", pending.customer)


@pytest.mark.parametrize(
    "params, param",
    [
        (
            {"mode": "setup", "currency": "gbp", "line_items": None},
            "payment_intent_data",
        ),
        (
            {"payment_intent_data": {"setup_future_usage": "sometimes"}},
            "payment_intent_data[setup_future_usage]",
        ),
        (
            {"payment_intent_data": {"capture_method": "manual"}},
            "payment_intent_data[capture_method]",
        ),
        ({"customer": "cus_missing", "customer_email": None}, "customer_creation"),
    ],
    ids=["in-setup-mode", "bad-value", "unsupported-key", "customer-and-creation"],
)
def test_invalid_params(client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params=payment_params(**params))
    assert raised.value.http_status == 400
    assert raised.value.param == param
    assert raised.value.error.type == "invalid_request_error"
