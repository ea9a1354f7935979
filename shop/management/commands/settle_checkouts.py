from django.conf import settings
from django.core.management.base import BaseCommand

from shop.settlement import settle_stale_checkouts


class Command(BaseCommand):
    help = (
        "Check with Stripe on orders still unpaid after their checkout should have closed, "
        "and settle them (paid, expired with stock returned...). Run it every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.QUIRE_CHECKOUT_MINUTES + 10,
            help="Minutes since the order was created (default: checkout time + 10).",
        )

    def handle(self, *args, older_than, **options):
        checked = settle_stale_checkouts(older_than)
        self.stdout.write(f"Checked {checked} unsettled checkouts with Stripe.")
