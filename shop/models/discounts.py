"""Discount codes: what a buyer types in the basket to pay less, as the shop set it up."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import dateformat, timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from shop.fields import MoneyField
from shop.money import format_money


def _uses_filter() -> models.Q:
    """The orders that count as a code's uses: all but those that ended unpaid, whose use is
    given back with their stock."""
    from shop.models import Order

    return ~models.Q(orders__status__in=Order.ENDED_UNPAID)


class DiscountCodeQuerySet(models.QuerySet):
    def with_uses(self):
        """Each code with its uses counted in the same query (`uses` then reads it), for
        listings of many codes."""
        return self.annotate(counted_uses=models.Count("orders", filter=_uses_filter()))


class DiscountCode(models.Model):
    """A code such as SUMMER10: a percentage or a fixed amount off the items in stock of one
    order (all of them, or only some products), between two dates, for at most so many
    orders. An order keeps the code and what it took off each line, so refunds and VAT stay
    right whatever later happens to the code."""

    class Kind(models.TextChoices):
        PERCENT = "percent", "Percentage off"
        AMOUNT = "amount", "Fixed amount off"

    code = models.CharField(
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9-]+$", "Use letters, digits and hyphens only, e.g. SUMMER10."
            )
        ],
        help_text="What buyers type, e.g. SUMMER10. Capital letters or not, it is the same code.",
    )
    note = models.CharField(
        max_length=200, blank=True, help_text="For staff only: who it is for, where it was given."
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    percent = models.PositiveSmallIntegerField(
        "percentage off",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="For a percentage off: 10 takes 10% off each item it applies to.",
    )
    amount = MoneyField(
        "amount off",
        null=True,
        blank=True,
        help_text="For a fixed amount off, in pounds: 5.00 takes £5 off the order (never more "
        "than the items it applies to cost).",
    )
    products = models.ManyToManyField(
        "shop.Product",
        blank=True,
        related_name="+",
        help_text="Only these products are discounted. Choose none for every item in stock.",
    )
    starts_at = models.DateTimeField(
        "valid from", null=True, blank=True, help_text="Empty: valid from now."
    )
    ends_at = models.DateTimeField("valid until", null=True, blank=True, help_text="Empty: no end.")
    usage_cap = models.PositiveIntegerField(
        "most orders",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="How many orders may use it in all, e.g. 100. Empty: no limit.",
    )
    active = models.BooleanField(
        default=True, help_text="Untick to stop the code at once; orders that used it keep it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DiscountCodeQuerySet.as_manager()

    panels = [
        FieldPanel("code"),
        FieldPanel("note"),
        MultiFieldPanel(
            [
                FieldPanel("kind", widget=forms.RadioSelect),
                FieldRowPanel([FieldPanel("percent"), FieldPanel("amount")]),
                FieldPanel("products", widget=forms.CheckboxSelectMultiple),
            ],
            heading="What it takes off",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("usage_cap"),
                FieldPanel("active"),
            ],
            heading="When and how often",
        ),
    ]

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="percent", percent__isnull=False)
                | models.Q(kind="amount", amount__isnull=False),
                name="discount_code_has_its_value",
            )
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.code = (self.code or "").strip().upper()
        errors = {}
        if self.kind == self.Kind.PERCENT and self.percent is None:
            errors["percent"] = "Give the percentage to take off."
        if self.kind == self.Kind.AMOUNT and not self.amount:
            errors["amount"] = "Give the amount to take off, in pounds."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The code must end after it starts."
        if self.code and DiscountCode.objects.filter(code=self.code).exclude(pk=self.pk).exists():
            errors["code"] = f"There is already a code {self.code}."
        if errors:
            raise ValidationError(errors)
        if self.kind == self.Kind.PERCENT:
            self.amount = None
        else:
            self.percent = None

    @property
    def value_display(self) -> str:
        """What it takes off, as staff and buyers read it: "10% off", "£5.00 off"."""
        if self.kind == self.Kind.PERCENT:
            return f"{self.percent}% off"
        return f"{format_money(self.amount or 0)} off"

    def uses(self) -> int:
        """Orders that have used the code: every one but those that ended unpaid, whose
        use is given back with their stock (counted by `with_uses` when listed)."""
        if hasattr(self, "counted_uses"):
            return self.counted_uses
        from shop.models import Order

        return (
            Order.objects.filter(discount_code=self).exclude(status__in=Order.ENDED_UNPAID).count()
        )

    def uses_display(self) -> str:
        used = self.uses()
        return f"{used} of {self.usage_cap}" if self.usage_cap else str(used)

    def why_not_usable(self, now=None) -> str:
        """Why a buyer cannot use the code now, in words for the basket, or "" if they can.
        The cap is checked again under a lock when the order is made
        (`shop.discounts.claim`); this is what the basket says before then."""
        now = now or timezone.now()
        if not self.active:
            return f"The code {self.code} is no longer valid."
        if self.starts_at and now < self.starts_at:
            when = dateformat.format(timezone.localtime(self.starts_at), "j F Y, H:i")
            return f"The code {self.code} can be used from {when}."
        if self.ends_at and now >= self.ends_at:
            when = dateformat.format(timezone.localtime(self.ends_at), "j F Y")
            return f"The code {self.code} ended on {when}."
        if self.usage_cap is not None and self.uses() >= self.usage_cap:
            return f"The code {self.code} has been used as many times as it can be."
        return ""
