"""Serving localstripe, plus the checkout extension, from a background thread.

Importing this module adjusts localstripe in memory (never its files in site-packages):
  * its store is no longer pickled to /tmp/localstripe.pickle on every write;
  * its `schedule_webhook` is replaced by `FakeStripe._schedule`, which delivers after a short,
    configurable delay instead of localstripe's fixed second, signs exactly as localstripe
    does, and tracks each delivery so tests can wait for them.
localstripe keeps its objects and webhooks in module globals, so one FakeStripe runs at a time.
"""

import asyncio
import hashlib
import hmac
import inspect
import itertools
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import aiohttp
import stripe
from aiohttp import web
from localstripe import resources, webhooks
from localstripe.errors import UserError

from tests.stripe_fake import checkout, payment_intents
from tests.stripe_fake.checkout import server  # localstripe.server, imported quietly there

# Store.__setitem__/__delitem__ and localstripe's save_store_middleware call this to pickle the
# whole store to a fixed path in /tmp. Keep the store in memory: nothing shared between test
# runs, nothing left behind.
resources.store.dump_to_disk = lambda: None

_active = None  # the running FakeStripe
_lock = threading.Lock()


def _schedule_webhook(event):
    if _active is not None:
        _active._schedule(event)


# resources.py imported the function by name, so both modules' references are replaced.
resources.schedule_webhook = webhooks.schedule_webhook = _schedule_webhook


class FakeStripeError(Exception):
    pass


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 from the payment page is the answer, not something to follow


# No proxies: the fake is on loopback whatever the environment says.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


@web.middleware
async def _auth_middleware(request, handler):
    # The hosted page is opened by a browser and the /_test/ endpoints play Stripe's own side;
    # neither carries a secret key. Everything else goes through localstripe's check.
    if request.path.startswith(("/pay/", "/_test/")):
        return await handler(request)
    return await server.auth_middleware(request, handler)


@web.middleware
async def _idempotency_middleware(request, handler):
    """Stripe's Idempotency-Key for every POST /v1/...: a key seen before with the same
    request replays the first response; with a different request it is a 400.

    Stripe saves the result of every request that began executing, failures included, and
    none for a request that failed validation. Here that means successes and card errors
    (402): a declined off-session charge replays the same error and the same PaymentIntent
    instead of charging again. The results live in localstripe's store, so flushing the store
    forgets them too."""
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or not request.path.startswith("/v1/"):
        return await handler(request)
    params = await server.get_post_data(request, remove_auth=False) or {}
    fingerprint = json.dumps([request.path, params], sort_keys=True)
    saved = resources.store.get("idempotency:" + key)
    if saved is not None:
        if saved[0] != fingerprint:
            error = checkout._error(
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                code="idempotency_key_in_use",
            )
            error.body["error"]["type"] = "idempotency_error"
            raise error
        return web.Response(
            status=saved[1],
            body=saved[2],
            content_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    try:
        response = await handler(request)
    except UserError as error:
        if error.code != 402:
            raise
        response = error.to_response()
    if 200 <= response.status < 300 or response.status == 402:
        resources.store["idempotency:" + key] = (fingerprint, response.status, response.body)
    return response


def _coroutine(handler):
    if inspect.iscoroutinefunction(handler):
        return handler

    async def wrapper(request):
        return handler(request)

    return wrapper


def _make_app():
    """A new Application with this package's routes and all of localstripe's. Ours come
    first, so where both serve a path (POST /v1/payment_intents) ours answers.

    localstripe's module-level `app` binds to the first event loop that serves it and can never
    be served from another, so each FakeStripe copies its routes and middlewares into a new one
    (leaving out save_store_middleware, whose only job is writing the store to disk)."""
    app = web.Application(
        middlewares=[server.error_middleware, _auth_middleware, _idempotency_middleware]
    )
    app.on_response_prepare.append(server.add_cors_headers)
    for method, path, handler in checkout.routes() + payment_intents.routes():
        app.router.add_route(method, path, _coroutine(handler))
    for route in server.app.router.routes():
        app.router.add_route(route.method, route.resource.canonical, route.handler)
    return app


class FakeStripe:
    """A running fake Stripe on loopback. Use `start_fake_stripe()` to make one.

    `deliveries` lists (event type, HTTP status) for every webhook delivery attempted, in order;
    the status is None when the receiver could not be reached."""

    def __init__(self, host="127.0.0.1", webhook_delay=0.05, port=0):
        global _active
        with _lock:
            if _active is not None:
                raise RuntimeError("A FakeStripe is already running (localstripe is global).")
            _active = self
        self.webhook_delay = webhook_delay
        self.deliveries = []
        self._pending = set()
        self._webhook_ids = itertools.count(1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((host, port))  # IPv4 only; port 0: a free port chosen by the kernel
        self.api_base = f"http://{host}:{sock.getsockname()[1]}"
        checkout.CheckoutSession._api_base = self.api_base
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-stripe", daemon=True
        )
        self._thread.start()
        try:
            self._runner = self._run(self._start(sock))
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            _active = None
            raise

    def _run(self, coroutine, timeout=10):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _start(self, sock):
        runner = web.AppRunner(_make_app(), access_log=None, shutdown_timeout=1)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        return runner

    def stop(self):
        """Shut the server down, abandon undelivered webhooks and forget all state."""
        global _active
        if self._runner is None:
            return
        self._run(self._shutdown())
        self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
        resources.store.clear()
        webhooks._webhooks.clear()
        _active = None

    async def _shutdown(self):
        await self._runner.cleanup()
        tasks = asyncio.all_tasks() - {asyncio.current_task()}
        for task in tasks:  # webhook deliveries, and any timers localstripe started
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def pay_url(self, session_id):
        return f"{self.api_base}/pay/{session_id}"

    def pay(self, session_id, **fields):
        """Submit the hosted payment page as a browser would (`card_number`, `name`, `line1`,
        `city`, `postal_code`, `country`, `email`, `method="bank_transfer"`; the page's defaults
        fill the rest) and return the success URL it redirects to. Raises FakeStripeError with
        the page's status if it did not redirect, e.g. 402 for a declined card. For a setup-mode
        session this saves the card; `save_card` says so. A payment-mode session with
        payment_intent_data[setup_future_usage] charges the card and saves it too."""
        status, headers, body = self._http("POST", f"/pay/{session_id}", fields)
        if status != 303:
            raise FakeStripeError(f"payment page answered {status}: {body.decode()}")
        return headers["Location"]

    def save_card(self, session_id, card_number="4242424242424242", **fields):
        """Complete a setup-mode session's "Save your card" page with `card_number` (see
        cards.py for what each test card does then and when charged later); as `pay`."""
        return self.pay(session_id, card_number=card_number, **fields)

    def settle_async_payment(self, session_id, succeeded=True):
        """Settle a bank transfer left processing; returns the session as a dict."""
        outcome = "succeeded" if succeeded else "failed"
        path = f"/_test/checkout/sessions/{session_id}/async_payment_{outcome}"
        return json.loads(self._http("POST", path, {}, check=True)[2])

    def register_webhook(self, url, secret, events=None, id=None):
        """Deliver events (all, or those whose types are in `events`) to `url`, signed with
        `secret`, through localstripe's POST /_config/webhooks/<id>. Returns the id; a second
        registration with the same id replaces the first."""
        id = id or f"we_{next(self._webhook_ids)}"
        fields = [("url", url), ("secret", secret)] + [("events[]", e) for e in events or ()]
        self._http("POST", f"/_config/webhooks/{id}", fields, check=True)
        return id

    def flush(self):
        """Back to a fresh server: wait for deliveries in flight, then forget every object
        (localstripe's DELETE /_config/data), webhook registration and recorded delivery."""
        self.wait_for_deliveries()
        self._http("DELETE", "/_config/data", check=True)
        webhooks._webhooks.clear()  # localstripe has no endpoint for this
        self.deliveries.clear()

    def wait_for_deliveries(self, timeout=5):
        """Block until every webhook delivery scheduled so far has finished (raising
        TimeoutError after `timeout` seconds), then return `deliveries`."""

        async def drain():
            while self._pending:
                await asyncio.wait(set(self._pending))

        self._run(asyncio.wait_for(drain(), timeout), timeout + 1)
        return self.deliveries

    def _http(self, method, path, fields=None, check=False):
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(self.api_base + path, data=data, method=method)
        try:
            with _opener.open(request, timeout=10) as response:
                result = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            result = error.code, error.headers, error.read()
        if check and result[0] != 200:
            raise FakeStripeError(f"{method} {path} answered {result[0]}: {result[2].decode()}")
        return result

    # Webhooks (run on the server's loop) ---------------------------------------------------

    def _schedule(self, event):
        # Fill in the envelope fields today's Stripe sends and localstripe's Event lacks.
        event.api_version = stripe.api_version
        event.pending_webhooks = len(self._webhooks_for(event))
        event.request = {"id": None, "idempotency_key": None}
        task = asyncio.ensure_future(self._deliver(event))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    @staticmethod
    def _webhooks_for(event):
        hooks = webhooks._webhooks.values()
        return [hook for hook in hooks if hook.events is None or event.type in hook.events]

    async def _deliver(self, event):
        # As localstripe's webhooks._send_webhook: same payload, same signature
        # (t=<event.created>,v1=HMAC-SHA256 of "<t>.<payload>"), sent after a delay, to the
        # webhooks registered when the delay ends. It differs in the delay and in recording
        # each outcome.
        payload = json.dumps(event._export(), indent=2, sort_keys=True).encode()
        signed_payload = b"%d.%s" % (event.created, payload)
        await asyncio.sleep(self.webhook_delay)
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            for hook in self._webhooks_for(event):
                signature = hmac.new(
                    hook.secret.encode(), signed_payload, hashlib.sha256
                ).hexdigest()
                headers = {
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": f"t={event.created},v1={signature}",
                }
                try:
                    async with client.post(hook.url, data=payload, headers=headers) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = None
                if status is not None and 200 <= status < 300:
                    event.pending_webhooks -= 1
                self.deliveries.append((event.type, status))
