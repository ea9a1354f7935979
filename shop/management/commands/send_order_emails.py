from django.core.management.base import BaseCommand

from shop.emails import send_pending_emails


class Command(BaseCommand):
    help = "Send order emails that could not be sent before (e.g. while SMTP was down)."

    def handle(self, *args, **options):
        seen = send_pending_emails()
        self.stdout.write(f"Checked {seen} orders with emails outstanding.")
