"""The record of each request a buyer made about their data (UK GDPR articles 15 and 17): what
was exported or erased, when, and by which member of staff. The workflow lives in
shop/buyer_data.py.

The buyer is identified by a keyed hash of their email address, never the address itself: a
record of an erasure that kept the address would keep the very thing it erased. The hash still
answers "did you deal with my request?" when the same address asks again (staff type it, it is
hashed and compared), which is what the record is for. Rows are written once and never changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BuyerDataRequest(models.Model):
    class Action(models.TextChoices):
        EXPORT = "export", "Export"
        ERASURE = "erasure", "Erasure"
        ERASURE_REFUSED = "erasure_refused", "Erasure refused"

    email_hash = models.CharField(max_length=64, db_index=True, editable=False)
    action = models.CharField(max_length=20, choices=Action.choices, editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Kept as it was, so the record still says who acted once their account is deleted.
    handled_by_name = models.CharField("handled by", max_length=150, editable=False)
    created_at = models.DateTimeField("when", auto_now_add=True)
    counts = models.JSONField(
        default=dict, editable=False, help_text="How many of each kind of record, by what was done."
    )
    kept_references = models.JSONField(
        "kept, anonymised",
        default=list,
        editable=False,
        help_text="Orders and pre-orders kept for the accounts with the buyer's details removed.",
    )
    outcome = models.TextField(editable=False)

    class Meta:
        verbose_name = "buyer data request"
        ordering = ["-created_at", "-pk"]
        # Records are made by the workflow only: staff may see them, never add, change or delete.
        default_permissions = ("view",)
        permissions = [("handle_buyer_data", "Can export and erase a buyer's data")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} on {self.created_at:%-d %B %Y %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A buyer data request is a record: it is never changed.")
        super().save(*args, **kwargs)

    @property
    def counts_summary(self) -> str:
        return ", ".join(f"{what}: {n}" for what, n in self.counts.items() if n) or "nothing"
