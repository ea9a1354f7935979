"""Where the shop posts to and what it charges there, kept by staff in the admin.

A zone is a set of countries with one charge per order by the bulkiest item's parcel size, and
optionally free delivery from a goods total up; or it is collection in person, where buyers
fetch their order from the shop and no address is asked for. Baskets and orders name their zone
by its `code`, which never changes after the zone is created, so renaming a zone changes no
order.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from shop.fields import CountryListField, MoneyField
from shop.money import format_money


class ShippingClass(models.TextChoices):
    NONE = "none", "No shipping (digital or collected)"
    SMALL = "small", "Small parcel (book, CD)"
    LARGE = "large", "Large parcel (record, clothing)"


class ShippingZone(models.Model):
    name = models.CharField(
        max_length=60, help_text="As buyers see it in the basket, e.g. “Europe”."
    )
    code = models.SlugField(
        max_length=20,
        unique=True,
        editable=False,
        help_text="Made from the name when the zone is created; orders keep it.",
    )
    countries = CountryListField(
        blank=True, help_text="Buyers in these countries pay this zone's charges."
    )
    collection = models.BooleanField(
        "collection in person",
        default=False,
        help_text="Buyers collect their order from you: no address is asked for and nothing "
        "is posted. Leave the countries empty and the charges at 0.00 (or what you charge).",
    )
    collection_details = models.TextField(
        "where and when to collect",
        blank=True,
        help_text="Shown in the basket, on the order and in the receipt, e.g. “Quire Books, "
        "12 Chapel Street, Salford M3 5JZ; Monday to Friday, 10:00 to 16:00”.",
    )
    small_parcel_rate = MoneyField(
        "small parcel charge", help_text="Per order, when the bulkiest item is a book or CD."
    )
    large_parcel_rate = MoneyField(
        "large parcel charge",
        help_text="Per order, when any item is a large parcel (a record, clothing).",
    )
    free_over = MoneyField(
        "free delivery from",
        null=True,
        blank=True,
        help_text="Orders whose goods come to at least this much are delivered free here. "
        "Empty: never free.",
    )
    position = models.PositiveSmallIntegerField(
        default=0,
        help_text="Zones are listed in this order in the basket; the first is what a new "
        "basket assumes, so put your home country's zone first.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("countries"),
        MultiFieldPanel(
            [FieldPanel("collection"), FieldPanel("collection_details")],
            heading="Collection in person",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("small_parcel_rate"), FieldPanel("large_parcel_rate")]),
                FieldPanel("free_over"),
            ],
            heading="Delivery charges, in pounds",
        ),
        FieldPanel("position"),
    ]

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "delivery zone"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.code:
            self.code = self._unused_code()
        super().save(*args, **kwargs)

    def clean(self):
        """A country belongs to one zone at most, or its buyers' charge would be a guess. A
        collection zone says where to collect and covers no country (nothing is posted); any
        other zone covers at least one."""
        if self.collection and not self.collection_details.strip():
            raise ValidationError(
                {"collection_details": "Say where and when buyers collect their orders."}
            )
        if self.collection and self.countries:
            raise ValidationError(
                {
                    "countries": "Nothing is posted from a collection zone: "
                    "leave the countries unticked."
                }
            )
        if not self.collection and not self.countries:
            raise ValidationError({"countries": "Choose the countries this zone posts to."})
        others = ShippingZone.objects.exclude(pk=self.pk).only("name", "countries")
        taken = {code: zone.name for zone in others for code in zone.countries}
        clashes = [code for code in self.countries if code in taken]
        if clashes:
            from shop.countries import country_name

            raise ValidationError(
                {
                    "countries": [
                        f"{country_name(code)} is already in the zone “{taken[code]}”; "
                        "a country can be in one zone only."
                        for code in clashes
                    ]
                }
            )

    def countries_display(self) -> str:
        from shop.countries import country_name

        return ", ".join(country_name(code) for code in self.countries)

    def charges_display(self) -> str:
        """The charges in a line, as the listing and the delivery page show them."""
        charges = (
            f"small parcel {format_money(self.small_parcel_rate)}, "
            f"large parcel {format_money(self.large_parcel_rate)}"
        )
        if self.free_over is not None:
            charges += f"; free from {format_money(self.free_over)}"
        return charges

    def charge(self, bulkiest: str, goods_total: int) -> int:
        """What delivering an order costs here, in pence, given its bulkiest item's parcel
        size and what its goods come to."""
        if self.free_over is not None and goods_total >= self.free_over:
            return 0
        if bulkiest == ShippingClass.LARGE:
            return self.large_parcel_rate
        if bulkiest == ShippingClass.SMALL:
            return self.small_parcel_rate
        return 0

    def _unused_code(self) -> str:
        base = slugify(self.name)[:16].strip("-") or "zone"
        code, n = base, 1
        while ShippingZone.objects.filter(code=code).exists():
            n += 1
            code = f"{base}-{n}"
        return code
