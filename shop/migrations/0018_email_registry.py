"""The release-date email is now due for any waiting pre-order whose buyer was last told another
date (shop/emails.py), and a new pre-order records the date its buyer was shown. Pre-orders made
before that never recorded it: they are taken to know the current date, so the sweep does not
tell every one of them about a change that never happened."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def record_the_date_buyers_know(apps, schema_editor):
    PreOrder = apps.get_model("shop", "PreOrder")
    Product = apps.get_model("shop", "Product")
    current = Product.objects.filter(pk=OuterRef("product_id")).values("release_date")[:1]
    PreOrder.objects.filter(release_date_notified_for__isnull=True).update(
        release_date_notified_for=Subquery(current)
    )


class Migration(migrations.Migration):
    dependencies = [("shop", "0017_preorders_bought_in_a_basket")]

    operations = [migrations.RunPython(record_the_date_buyers_know, migrations.RunPython.noop)]
