"""What an order and a pre-order share: one state machine, a private link for the buyer, and
money in one currency.

A purchase's status changes only through `transition_to`, which refuses a move its
`TRANSITIONS` do not allow and carries the move's side effects (stock or pre-order units given
back, the payment recorded, emails queued). Nothing else assigns a status, so a late webhook, a
second worker or a staff click can never skip a side effect or move a purchase backwards.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from shop.money import format_money
from shop.payments import Outcome, Payment


class InvalidTransition(Exception):
    pass


class Purchase(models.Model):
    """Abstract: Order and PreOrder each declare their statuses, their `TRANSITIONS`, the status
    each payment outcome leads to, and what entering a status does (`entered`)."""

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {}
    STATUS_FOR_OUTCOME: ClassVar[dict[Outcome, str]] = {}
    ENDED_UNPAID: ClassVar[set[str]] = set()  # over without payment: nothing may be paid now

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def for_private_link(cls, reference: str, token: str):
        """The purchase whose private link this is, or None: a wrong token is
        indistinguishable from a reference that does not exist."""
        purchase = cls.objects.filter(reference=reference).first()
        if purchase is None or not constant_time_compare(purchase.access_token, token):
            return None
        return purchase

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def status_after(self, outcome: Outcome) -> str | None:
        """The status a payment outcome moves this purchase to, if it may make that move now."""
        status = self.STATUS_FOR_OUTCOME.get(outcome)
        return status if status is not None and self.can_become(status) else None

    def transition_to(
        self,
        status: str,
        *,
        payment: Payment | None = None,
        tracking_number: str = "",
        reason: str = "",
    ) -> None:
        """Move to `status` and do what entering it means, then save. Call inside a
        transaction holding this row's lock. `payment` carries what Stripe reported,
        `tracking_number` a shipment's, `reason` why a payment is needed again."""
        if not self.can_become(status):
            raise InvalidTransition(
                f"{self._meta.verbose_name.capitalize()} {self.reference} cannot go from "
                f"{self.get_status_display()} to {self.Status(status).label}."
            )
        previous, self.status = self.status, status
        now = timezone.now()
        if payment is not None:
            self.record_payment(payment)
        if status == self.Status.PAID:
            self.paid_at = now
        if tracking_number:
            self.tracking_number = tracking_number
        if status == self.Status.SHIPPED:
            self.shipped_at = now
        self.entered(status, previous, payment=payment, reason=reason)
        self.save()

    def record_payment(self, payment: Payment) -> None:
        if payment.intent:
            self.stripe_payment_intent_id = payment.intent

    def entered(self, status: str, previous: str, *, payment: Payment | None, reason: str) -> None:
        """The side effects of entering `status` from `previous` (the status is set already)."""
        raise NotImplementedError

    def money(self, amount: int) -> str:
        return format_money(amount, self.currency)

    @property
    def total_display(self) -> str:
        return self.money(self.total)
