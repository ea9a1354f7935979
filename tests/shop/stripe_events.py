"""Stripe webhook events built by hand in today's shape, signed as Stripe signs them."""

import json
import time

import stripe
from django.conf import settings
from django.test import TestCase

WEBHOOK_URL = "/shop/stripe/webhook/"

API_VERSION = "2025-10-29.clover"


def checkout_session(session_id, *, status="complete", payment_status="paid", reference=""):
    address = {
        "line1": "1 Canal Street",
        "line2": None,
        "city": "Salford",
        "postal_code": "M5 4WT",
        "state": None,
        "country": "GB",
    }
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": 1200,
        "amount_total": 1495,
        "client_reference_id": reference,
        "collected_information": {"shipping_details": {"name": "Ruth Buyer", "address": address}},
        "currency": "gbp",
        "customer_details": {
            "email": "buyer@example.com",
            "name": "Ruth Buyer",
            "address": address,
        },
        "customer_email": "buyer@example.com",
        "livemode": False,
        "metadata": {"kind": "order", "reference": reference},
        "mode": "payment",
        "payment_intent": "pi_test_123" if status == "complete" else None,
        "payment_status": payment_status,
        "status": status,
        "url": None,
    }


def event(event_type, session, *, event_id=None, created=None):
    return {
        "id": event_id or f"evt_{abs(hash((event_type, session['id'], time.time_ns())))}",
        "object": "event",
        "api_version": API_VERSION,
        "created": created or int(time.time()),
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signed(payload: dict, *, secret=None, timestamp=None) -> tuple[str, str]:
    """The raw body and its Stripe-Signature header."""
    body = json.dumps(payload)
    signature = stripe.WebhookSignature.generate_signature_header(
        body, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp
    )
    return body, signature


def deliver(client, payload: dict, **signing):
    """POST `payload` to the shop's webhook, signed as Stripe signs it, running what the view
    defers to after its commit (the emails); the response."""
    body, signature = signed(payload, **signing)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
