from django.core.management.base import BaseCommand

from shop import back_in_stock, stock_alerts
from shop.emails import send_pending_emails


class Command(BaseCommand):
    help = (
        "Send every order and pre-order email that is due and has not gone "
        "(e.g. while SMTP was down), and any low-stock alert or back-in-stock email still due; "
        "run it from cron every few minutes."
    )

    def handle(self, *args, **options):
        tried = send_pending_emails() + stock_alerts.send_pending() + back_in_stock.send_pending()
        self.stdout.write(f"Tried {tried} emails still due.")
