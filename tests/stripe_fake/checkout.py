"""Checkout Sessions and their hosted payment page, built on localstripe's resource classes.

A `CheckoutSession` is a localstripe `StripeObject`: it lives in localstripe's `store`, exports
itself with `_export()`, and pays through localstripe's own `PaymentMethod`, `PaymentIntent` and
`Charge`, so the rest of localstripe (refunds, events, balance transactions) sees real objects.
In `setup` mode it charges nothing: it saves the card through localstripe's `SetupIntent`,
attached to a `Customer`, for an off-session charge later (see payment_intents.py). In
`payment` mode with `payment_intent_data[setup_future_usage]` it charges the card and saves it
too, as Stripe does: the PaymentIntent records setup_future_usage and the card is attached to
the session's customer, if it has or gets one.
Following localstripe's convention, every method that is not a field of the exported object
starts with an underscore, and constructors raise all their `UserError`s before storing.
"""

import copy
import html
import time
import warnings

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import (
    BalanceTransaction,
    Charge,
    Customer,
    Event,
    List,
    PaymentIntent,
    PaymentMethod,
    SetupIntent,
    StripeObject,
    random_id,
    try_convert_to_int,
)

from tests.stripe_fake import cards

with warnings.catch_warnings():
    # localstripe.server registers plain functions as handlers, which aiohttp deprecates (once
    # per route, at import). This is the package's first import of it; the other modules take
    # `server` from here.
    warnings.simplefilter("ignore", DeprecationWarning)
    from localstripe import server

# Parameters Stripe accepts that change nothing in this fake; anything else unknown is a 400,
# as it is on Stripe, so a typo in the shop's parameters fails its tests.
IGNORED_PARAMS = {
    "allow_promotion_codes",
    "automatic_tax",
    "billing_address_collection",
    "locale",
    "payment_method_types",
    "phone_number_collection",
    "submit_type",
}
SYMBOLS = {"gbp": "£", "eur": "€", "usd": "$"}
# What the hosted page's form holds before the buyer types anything; a test that POSTs only
# some of the fields gets these for the rest.
FORM_DEFAULTS = {
    "card_number": "4242424242424242",
    "name": "Test Buyer",
    "line1": "1 Test Street",
    "city": "London",
    "postal_code": "SW1A 1AA",
    "country": "GB",
}
TEST_IBAN = "DE89370400440532013000"


def _error(message, param=None, code="parameter_invalid", status=400):
    contents = {"code": code} if code else {}
    if param:
        contents["param"] = param
    return UserError(status, message, contents)


def _retrieve(cls, id, param, name):
    """The object `id` names in parameter `param`. Stripe answers an unknown one with a 400
    naming it; localstripe's _api_retrieve with a bare 404."""
    try:
        return cls._api_retrieve(id)
    except UserError:
        raise _error(f"No such {name}: '{id}'", param, "resource_missing") from None


def _positive_int(value, param):
    number = try_convert_to_int(value)
    if value is None:
        raise _error(f"Missing required param: {param}.", param, "parameter_missing")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise _error(
            "This value must be greater than or equal to 1.", param, "parameter_invalid_integer"
        )
    return number


def _parse_line_items(line_items):
    if not line_items:
        raise _error(
            "`line_items` is required in `payment` mode.", "line_items", "parameter_missing"
        )
    if not isinstance(line_items, list):
        raise _error("Invalid array", "line_items")
    items = []
    for n, item in enumerate(line_items):
        price = item.get("price_data") if isinstance(item, dict) else None
        if not isinstance(price, dict):
            raise _error(
                "This fake supports only `price_data` line items.",
                f"line_items[{n}][price_data]",
                "parameter_missing",
            )
        name = (price.get("product_data") or {}).get("name")
        if not name:
            param = f"line_items[{n}][price_data][product_data][name]"
            raise _error(f"Missing required param: {param}.", param, "parameter_missing")
        if not price.get("currency"):
            param = f"line_items[{n}][price_data][currency]"
            raise _error(f"Missing required param: {param}.", param, "parameter_missing")
        items.append(
            {
                "description": name,
                "currency": price["currency"].lower(),
                "unit_amount": _positive_int(
                    price.get("unit_amount"), f"line_items[{n}][price_data][unit_amount]"
                ),
                "quantity": _positive_int(item.get("quantity"), f"line_items[{n}][quantity]"),
            }
        )
    if len({item["currency"] for item in items}) > 1:
        raise _error("All line items must have the same currency.", "line_items")
    return items


def _parse_shipping_options(options, currency):
    rates = []
    for n, option in enumerate(options or []):
        param = f"shipping_options[{n}][shipping_rate_data]"
        data = option.get("shipping_rate_data") if isinstance(option, dict) else None
        if not isinstance(data, dict):
            raise _error(
                "This fake supports only `shipping_rate_data` options.", param, "parameter_missing"
            )
        fixed = data.get("fixed_amount") or {}
        amount = try_convert_to_int(fixed.get("amount"))
        if not data.get("display_name") or data.get("type", "fixed_amount") != "fixed_amount":
            raise _error(
                "Invalid shipping rate: needs a display_name and type fixed_amount.", param
            )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise _error("Invalid non-negative integer", f"{param}[fixed_amount][amount]")
        if (fixed.get("currency") or "").lower() != currency:
            raise _error(
                "The shipping rate's currency must match the line items'.",
                f"{param}[fixed_amount][currency]",
            )
        rates.append({"id": "shr_" + random_id(24), "name": data["display_name"], "amount": amount})
    return rates


def _check_setup_params(currency, setup_intent_data, **payment_only):
    """Setup mode saves a card and charges nothing, so Stripe refuses the parameters about the
    amount to pay (`payment_only`, when given; this fake also refuses
    shipping_address_collection, which it implements for payment mode only), and needs
    `currency` to choose which payment methods to offer."""
    for param, value in payment_only.items():
        if value is not None:
            raise _error(f"You can not pass `{param}` in `setup` mode.", param)
    if not currency or not isinstance(currency, str):
        raise _error("Missing required param: currency.", "currency", "parameter_missing")
    unsupported = sorted(set(setup_intent_data or {}) - {"metadata", "description"})
    if unsupported:
        raise _error(
            "This fake supports only `metadata` and `description` in setup_intent_data.",
            f"setup_intent_data[{unsupported[0]}]",
        )


SETUP_FUTURE_USAGE = ("off_session", "on_session")


def _check_payment_intent_data(data):
    """Payment mode: the PaymentIntent parameters this fake implements, `metadata` and
    `setup_future_usage` (one of Stripe's two values). Anything else Stripe accepts here is
    refused rather than silently ignored, so the shop never relies on something untested."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _error("Invalid object", "payment_intent_data")
    unsupported = sorted(set(data) - {"metadata", "setup_future_usage"})
    if unsupported:
        raise _error(
            "This fake supports only `metadata` and `setup_future_usage` in payment_intent_data.",
            f"payment_intent_data[{unsupported[0]}]",
        )
    usage = data.get("setup_future_usage")
    if usage is not None and usage not in SETUP_FUTURE_USAGE:
        raise _error(
            "Invalid payment_intent_data[setup_future_usage]: must be one of on_session or "
            "off_session",
            "payment_intent_data[setup_future_usage]",
        )
    return data


class Declined(Exception):
    pass


class LineItem(StripeObject):
    object = "item"
    _id_prefix = "li_"

    def __init__(self, description, currency, unit_amount, quantity):
        super().__init__()
        self.description = description
        self.currency = currency
        self.quantity = quantity
        self.amount_discount = 0
        self.amount_tax = 0
        self.amount_subtotal = self.amount_total = unit_amount * quantity
        self.price = {
            "id": "price_" + random_id(24),
            "object": "price",
            "active": False,
            "currency": currency,
            "livemode": False,
            "product": "prod_" + random_id(14),
            "type": "one_time",
            "unit_amount": unit_amount,
        }


class CheckoutSession(StripeObject):
    object = "checkout.session"
    _id_prefix = "cs_test_"
    _api_base = ""  # set by FakeStripe: the hosted page is served by the fake itself

    def __init__(
        self,
        mode=None,
        line_items=None,
        currency=None,
        success_url=None,
        cancel_url=None,
        customer=None,
        customer_creation=None,
        customer_email=None,
        client_reference_id=None,
        metadata=None,
        shipping_address_collection=None,
        shipping_options=None,
        expires_at=None,
        payment_intent_data=None,
        setup_intent_data=None,
        **kwargs,
    ):
        unknown = sorted(set(kwargs) - IGNORED_PARAMS)
        if unknown:
            raise _error(
                f"Received unknown parameter: {unknown[0]}", unknown[0], "parameter_unknown"
            )
        if not mode:
            raise _error("Missing required param: mode.", "mode", "parameter_missing")
        if mode not in ("payment", "setup"):
            raise _error(
                f"Invalid mode {mode!r}: this fake supports only `payment` and `setup`.", "mode"
            )
        if not success_url:
            raise _error("Missing required param: success_url.", "success_url", "parameter_missing")
        for param, url in (("success_url", success_url), ("cancel_url", cancel_url)):
            if url is not None and not str(url).startswith(("http://", "https://")):
                raise _error("Not a valid URL", param, "url_invalid")
        exclusive = {"customer_email": customer_email, "customer_creation": customer_creation}
        for other, value in exclusive.items():
            if customer is not None and value is not None:
                raise _error(
                    f"You may only specify one of these parameters: customer, {other}.", other
                )
        if customer is not None:
            _retrieve(Customer, customer, "customer", "customer")
        if customer_creation not in (None, "always", "if_required"):
            raise _error(
                "Invalid customer_creation: must be one of always or if_required",
                "customer_creation",
            )
        if mode == "payment":
            if setup_intent_data is not None:
                raise _error(
                    "You can not pass `setup_intent_data` in `payment` mode.", "setup_intent_data"
                )
            payment_intent_data = _check_payment_intent_data(payment_intent_data)
            items = _parse_line_items(line_items)
            if currency is not None and str(currency).lower() != items[0]["currency"]:
                raise _error("`currency` must match the line items' currency.", "currency")
            currency = items[0]["currency"]
        else:
            _check_setup_params(
                currency,
                setup_intent_data,
                line_items=line_items,
                payment_intent_data=payment_intent_data,
                shipping_options=shipping_options,
                shipping_address_collection=shipping_address_collection,
            )
            items = []
            currency = currency.lower()
        rates = _parse_shipping_options(shipping_options, currency)
        countries = None
        if shipping_address_collection is not None:
            countries = (shipping_address_collection or {}).get("allowed_countries")
            if not countries or not isinstance(countries, list):
                param = "shipping_address_collection[allowed_countries]"
                raise _error(f"Missing required param: {param}.", param, "parameter_missing")
        now = int(time.time())
        expires_at = now + 24 * 3600 if expires_at is None else try_convert_to_int(expires_at)
        if not isinstance(expires_at, int) or not now + 1800 <= expires_at <= now + 24 * 3600:
            raise _error(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.",
                "expires_at",
            )

        # All exceptions must be raised before this point: this stores the object.
        super().__init__()

        self.mode = mode
        self.status = "open"
        self.currency = currency
        if mode == "payment":
            subtotal = sum(item["unit_amount"] * item["quantity"] for item in items)
            shipping = rates[0]["amount"] if rates else 0
            self.payment_status = "unpaid"
            self.amount_subtotal = subtotal
            self.amount_total = subtotal + shipping
            self.total_details = {
                "amount_discount": 0,
                "amount_shipping": shipping,
                "amount_tax": 0,
            }
        else:
            self.payment_status = "no_payment_required"
            self.amount_subtotal = self.amount_total = self.total_details = None
        self.shipping_cost = None
        if rates:
            self.shipping_cost = {
                "amount_subtotal": rates[0]["amount"],
                "amount_tax": 0,
                "amount_total": rates[0]["amount"],
                "shipping_rate": rates[0]["id"],
            }
        self.shipping_options = [
            {"shipping_amount": rate["amount"], "shipping_rate": rate["id"]} for rate in rates
        ]
        self.shipping_address_collection = {"allowed_countries": countries} if countries else None
        self.customer = customer  # set at completion when Checkout creates one
        self.customer_creation = customer_creation or (None if customer else "if_required")
        self.customer_email = customer_email
        self.customer_details = None
        self.client_reference_id = client_reference_id
        self.metadata = metadata or {}
        self.success_url = success_url
        self.cancel_url = cancel_url
        self.expires_at = expires_at
        # Both stay null until the buyer completes the session (API versions since 2022-08-01).
        self.payment_intent = None
        self.setup_intent = None
        self.payment_method_types = ["card"]
        # Stripe moved shipping_details into collected_information in API 2025-03-31; both
        # are filled so code written against either shape works.
        self.shipping_details = None
        self.collected_information = None
        self._rates = rates
        self._intent_metadata = (payment_intent_data or {}).get("metadata") or {}
        self._setup_future_usage = (payment_intent_data or {}).get("setup_future_usage")
        self._setup_intent_data = setup_intent_data or {}
        self._items = [LineItem(**item) for item in items]

    @property
    def url(self):
        return f"{self._api_base}/pay/{self.id}" if self.status == "open" else None

    def _export(self, expand=None):
        expand = [expand] if isinstance(expand, str) else list(expand or [])
        with_items = "line_items" in expand
        if with_items:
            expand.remove("line_items")
        obj = super()._export(expand=expand)
        if with_items:
            obj["line_items"] = self._line_items()._export()
        # localstripe copies dicts only one level deep; events must keep a true snapshot.
        return copy.deepcopy(obj)

    def _line_items(self, limit=None, starting_after=None):
        items = List(f"/v1/checkout/sessions/{self.id}/line_items", limit, starting_after)
        items._list = list(self._items)
        return items

    def _emit(self, type, obj=None):
        # Looked up at call time: the fake replaces localstripe's schedule_webhook.
        resources.schedule_webhook(Event(type, obj or self))

    @classmethod
    def _api_retrieve(cls, id):
        session = resources.store.get(f"{cls.object}:{id}")
        if session is None:
            raise _error(f"No such checkout.session: '{id}'", "session", "resource_missing", 404)
        return session

    @classmethod
    def _api_list_line_items(cls, id, limit=None, starting_after=None):
        return cls._api_retrieve(id)._line_items(limit, starting_after)

    @classmethod
    def _api_expire(cls, id):
        session = cls._api_retrieve(id)
        if session.status != "open":
            raise _error(
                'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f'Checkout Session has a status of "{session.status}".'
            )
        session.status = "expired"
        session._emit("checkout.session.expired")
        return session

    def _card(self, number, details):
        card = {"number": number, "exp_month": 12, "exp_year": time.gmtime().tm_year + 3}
        # Raises a 400 UserError unless the number is 16 characters.
        return PaymentMethod(type="card", card={**card, "cvc": "123"}, billing_details=details)

    def _pay_by_card(self, number, details):
        method = self._card(number, details)
        # Checkout charges at once, so cards declined on saving and on charging both fail here.
        decline = cards.decline_when_charged(method)
        if decline:
            raise Declined(decline.message)
        intent = self._new_intent(method, self._customer_for(details))
        intent._confirm(on_failure_now=intent._report_failure)
        if intent.status == "requires_action":  # a 3-D Secure card: the buyer passes
            PaymentIntent._api_authenticate(intent.id, intent.client_secret, success=True)
        self._save_for_later(method)
        self._complete(details, payment_intent=intent, paid=True)

    def _pay_by_bank_transfer(self, details):
        # SEPA debit is localstripe's only delayed method. Its Charge is created but not
        # initialised, so it stays pending and the PaymentIntent reads "processing" until a
        # test settles it through one of the /_test/ endpoints.
        method = PaymentMethod(
            type="sepa_debit", sepa_debit={"iban": TEST_IBAN}, billing_details=details
        )
        intent = self._new_intent(method, self._customer_for(details))
        charge = Charge(amount=intent.amount, currency=intent.currency, source=method.id)
        charge.payment_intent = intent.id
        intent.latest_charge = charge
        self._save_for_later(method)  # with a mandate, as Stripe does for SEPA
        self._complete(details, payment_intent=intent, paid=False)

    def _save_card(self, number, details):
        """Setup mode: what Checkout does through a SetupIntent. The card is checked (cards
        that Stripe declines on saving fail here, with no object left on the session), passes
        3-D Secure if it asks, and is attached to the session's customer, if it has or gets
        one. Cards declined only when charged save fine and fail at the off-session charge."""
        method = self._card(number, details)
        decline = cards.decline_when_saved(method)
        if decline:
            raise Declined(decline.message)
        customer = self._customer_for(details)
        data = self._setup_intent_data
        intent = SetupIntent(
            customer=customer, usage="off_session", metadata=dict(data.get("metadata") or {})
        )
        intent.description = data.get("description")
        intent.last_setup_error = None
        self._emit("setup_intent.created", intent)
        SetupIntent._api_confirm(intent.id, payment_method=method.id)
        if intent.status == "requires_action":  # a 3-D Secure card: the buyer passes
            SetupIntent._api_confirm(intent.id)
        if customer:  # as Stripe does for a SetupIntent with a customer; localstripe does not
            PaymentMethod._api_attach(method.id, customer=customer)
            self._emit("payment_method.attached", method)
        self._emit("setup_intent.succeeded", intent)
        self._complete(details, setup_intent=intent)

    def _customer_for(self, details):
        """The session's customer: the one it was created with, else a new one from the
        buyer's details when customer_creation is "always", else None."""
        if self.customer is None and self.customer_creation == "always":
            address = {key: value for key, value in details["address"].items() if value}
            self.customer = Customer(
                email=details["email"], name=details["name"], address=address
            ).id  # localstripe sends customer.created
        return self.customer

    def _new_intent(self, method, customer):
        intent = PaymentIntent(
            amount=self.amount_total,
            currency=self.currency,
            customer=customer,
            payment_method=method.id,
            metadata=dict(self._intent_metadata),
        )
        intent.setup_future_usage = self._setup_future_usage
        return intent

    def _save_for_later(self, method):
        """Payment mode with setup_future_usage: once the payment is confirmed, Checkout
        attaches the PaymentMethod to the session's customer, if there is one. Without a
        customer it stays unattached, reusable through the session's PaymentIntent."""
        if self._setup_future_usage and self.customer:
            PaymentMethod._api_attach(method.id, customer=self.customer)
            self._emit("payment_method.attached", method)

    def _complete(self, details, payment_intent=None, paid=False, setup_intent=None):
        self.status = "complete"
        if payment_intent:
            self.payment_status = "paid" if paid else "unpaid"
            self.payment_intent = payment_intent.id
        if setup_intent:
            self.setup_intent = setup_intent.id
        self.customer_details = {**details, "phone": None, "tax_exempt": "none", "tax_ids": []}
        if self.shipping_address_collection:
            shipping = {"name": details["name"], "address": details["address"]}
            self.shipping_details = shipping
            self.collected_information = {"shipping_details": shipping}
        self._emit("checkout.session.completed")

    @classmethod
    def _processing(cls, id):
        session = cls._api_retrieve(id)
        intent = session.payment_intent and PaymentIntent._api_retrieve(session.payment_intent)
        if not intent or intent.status != "processing":
            raise _error("This Checkout Session has no payment waiting to settle.")
        return session, intent

    @classmethod
    def _api_async_payment_succeeded(cls, id):
        session, intent = cls._processing(id)
        charge = intent.latest_charge
        # What localstripe's Charge._trigger_payment does for SEPA, without its 0.5 s timer.
        transaction = BalanceTransaction(
            amount=charge.amount,
            currency=charge.currency,
            exchange_rate=1.0,
            reporting_category="charge",
            source=charge.id,
            type="charge",
        )
        charge.balance_transaction = transaction.id
        charge.status = "succeeded"
        intent._on_success()
        session.payment_status = "paid"
        session._emit("checkout.session.async_payment_succeeded")
        return session

    @classmethod
    def _api_async_payment_failed(cls, id):
        session, intent = cls._processing(id)
        intent.latest_charge._set_auth_failure()  # intent goes back to requires_payment_method
        intent._report_async_failure()
        session._emit("checkout.session.async_payment_failed")  # payment_status stays unpaid
        return session


# The hosted payment page ---------------------------------------------------------------------


def _money(amount, currency):
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount / 100:.2f}" if symbol else f"{amount / 100:.2f} {currency.upper()}"


def _page(body, status=200, title="Fake Stripe Checkout"):
    title = html.escape(title)
    return web.Response(
        status=status,
        content_type="text/html",
        text=(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>body{{font:16px sans-serif;max-width:30rem;"
            "margin:2rem auto}label{display:block;margin:.5rem 0}input{display:block;width:100%}"
            f"[role=alert]{{color:#a00}}</style></head><body><main><h1>{title}</h1>"
            f"{body}</main></body></html>"
        ),
    )


def _payment_form(session, values, error=None, status=200):
    """The hosted page: in payment mode the order and its total with "Pay" and "Pay by bank
    transfer"; in setup mode no amount, titled "Save your card", with one "Save card"."""
    e = html.escape
    fields = "".join(
        f'<label>{label} <input name="{name}" value="{e(values[name])}" required></label>'
        for name, label in (
            ("email", "Email"),
            ("card_number", "Card number"),
            ("name", "Name"),
            ("line1", "Address"),
            ("city", "City"),
            ("postal_code", "Postal code"),
            ("country", "Country"),
        )
    )
    alert = f'<p role="alert">{e(error)}</p>' if error else ""
    cancel = f'<p><a href="{e(session.cancel_url)}">Cancel</a></p>' if session.cancel_url else ""
    if session.mode == "setup":
        return _page(
            "<p>Your card will be saved for later payments. You will not be charged now.</p>"
            f'{alert}<form method="post">{fields}'
            '<button name="method" value="card">Save card</button></form>'
            f"{cancel}",
            status,
            title="Save your card",
        )
    lines = "".join(
        f"<li>{item.quantity} × {e(item.description)}: "
        f"{_money(item.amount_total, session.currency)}</li>"
        for item in session._items
    )
    if session._rates:
        rate = session._rates[0]
        lines += f"<li>{e(rate['name'])}: {_money(rate['amount'], session.currency)}</li>"
    return _page(
        f"<ul>{lines}</ul><p>Total: <strong>{_money(session.amount_total, session.currency)}"
        f'</strong></p>{alert}<form method="post">{fields}'
        '<button name="method" value="card">Pay</button> '
        '<button name="method" value="bank_transfer">Pay by bank transfer</button></form>'
        f"{cancel}",
        status,
    )


def _open_session(request):
    """The session to pay, or the page to show instead."""
    try:
        session = CheckoutSession._api_retrieve(request.match_info["id"])
    except UserError:
        return None, _page("<p>No such Checkout Session.</p>", 404)
    if session.status != "open":
        message = f"This Checkout Session is {session.status} and can no longer be paid."
        return None, _page(f"<p>{message}</p>", 409)
    return session, None


def _form_defaults(session):
    email = session.customer_email
    if session.customer:
        email = Customer._api_retrieve(session.customer).email
    return {**FORM_DEFAULTS, "email": email or "buyer@example.com"}


async def pay_page(request):
    session, response = _open_session(request)
    if response:
        return response
    return _payment_form(session, _form_defaults(session))


async def pay_submit(request):
    session, response = _open_session(request)
    if response:
        return response
    form = await request.post()
    defaults = _form_defaults(session)
    values = {name: str(form.get(name, default)).strip() for name, default in defaults.items()}
    if not all(values.values()):
        return _payment_form(session, values, "Please fill in every field.", 400)
    allowed = (session.shipping_address_collection or {}).get("allowed_countries")
    if allowed and values["country"].upper() not in allowed:
        return _payment_form(session, values, "We cannot ship to that country.", 400)
    address = {
        "line1": values["line1"],
        "line2": None,
        "city": values["city"],
        "postal_code": values["postal_code"],
        "state": None,
        "country": values["country"].upper(),
    }
    details = {"email": values["email"], "name": values["name"], "address": address}
    number = values["card_number"].replace(" ", "")
    by_bank = form.get("method") == "bank_transfer"
    if by_bank and session.mode == "setup":
        return _payment_form(session, values, "Only a card can be saved here.", 400)
    try:
        if session.mode == "setup":
            session._save_card(number, details)
        elif by_bank:
            session._pay_by_bank_transfer(details)
        else:
            session._pay_by_card(number, details)
    except Declined as declined:
        return _payment_form(session, values, str(declined), 402)
    except UserError:
        return _payment_form(session, values, "Your card number is invalid.", 400)
    location = session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id)
    return web.Response(status=303, headers={"Location": location})


def routes():
    """(method, path, handler) for everything this module adds, using localstripe's own
    handler factories for the API endpoints."""
    sessions = "/v1/checkout/sessions"
    test = "/_test/checkout/sessions/{id}"
    return [
        ("POST", sessions, server.api_create(CheckoutSession, sessions)),
        ("GET", sessions + "/{id}", server.api_retrieve(CheckoutSession, sessions)),
        (
            "GET",
            sessions + "/{id}/line_items",
            server.api_extra(CheckoutSession._api_list_line_items, sessions),
        ),
        (
            "POST",
            sessions + "/{id}/expire",
            server.api_extra(CheckoutSession._api_expire, sessions),
        ),
        (
            "POST",
            test + "/async_payment_succeeded",
            server.api_extra(CheckoutSession._api_async_payment_succeeded, test),
        ),
        (
            "POST",
            test + "/async_payment_failed",
            server.api_extra(CheckoutSession._api_async_payment_failed, test),
        ),
        ("GET", "/pay/{id}", pay_page),
        ("POST", "/pay/{id}", pay_submit),
    ]
