from django.core.management.base import BaseCommand, CommandError

from shop import preorders
from shop.models import Product


class Command(BaseCommand):
    help = (
        "Release day for one product: charge every saved card off-session and email payment "
        "links to the rest. Safe to run again; nobody is charged twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("product", help="The product's slug, e.g. dirty-old-town")

    def handle(self, *args, product, **options):
        try:
            item = Product.objects.get(slug=product)
        except Product.DoesNotExist as exc:
            raise CommandError(f"No product with the slug {product!r}.") from exc

        def progress(number, total, preorder):
            self.stdout.write(
                f"[{number}/{total}] {preorder.reference}: {preorder.get_status_display()}"
            )

        summary = preorders.release(item, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Released {item.title}: {summary}."))
