"""Pre-orders against the fake, as the shop drives them through stripe-python: a setup-mode
Checkout Session saves the buyer's card, and at release an off-session PaymentIntent charges it.
"""

import json
import time

import pytest
import stripe

from tests.stripe_fake import FakeStripeError

SUCCESS_URL = "https://shop.example/preorder/done/?session_id={CHECKOUT_SESSION_ID}"
VISA = "4242424242424242"
# Saved after passing 3-D Secure on the page; declined with insufficient_funds when charged.
INSUFFICIENT_FUNDS_LATER = "4000008260003178"
# Saved after passing 3-D Secure on the page; asks for it again on every off-session charge.
ALWAYS_AUTHENTICATE = "4000002760003184"
# Asks for 3-D Secure on the page, and never again once set up.
AUTHENTICATE_UNLESS_SET_UP = "4000002500003155"


def setup_params(**overrides):
    params = {
        "mode": "setup",
        "currency": "gbp",
        "customer_creation": "always",
        "customer_email": "reader@example.com",
        "client_reference_id": "P-0001",
        "metadata": {"preorder_reference": "P-0001"},
        "setup_intent_data": {"metadata": {"preorder_reference": "P-0001"}},
        "success_url": SUCCESS_URL,
        "cancel_url": "https://shop.example/preorders/",
        "expires_at": int(time.time()) + 3600,
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def save_card(fake, client, card_number=VISA, **overrides):
    """A completed setup session's (customer, payment method) ids."""
    session = client.v1.checkout.sessions.create(params=setup_params(**overrides))
    fake.save_card(session.id, card_number=card_number)
    session = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["setup_intent"]})
    return session.customer, session.setup_intent.payment_method


def unsaved_card(client, number):
    """A PaymentMethod created through the API: never set up, attached to no customer."""
    card = {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    return client.v1.payment_methods.create(params={"type": "card", "card": card}).id


def release(client, customer, payment_method, key="release-P-0001", **overrides):
    params = {
        "amount": 1699,
        "currency": "gbp",
        "customer": customer,
        "payment_method": payment_method,
        "off_session": True,
        "confirm": True,
        "metadata": {"preorder_reference": "P-0001"},
        **overrides,
    }
    return client.v1.payment_intents.create(params=params, options={"idempotency_key": key})


def events(received, prefix=""):
    """(type, data.object) of the webhooks received whose type starts with `prefix`."""
    bodies = (json.loads(body) for _, body in received)
    return [(e["type"], e["data"]["object"]) for e in bodies if e["type"].startswith(prefix)]


def test_create_setup_session(fake, client):
    options = {"idempotency_key": "preorder-P-0001"}
    session = client.v1.checkout.sessions.create(params=setup_params(), options=options)

    assert session.id.startswith("cs_test_")
    assert (session.mode, session.status) == ("setup", "open")
    assert session.payment_status == "no_payment_required"
    assert (session.amount_total, session.amount_subtotal, session.total_details) == (None,) * 3
    assert session.currency == "gbp"
    assert (session.setup_intent, session.payment_intent, session.customer) == (None,) * 3
    assert session.customer_creation == "always"
    assert session.customer_email == "reader@example.com"
    assert session.client_reference_id == "P-0001"
    assert session.metadata.to_dict() == {"preorder_reference": "P-0001"}
    assert session.url == fake.pay_url(session.id)
    assert client.v1.checkout.sessions.line_items.list(session.id).data == []

    again = client.v1.checkout.sessions.create(params=setup_params(), options=options)
    assert again.id == session.id


@pytest.mark.parametrize(
    "overrides",
    [
        {
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": 1699,
                        "product_data": {"name": "Field Notes 2"},
                    },
                }
            ]
        },
        {"payment_intent_data": {"metadata": {"preorder_reference": "P-0001"}}},
        {"currency": None},
        {"setup_intent_data": {"on_behalf_of": "acct_1"}},
        {"customer_creation": "sometimes"},
        {"customer": "cus_missing", "customer_creation": None, "customer_email": None},
        {"customer": "cus_missing", "customer_creation": None},  # and customer_email
    ],
    ids=[
        "line-items",
        "payment-intent-data",
        "no-currency",
        "unsupported-setup-intent-data",
        "bad-customer-creation",
        "unknown-customer",
        "customer-and-email",
    ],
)
def test_invalid_setup_session_params(client, overrides):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params=setup_params(**overrides))
    assert raised.value.http_status == 400


def test_setup_page(fake, client, http):
    session = client.v1.checkout.sessions.create(params=setup_params())
    page = http.get(session.url)

    assert page.status_code == 200
    assert "<title>Save your card</title>" in page.text
    assert ">Save card</button>" in page.text
    assert "£" not in page.text and "bank transfer" not in page.text
    response = http.post(session.url, data={"method": "bank_transfer"}, allow_redirects=False)
    assert response.status_code == 400


def test_save_card_then_charge_it_at_release(fake, client, webhooks, webhook_secret):
    session = client.v1.checkout.sessions.create(params=setup_params())
    success = fake.save_card(session.id, card_number="4242 4242 4242 4242", name="Ada Reader")
    assert success == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", session.id)

    saved = client.v1.checkout.sessions.retrieve(session.id)
    assert (saved.status, saved.payment_status) == ("complete", "no_payment_required")
    assert saved.setup_intent.startswith("seti_") and saved.customer.startswith("cus_")
    assert saved.payment_intent is None and saved.url is None
    assert saved.customer_details.email == "reader@example.com"

    setup_intent = client.v1.setup_intents.retrieve(saved.setup_intent)
    assert (setup_intent.status, setup_intent.usage) == ("succeeded", "off_session")
    assert setup_intent.customer == saved.customer
    assert setup_intent.payment_method.startswith("pm_")
    assert setup_intent.metadata.to_dict() == {"preorder_reference": "P-0001"}
    expanded = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["setup_intent"]})
    assert expanded.setup_intent.id == setup_intent.id
    assert expanded.setup_intent.payment_method == setup_intent.payment_method
    method = client.v1.payment_methods.retrieve(setup_intent.payment_method)
    assert (method.customer, method.card.last4) == (saved.customer, "4242")
    customer = client.v1.customers.retrieve(saved.customer)
    assert (customer.email, customer.name) == ("reader@example.com", "Ada Reader")

    fake.wait_for_deliveries()
    assert [t for t, _ in events(webhooks, "checkout.")] == ["checkout.session.completed"]
    assert {"customer.created", "setup_intent.succeeded", "payment_method.attached"} <= {
        t for t, _ in events(webhooks)
    }
    signature, body = next(r for r in webhooks if b'"checkout.session.completed"' in r[1])
    event = stripe.Webhook.construct_event(body, signature, webhook_secret)
    assert event.data.object.id == session.id
    assert event.data.object.setup_intent == setup_intent.id
    assert event.data.object.customer == saved.customer
    assert event.data.object.client_reference_id == "P-0001"

    intent = release(client, saved.customer, method.id)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 1699, "gbp")
    assert (intent.customer, intent.payment_method) == (saved.customer, method.id)
    assert intent.metadata.to_dict() == {"preorder_reference": "P-0001"}
    assert intent.latest_charge is not None

    again = release(client, saved.customer, method.id)  # a retried release job, same key
    assert again.id == intent.id
    assert [i.id for i in client.v1.payment_intents.list().data] == [intent.id]
    assert len(client.v1.charges.list().data) == 1

    refund = client.v1.refunds.create(params={"payment_intent": intent.id})
    assert (refund.status, refund.amount) == ("succeeded", 1699)

    fake.wait_for_deliveries()
    succeeded = [o for t, o in events(webhooks, "payment_intent.") if t.endswith(".succeeded")]
    assert [o["id"] for o in succeeded] == [intent.id]


def test_save_card_for_an_existing_customer(fake, client, http):
    customer = client.v1.customers.create(params={"email": "known@example.com"})
    params = setup_params(customer=customer.id, customer_creation=None, customer_email=None)
    session = client.v1.checkout.sessions.create(params=params)
    assert session.customer == customer.id
    assert 'value="known@example.com"' in http.get(session.url).text

    fake.save_card(session.id)
    saved = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["setup_intent"]})
    assert saved.customer == customer.id
    assert saved.setup_intent.customer == customer.id
    assert client.v1.payment_methods.retrieve(saved.setup_intent.payment_method).customer == (
        customer.id
    )
    assert [c.id for c in client.v1.customers.list().data] == [customer.id]


def test_without_customer_creation_the_card_is_saved_unattached(fake, client):
    params = setup_params(customer_creation=None)
    session = client.v1.checkout.sessions.create(params=params)
    assert session.customer_creation == "if_required"
    customer, method = save_card(fake, client, customer_creation=None)

    assert customer is None
    assert client.v1.payment_methods.retrieve(method).customer is None
    assert client.v1.customers.list().data == []


@pytest.mark.parametrize(
    "card_number, message",
    [
        ("4000000000000002", "Your card was declined."),
        ("4000000000009995", "Your card has insufficient funds."),
    ],
)
def test_card_declined_when_saving(fake, client, http, webhooks, card_number, message):
    session = client.v1.checkout.sessions.create(params=setup_params())
    response = http.post(session.url, data={"card_number": card_number}, allow_redirects=False)
    assert response.status_code == 402
    assert message in response.text
    with pytest.raises(FakeStripeError):
        fake.save_card(session.id, card_number=card_number)

    unsaved = client.v1.checkout.sessions.retrieve(session.id)
    assert (unsaved.status, unsaved.setup_intent, unsaved.customer) == ("open", None, None)
    assert client.v1.customers.list().data == []
    assert fake.wait_for_deliveries() == []
    assert webhooks == []


def test_insufficient_funds_at_release(fake, client, webhooks):
    customer, method = save_card(fake, client, INSUFFICIENT_FUNDS_LATER)

    with pytest.raises(stripe.CardError) as raised:
        release(client, customer, method)
    error = raised.value
    assert error.http_status == 402
    assert error.code == "card_declined"
    assert error.error.type == "card_error"
    assert error.error.decline_code == "insufficient_funds"
    assert error.user_message == "Your card has insufficient funds."
    failed = error.error.payment_intent
    assert failed.id.startswith("pi_")
    assert (failed.status, failed.payment_method) == ("requires_payment_method", None)
    assert failed.last_payment_error.decline_code == "insufficient_funds"
    assert failed.last_payment_error.payment_method.id == method
    assert failed.metadata.to_dict() == {"preorder_reference": "P-0001"}
    assert error.error.payment_method.id == method

    # The release job retries with the same key: the same error, and no second attempt.
    with pytest.raises(stripe.CardError) as again:
        release(client, customer, method)
    assert again.value.error.payment_intent.id == failed.id
    assert again.value.headers.get("Idempotent-Replayed") == "true"
    assert [i.id for i in client.v1.payment_intents.list().data] == [failed.id]
    assert [c.status for c in client.v1.charges.list().data] == ["failed"]

    retrieved = client.v1.payment_intents.retrieve(failed.id)
    assert retrieved.status == "requires_payment_method"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": failed.id})

    fake.wait_for_deliveries()
    assert [(t, o["id"]) for t, o in events(webhooks, "payment_intent.")] == [
        ("payment_intent.payment_failed", failed.id)
    ]
    failure = events(webhooks, "payment_intent.")[0][1]["last_payment_error"]
    assert (failure["code"], failure["decline_code"]) == ("card_declined", "insufficient_funds")


def test_authentication_required_at_release(fake, client, webhooks):
    customer, method = save_card(fake, client, ALWAYS_AUTHENTICATE)

    with pytest.raises(stripe.CardError) as raised:
        release(client, customer, method)
    error = raised.value
    assert error.code == "authentication_required"
    assert error.error.decline_code == "authentication_required"
    # Off-session, Stripe does not leave the PaymentIntent waiting in requires_action: the
    # attempt fails, and the shop must bring the buyer back on-session to authenticate.
    assert error.error.payment_intent.status == "requires_payment_method"
    assert error.error.payment_intent.last_payment_error.code == "authentication_required"
    fake.wait_for_deliveries()
    assert [t for t, _ in events(webhooks, "payment_intent.")] == ["payment_intent.payment_failed"]


def test_a_card_set_up_for_later_needs_no_authentication_off_session(fake, client):
    customer, method = save_card(fake, client, AUTHENTICATE_UNLESS_SET_UP)
    assert release(client, customer, method).status == "succeeded"

    # The same card never set up (here: created through the API and charged directly) does.
    unsaved = unsaved_card(client, AUTHENTICATE_UNLESS_SET_UP)
    with pytest.raises(stripe.CardError) as raised:
        release(client, None, unsaved, key="release-P-0002")
    assert raised.value.code == "authentication_required"


def test_a_card_never_saved_is_declined_as_when_saving(client):
    with pytest.raises(stripe.CardError) as raised:
        release(client, None, unsaved_card(client, "4000000000009995"))
    assert raised.value.error.decline_code == "insufficient_funds"


def test_decline_after_attaching(fake, client):
    customer, method = save_card(fake, client, "4000000000000341")
    with pytest.raises(stripe.CardError) as raised:
        release(client, customer, method)
    assert (raised.value.code, raised.value.error.decline_code) == (
        "card_declined",
        "generic_decline",
    )


def test_off_session_charge_checks_its_parameters(fake, client):
    customer, method = save_card(fake, client)
    other = client.v1.customers.create(params={"email": "other@example.com"})

    cases = {
        "k1": {"customer": other.id},  # not this customer's card
        "k2": {"confirm": False},
        "k3": {"payment_method": "pm_missing"},
        "k4": {"amount": 0},
    }
    for key, change in cases.items():
        args = {"customer": customer, "payment_method": method, **change}
        with pytest.raises(stripe.InvalidRequestError) as raised:
            release(client, key=key, **args)
        assert raised.value.http_status == 400
    assert client.v1.payment_intents.list().data == []
    # Validation failures are not kept against the key: fixed, the same key goes through.
    assert release(client, customer, method, key="k4").status == "succeeded"


def test_payment_mode_with_customer_creation(fake, client):
    params = {
        "mode": "payment",
        "customer_creation": "always",
        "customer_email": "reader@example.com",
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
    }
    session = client.v1.checkout.sessions.create(params=params)
    assert (session.customer, session.setup_intent) == (None, None)
    fake.pay(session.id)

    paid = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert paid.customer.startswith("cus_")
    assert paid.payment_intent.customer == paid.customer
    assert paid.setup_intent is None
