from django.core.management.base import BaseCommand

from cms.demo import load_demo_site


class Command(BaseCommand):
    help = "Build the demo site (home, blog, posts, About, navigation). Safe to run again."

    def handle(self, *args, **options):
        created = load_demo_site()
        if any(created.values()):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo site ready: {created['pages']} pages, {created['products']} products "
                    f"and {created['images']} images created."
                )
            )
        else:
            self.stdout.write("Demo site already loaded; nothing changed.")
