"""The fake Stripe, driven only as the shop will drive it: stripe-python and plain HTTP."""

import json

import pytest
import stripe

from tests.stripe_fake import FakeStripeError, start_fake_stripe

SUCCESS_URL = "https://shop.example/checkout/done/?session_id={CHECKOUT_SESSION_ID}"


def session_params(**overrides):
    params = {
        "mode": "payment",
        "customer_email": "reader@example.com",
        "client_reference_id": "Q-1001",
        "metadata": {"order_reference": "Q-1001"},
        "payment_intent_data": {"metadata": {"order_reference": "Q-1001"}},
        "line_items": [
            {
                "quantity": 2,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 1500,
                    "product_data": {"name": "Field Notes"},
                },
            },
            {
                "quantity": 1,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 999,
                    "product_data": {"name": "Postcards"},
                },
            },
        ],
        "shipping_address_collection": {"allowed_countries": ["GB", "IE"]},
        "shipping_options": [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Delivery: UK",
                    "fixed_amount": {"amount": 450, "currency": "gbp"},
                }
            }
        ],
        "success_url": SUCCESS_URL,
        "cancel_url": "https://shop.example/basket/",
    }
    params.update(overrides)
    return params


def checkout_events(received):
    types = [json.loads(body)["type"] for _, body in received]
    return [t for t in types if t.startswith("checkout.session.")]


def test_starts_on_ipv4_loopback_only(fake):
    assert fake.api_base.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        start_fake_stripe()  # localstripe's state is global: one at a time


def test_create_session(fake, client):
    session = client.v1.checkout.sessions.create(params=session_params())

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert session.amount_subtotal == 2 * 1500 + 999
    assert session.amount_total == 2 * 1500 + 999 + 450
    assert session.currency == "gbp"
    assert session.customer_email == "reader@example.com"
    assert session.client_reference_id == "Q-1001"
    assert session.metadata.to_dict() == {"order_reference": "Q-1001"}
    assert session.success_url == SUCCESS_URL
    assert session.payment_intent is None
    assert session.customer_details is None
    assert session.livemode is False
    assert session.expires_at > session.created
    assert session.url == fake.pay_url(session.id)

    retrieved = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert retrieved.id == session.id
    assert [item.quantity for item in retrieved.line_items.data] == [2, 1]
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.amount_total) for i in items.data] == [
        ("Field Notes", 3000),
        ("Postcards", 999),
    ]


def test_idempotency_key(client):
    options = {"idempotency_key": "checkout-Q-1001"}
    first = client.v1.checkout.sessions.create(params=session_params(), options=options)
    again = client.v1.checkout.sessions.create(params=session_params(), options=options)
    assert again.id == first.id

    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="Q-1002"), options=options
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {"success_url": None},
        {"line_items": []},
        {
            "line_items": [
                {"quantity": 0, "price_data": session_params()["line_items"][0]["price_data"]}
            ]
        },
        {
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": 0,
                        "product_data": {"name": "Free"},
                    },
                }
            ]
        },
        {"mode": "barter"},
    ],
    ids=["no-success-url", "no-line-items", "zero-quantity", "zero-unit-amount", "bad-mode"],
)
def test_invalid_session_params(client, overrides):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params=session_params(**overrides))
    assert raised.value.http_status == 400


def test_unknown_session(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.retrieve("cs_test_missing")
    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"


def test_pay_by_card(fake, client, http, webhooks, webhook_secret):
    session = client.v1.checkout.sessions.create(params=session_params())
    page = http.get(session.url)
    assert page.status_code == 200
    assert "£44.49" in page.text and "4242424242424242" in page.text

    response = http.post(
        fake.pay_url(session.id),
        data={"card_number": "4242 4242 4242 4242", "name": "Ada Reader", "country": "IE"},
        allow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", session.id)

    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.startswith("pi_")
    assert paid.customer_details.email == "reader@example.com"
    shipping = paid.collected_information.shipping_details
    assert shipping.name == "Ada Reader"
    assert shipping.address.country == "IE"
    assert paid.shipping_details.to_dict() == shipping.to_dict()
    intent = client.v1.payment_intents.retrieve(paid.payment_intent)
    assert (intent.status, intent.amount) == ("succeeded", 4449)
    assert intent.metadata.to_dict() == {"order_reference": "Q-1001"}

    assert ("checkout.session.completed", 200) in fake.wait_for_deliveries()
    assert checkout_events(webhooks) == ["checkout.session.completed"]
    signature, body = next(r for r in webhooks if b'"checkout.session.completed"' in r[1])
    event = stripe.Webhook.construct_event(body, signature, webhook_secret)
    assert event.id.startswith("evt_")
    assert event.data.object.id == session.id
    assert event.data.object.payment_status == "paid"
    assert (
        client.construct_event(body, signature, webhook_secret).type == "checkout.session.completed"
    )
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, "whsec_wrong")

    assert http.get(fake.pay_url(session.id)).status_code == 409


def test_declined_card(fake, client, http, webhooks):
    session = client.v1.checkout.sessions.create(params=session_params())
    response = http.post(
        fake.pay_url(session.id), data={"card_number": "4000000000000002"}, allow_redirects=False
    )
    assert response.status_code == 402
    assert "Your card was declined." in response.text
    with pytest.raises(FakeStripeError):
        fake.pay(session.id, card_number="4000000000000002")

    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert fake.wait_for_deliveries() == []
    assert webhooks == []


def test_bank_transfer_then_async_success(fake, client, webhooks):
    session = client.v1.checkout.sessions.create(params=session_params())
    assert fake.pay(session.id, method="bank_transfer").startswith("https://shop.example/")

    pending = client.v1.checkout.sessions.retrieve(session.id)
    assert (pending.status, pending.payment_status) == ("complete", "unpaid")
    assert client.v1.payment_intents.retrieve(pending.payment_intent).status == "processing"

    settled = fake.settle_async_payment(session.id)
    assert settled["payment_status"] == "paid"
    assert client.v1.payment_intents.retrieve(pending.payment_intent).status == "succeeded"
    fake.wait_for_deliveries()
    assert checkout_events(webhooks) == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    ]


def test_bank_transfer_then_async_failure(fake, client, webhooks):
    session = client.v1.checkout.sessions.create(params=session_params())
    fake.pay(session.id, method="bank_transfer")

    assert fake.settle_async_payment(session.id, succeeded=False)["payment_status"] == "unpaid"
    with pytest.raises(FakeStripeError):
        fake.settle_async_payment(session.id)  # nothing left to settle
    fake.wait_for_deliveries()
    assert checkout_events(webhooks)[-1] == "checkout.session.async_payment_failed"


def test_expire(fake, client, http, webhooks):
    session = client.v1.checkout.sessions.create(params=session_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    assert expired.url is None

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.expire(session.id)
    assert raised.value.http_status == 400

    page = http.get(fake.pay_url(session.id))
    assert page.status_code == 409 and "expired" in page.text
    assert fake.wait_for_deliveries() == [("checkout.session.expired", 200)]
    assert checkout_events(webhooks) == ["checkout.session.expired"]


def test_refund_paid_session(fake, client):
    session = client.v1.checkout.sessions.create(params=session_params())
    fake.pay(session.id)
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent

    refund = client.v1.refunds.create(
        params={"payment_intent": intent}, options={"idempotency_key": "refund-Q-1001"}
    )
    assert (refund.status, refund.amount, refund.payment_intent) == ("succeeded", 4449, intent)
    again = client.v1.refunds.create(
        params={"payment_intent": intent}, options={"idempotency_key": "refund-Q-1001"}
    )
    assert again.id == refund.id
