"""Orders email their buyer while a delayed payment clears and when they end unpaid after the
buyer was told of them (shop/emails.py), and the receipt says when a payment cleared late.
Orders already processing or failed before then were never promised those emails: they are
recorded as sent, so the sweep does not write to buyers about the past. An order processing
now is marked as such, so its receipt, when it clears, says so."""

from django.db import migrations, models
from django.db.models import F


def record_what_buyers_were_told(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(status="processing").update(
        processing_at=F("updated_at"), processing_email_sent_at=F("updated_at")
    )
    Order.objects.filter(status="payment_failed").update(
        cancellation_email_sent_at=F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [("shop", "0020_shop_details")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="cancellation_email_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="order",
            name="cancelled_by_staff",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="order",
            name="processing_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="order",
            name="processing_email_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(record_what_buyers_were_told, migrations.RunPython.noop),
    ]
