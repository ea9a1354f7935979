import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD_FILE = Path(settings.BASE_DIR) / ".demo-admin-password"


class Command(BaseCommand):
    help = (
        "Make sure an admin login exists for the local demo and print how to sign in. "
        "The generated password is kept in .demo-admin-password (never committed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        users = get_user_model()
        user = users.objects.filter(username=username).first()
        password = PASSWORD_FILE.read_text().strip() if PASSWORD_FILE.exists() else ""
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user = users.objects.create_superuser(username, "admin@quire.localhost", password)
            PASSWORD_FILE.write_text(password + "\n")
            PASSWORD_FILE.chmod(0o600)
        login_url = f"{settings.WAGTAILADMIN_BASE_URL}/admin/"
        if password and user.check_password(password):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Sign in at {login_url} as '{username}' with password '{password}'."
                )
            )
        else:
            self.stdout.write(
                f"Sign in at {login_url} as '{username}' with the password you set "
                f"(forgotten it? run: .venv/bin/python manage.py changepassword {username})."
            )
