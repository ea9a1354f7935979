"""System checks for settings the shop depends on."""

from django.conf import settings
from django.core.checks import Error, register

from shop import payments


@register("shop")
def stripe_fits_in_a_worker(app_configs, **kwargs):
    """A hung Stripe must make a request fail, not get its worker killed: a killed worker
    leaves a checkout half-done (an order awaiting payment with no Stripe session)."""
    longest = payments.longest_request_seconds()
    if longest < settings.QUIRE_WORKER_TIMEOUT_SECONDS:
        return []
    return [
        Error(
            f"A request can wait {longest}s on a hung Stripe (STRIPE_TIMEOUT_SECONDS × "
            f"{1 + settings.STRIPE_MAX_NETWORK_RETRIES} tries × {payments.CALLS_PER_REQUEST} "
            f"calls), not less than the worker timeout of "
            f"{settings.QUIRE_WORKER_TIMEOUT_SECONDS}s.",
            hint="Lower STRIPE_TIMEOUT_SECONDS or STRIPE_MAX_NETWORK_RETRIES, or raise "
            "QUIRE_WORKER_TIMEOUT_SECONDS (and gunicorn's --timeout with it).",
            id="shop.E001",
        )
    ]
