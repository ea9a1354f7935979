from django.core.management.base import BaseCommand, CommandError

from shop import preorders
from shop.models import Product


class Command(BaseCommand):
    help = (
        "Release day for one product: put it on sale, email payment links to reserved "
        "pre-orders and queue a charge for every saved card (the task worker makes them). "
        "Safe to run again; nobody is charged twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("product", help="The product's slug, e.g. dirty-old-town")

    def handle(self, *args, product, **options):
        try:
            item = Product.objects.get(slug=product)
        except Product.DoesNotExist as exc:
            raise CommandError(f"No product with the slug {product!r}.") from exc
        try:
            summary = preorders.release(item)
        except preorders.ReleaseError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(f"Released {item.title}: {summary}."))
        progress = preorders.release_progress(item)
        self.stdout.write(
            f"Now: {progress['charging']} card(s) still to charge, {progress['needs_buyer']} "
            f"waiting for the buyer, {progress['paid']} paid."
        )
