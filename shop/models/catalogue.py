"""The catalogue: products, shown in the shop and featured in articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import dateformat
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    TitleFieldPanel,
)
from wagtail.fields import RichTextField
from wagtail.images.models import AbstractImage
from wagtail.models import Orderable
from wagtail.search import index

from cms import pagecache
from shop.fields import MoneyField
from shop.models.shipping import ShippingClass
from shop.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, format_money
from shop.vat import VatRate


@dataclass(frozen=True)
class ProductPicture:
    image: AbstractImage
    caption: str = ""


class PreOrderChargeMode(models.TextChoices):
    CHARGE_NOW = "charge_now", "Charge now (pay in full when pre-ordering)"
    CHARGE_ON_RELEASE = "on_release", "Save card now, charge on release"
    RESERVE = "reserve", "Reserve, pay later (a payment link is emailed on release)"

    def when_buyer_pays(self, amount: str, release_date: date | None) -> str:
        """When and how the buyer pays `amount`, in the words the form, the confirmation page
        and the confirmation email all use: written from the mode, so they cannot contradict
        what the shop will do."""
        planned = (
            f" (planned for {dateformat.format(release_date, 'j F Y')})" if release_date else ""
        )
        if self == PreOrderChargeMode.CHARGE_NOW:
            return (
                f"You pay {amount} now, with Stripe, as you place the pre-order. "
                "If you cancel before release, it is refunded in full."
            )
        if self == PreOrderChargeMode.CHARGE_ON_RELEASE:
            return (
                f"Your card is saved with Stripe now and charged {amount} on release{planned}. "
                "Nothing is charged before then, and cancelling is free until then."
            )
        return (
            f"Nothing is charged now and no card is needed. On release{planned} we email you "
            f"a link to pay {amount}. Cancelling is free until then."
        )


# What sales and pre-orders change; cached pages show them through `shop.live_figures`.
LIVE_FIELDS = frozenset({"stock", "preorder_reserved"})


class ProductQuerySet(models.QuerySet):
    def visible(self):
        """Products the public may see: everything but hidden ones."""
        return self.exclude(status=Product.Status.HIDDEN)

    def on_pre_order(self):
        """Products whose status is Pre-order: the campaigns the Pre-Order Form offers."""
        return self.filter(status=Product.Status.PRE_ORDER)

    def for_listing(self):
        return self.select_related("cover_image").prefetch_related("cover_image__renditions")

    def update_and_retire_pages(self, **changes) -> int:
        """Update what product pages show (status, release date) without saving models, and
        retire the cached pages that show it."""
        updated = self.update(**changes)
        pagecache.invalidate(pagecache.CATALOGUE)
        return updated

    def update_what_is_left(self, **changes) -> int:
        """Change stock or pre-order units reserved (an `F()` update, under the caller's row
        lock) without retiring any cached page: pages show these figures live, from
        `shop.live_figures`, so a sale on launch day leaves the page cache full."""
        if not changes.keys() <= LIVE_FIELDS:
            raise ValueError(f"Only {sorted(LIVE_FIELDS)} change without retiring pages.")
        from shop import back_in_stock, stock_alerts  # they send email about these models

        updated = self.update(**changes)
        if "stock" in changes:
            stock_alerts.stock_changed(self)
            back_in_stock.product_may_be_back(self)
        return updated


class ProductTitlePanel(TitleFieldPanel):
    """The title fills the slug while a product is being added, as for a new page. Once saved,
    its URL may be linked from posts and elsewhere, so a new title leaves the slug alone; the
    editor can still change the slug by hand. (Wagtail stops the fill only for a `live`
    instance, which products have no field for.)"""

    class BoundPanel(TitleFieldPanel.BoundPanel):
        def get_should_apply(self) -> bool:
            return not (self.instance and self.instance.pk)


class Product(index.Indexed, ClusterableModel):
    """Something the shop sells, such as the book "Dirty Old Town". A snippet, so articles can
    feature it; prices are integer minor units in the product's currency."""

    class Status(models.TextChoices):
        ON_SALE = "on_sale", "On sale"
        PRE_ORDER = "pre_order", "Pre-order"
        SOLD_OUT = "sold_out", "Sold out"
        HIDDEN = "hidden", "Hidden"

    class Format(models.TextChoices):
        BOOK = "book", "Book"
        RECORD = "record", "Record"
        CD = "cd", "CD"
        MERCH = "merch", "Merchandise"
        OTHER = "other", "Other"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    short_description = models.CharField(
        max_length=300, help_text="One or two sentences for listings and social cards."
    )
    description = RichTextField(blank=True, features=["bold", "italic", "link", "ol", "ul"])
    cover_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.BOOK)
    price = MoneyField(help_text="As shoppers read it, in pounds and pence: 12.99 for £12.99.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HIDDEN)
    stock = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Units left to sell. Leave empty for unlimited. A product with variants "
        "has the sum of theirs, worked out when it is saved.",
    )
    option_label = models.CharField(
        "variants are chosen by",
        max_length=40,
        default="Size",
        help_text="What buyers choose with its variants, e.g. “Size” or “Size and colour”.",
    )
    has_variants = models.BooleanField(default=False, editable=False)
    low_stock_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Email the shop once when sales bring the stock down to this many (with "
        "variants, each variant's). Empty: no alert.",
    )
    low_stock_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    per_order_limit = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Most units one order may contain.",
    )
    release_date = models.DateField(null=True, blank=True)
    shipping_class = models.CharField(
        max_length=10, choices=ShippingClass.choices, default=ShippingClass.SMALL
    )
    vat_rate = models.CharField(
        "VAT rate",
        max_length=10,
        choices=VatRate.choices,
        default=VatRate.STANDARD,
        help_text="The price includes VAT at this rate. Used only when the shop has a VAT "
        "number (Settings → Shop details).",
    )
    preorder_cap = models.PositiveIntegerField(
        "pre-order cap",
        null=True,
        blank=True,
        help_text="Most units pre-orders may take in all, e.g. 300. Empty means no cap.",
    )
    preorder_per_buyer_limit = models.PositiveSmallIntegerField(
        "per-buyer limit", default=5, validators=[MinValueValidator(1)]
    )
    preorder_charge_mode = models.CharField(
        "when buyers pay",
        max_length=20,
        choices=PreOrderChargeMode.choices,
        default=PreOrderChargeMode.CHARGE_NOW,
    )
    preorder_open = models.BooleanField(
        "pre-orders open",
        default=True,
        help_text="Untick to close the campaign: the form then accepts nothing more.",
    )
    preorder_reserved = models.PositiveIntegerField(
        default=0, editable=False, help_text="Units held by live pre-orders."
    )
    released_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the pre-order campaign was released from its campaign page.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    panels = [
        ProductTitlePanel("title", targets=["slug"]),
        FieldPanel("slug"),
        FieldPanel("short_description"),
        FieldPanel("description"),
        FieldPanel("cover_image"),
        InlinePanel("gallery_images", label="Gallery"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("price"), FieldPanel("currency")]),
                FieldRowPanel([FieldPanel("status"), FieldPanel("release_date")]),
                FieldRowPanel(
                    [
                        FieldPanel("stock"),
                        FieldPanel("low_stock_threshold"),
                        FieldPanel("per_order_limit"),
                    ]
                ),
                FieldRowPanel(
                    [FieldPanel("format"), FieldPanel("shipping_class"), FieldPanel("vat_rate")]
                ),
            ],
            "Selling",
        ),
        MultiFieldPanel(
            [
                FieldPanel("option_label"),
                InlinePanel("variants", label="Variant"),
            ],
            "Variants (sizes, colours): each with its own stock, SKU and, if it differs, price",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("preorder_cap"), FieldPanel("preorder_per_buyer_limit")]),
                FieldRowPanel([FieldPanel("preorder_charge_mode"), FieldPanel("preorder_open")]),
            ],
            "Pre-order campaign (when the status is Pre-order)",
        ),
    ]

    search_fields = [
        index.SearchField("title"),
        index.SearchField("short_description"),
        index.SearchField("description"),
        index.RelatedFields("variants", [index.SearchField("name")]),
        index.AutocompleteField("title"),
        index.FilterField("status"),
    ]

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(per_order_limit__gte=1), name="product_per_order_limit_positive"
            ),
            # The last line of defence for "never oversold": the database itself refuses a
            # campaign holding more units than its cap.
            models.CheckConstraint(
                condition=models.Q(preorder_cap__isnull=True)
                | models.Q(preorder_reserved__lte=models.F("preorder_cap")),
                name="product_preorders_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # With variants, what is left is theirs: the product's stock is their sum (unlimited if
        # any is), so listings, live figures and alerts read one number, and checkout keeps it
        # in step when it takes a variant's units under the product's row lock. Worked out on
        # a whole save (the admin's), never on a save of a few fields, which must not write a
        # stock read outside that lock.
        variants = []
        if kwargs.get("update_fields") is None:
            variants = list(self.variants.all())
            self.has_variants = bool(variants)
        if variants:
            stocks = [variant.stock for variant in variants]
            self.stock = None if None in stocks else sum(stocks)
        # Restocked above the threshold (or the alert turned off): the next fall alerts again.
        threshold, stock = self.low_stock_threshold, self.stock
        if threshold is None or stock is None or (isinstance(stock, int) and stock > threshold):
            self.low_stock_alerted_at = None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "low_stock_alerted_at"}
        super().save(*args, **kwargs)
        if variants:
            # The search index was written as the product row was saved, before its variants
            # were: write it again so their names (a colour, a size) find it.
            index.insert_or_update_object(self)
        from shop import back_in_stock

        back_in_stock.product_may_be_back(Product.objects.filter(pk=self.pk))

    def clean(self):
        super().clean()
        if self.preorder_cap is not None and self.preorder_cap < self.preorder_reserved:
            raise ValidationError(
                {
                    "preorder_cap": f"{self.preorder_reserved} units are already pre-ordered; "
                    "the cap cannot be lower than that."
                }
            )
        self._refuse_campaign_changes_buyers_would_not_hear_of()

    def _refuse_campaign_changes_buyers_would_not_hear_of(self) -> None:
        """While buyers wait for this product, its status and release date change only on its
        campaign page, where releasing charges or asks them to pay and a new date is emailed."""
        if self.pk is None or self.released_at is not None:
            return
        saved = Product.objects.filter(pk=self.pk).values("status", "release_date").first()
        if saved is None or saved["status"] != self.Status.PRE_ORDER:
            return
        waiting = self.waiting_preorders().count()
        if not waiting:
            return
        buyers = f"{waiting} buyer{'s are' if waiting != 1 else ' is'} waiting for this product"
        errors = {}
        if self.status != self.Status.PRE_ORDER:
            errors["status"] = (
                f"{buyers}. Release it from its campaign page instead: that charges or asks "
                "them to pay, and puts it on sale."
            )
        if self.release_date != saved["release_date"]:
            errors["release_date"] = (
                f"{buyers}. Change the date on its campaign page instead, so they are told."
            )
        if errors:
            raise ValidationError(errors)

    def waiting_preorders(self):
        """Pre-orders of this product still to be charged, paid or shipped."""
        from shop.models.preorders import PreOrder

        return self.preorders.filter(status__in=PreOrder.HOLDS_UNITS - {PreOrder.Status.SHIPPED})

    def get_absolute_url(self) -> str:
        return reverse("shop:product", kwargs={"slug": self.slug})

    @property
    def price_includes_vat(self) -> bool:
        """Whether its price has VAT in it (when the shop is VAT-registered): not for a
        zero-rated or exempt product, whose price is all the seller's."""
        return self.vat_rate in (VatRate.STANDARD, VatRate.REDUCED)

    @property
    def is_sold_out(self) -> bool:
        return self.status == self.Status.SOLD_OUT or self.stock == 0

    @property
    def may_come_back(self) -> bool:
        """Sold out, or on sale with stock that can run out: a shopper may ask to be told when
        it can be bought again (pre-orders and hidden products have nothing to wait for)."""
        return self.status == self.Status.SOLD_OUT or (
            self.status == self.Status.ON_SALE and self.stock is not None
        )

    @property
    def is_on_offer(self) -> bool:
        """On sale, or on pre-order with its campaign open: whether it can be had now depends
        only on what is left, which every sale changes and pages show live."""
        if self.status == self.Status.PRE_ORDER:
            return self.preorder_open
        return self.status == self.Status.ON_SALE

    @property
    def can_be_added_to_basket(self) -> bool:
        """On sale and in stock, or on pre-order with units left: one basket takes both."""
        if self.status == self.Status.PRE_ORDER:
            return self.accepts_preorders
        return self.status == self.Status.ON_SALE and not self.is_sold_out

    @property
    def max_quantity(self) -> int:
        """The most one basket may hold: the per-order limit, or fewer if stock is short; for
        a pre-order, the per-buyer limit, or fewer if the campaign has fewer left."""
        if self.status == self.Status.PRE_ORDER:
            left = self.preorder_units_left
            limit = self.preorder_per_buyer_limit
            return limit if left is None else min(limit, left)
        if self.stock is None:
            return self.per_order_limit
        return min(self.per_order_limit, self.stock)

    @property
    def availability(self) -> str:
        """schema.org availability, as shown in product structured data."""
        if self.status == self.Status.PRE_ORDER:
            return "PreOrder" if self.accepts_preorders else "SoldOut"
        if self.is_sold_out or self.status == self.Status.HIDDEN:
            return "SoldOut"
        return "InStock"

    @property
    def availability_label(self) -> str:
        if self.status == self.Status.PRE_ORDER:
            if not self.accepts_preorders:
                return "Pre-orders closed"
            if self.preorder_units_left is not None:
                left, cap = self.preorder_units_left, self.preorder_cap
                return f"Available to pre-order: {left} of {cap} left"
            return "Available to pre-order"
        if self.is_sold_out:
            return "Sold out"
        if self.stock is not None and self.stock <= 5:
            return f"In stock: only {self.stock} left"
        return "In stock"

    @property
    def preorder_units_left(self) -> int | None:
        """Units the campaign can still take; None when it has no cap."""
        if self.preorder_cap is None:
            return None
        return max(0, self.preorder_cap - self.preorder_reserved)

    @property
    def accepts_preorders(self) -> bool:
        return (
            self.status == self.Status.PRE_ORDER
            and self.preorder_open
            and self.preorder_units_left != 0
        )

    @property
    def pictures(self) -> list[ProductPicture]:
        """What its page's gallery shows, in order: the cover, then the gallery pictures (read
        through `gallery_images`, so a prefetch of them serves this too)."""
        pictures = [ProductPicture(self.cover_image)] if self.cover_image else []
        return pictures + [
            ProductPicture(item.image, item.caption) for item in self.gallery_images.all()
        ]

    @property
    def display_price(self) -> str:
        return format_money(self.price, self.currency)

    @property
    def preorder_payment_terms(self) -> str:
        """When a buyer pre-ordering this pays, from the campaign's charge mode."""
        return PreOrderChargeMode(self.preorder_charge_mode).when_buyer_pays(
            f"{self.display_price} each plus delivery", self.release_date
        )


class ProductVariant(Orderable):
    """One way a product comes, such as a T-shirt in M, black: its own stock, SKU and, if it
    differs from the product's, price. Its units change only under the product's row lock
    (checkout, refunds), together with the product's stock, which is their sum."""

    product = ParentalKey(Product, related_name="variants", on_delete=models.CASCADE)
    name = models.CharField(max_length=100, help_text="As buyers choose it, e.g. “M, black”.")
    # Empty is NULL, not "": SKUs are unique when given, and the admin's formset checks that
    # across its rows (it cannot for a unique constraint with a condition).
    sku = models.CharField("SKU", max_length=64, blank=True, null=True, unique=True)
    price = MoneyField(null=True, blank=True, help_text="Empty: the product's price.")
    stock = models.PositiveIntegerField(
        null=True, blank=True, help_text="Units left. Empty: unlimited."
    )
    low_stock_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("sku")]),
        FieldRowPanel([FieldPanel("price"), FieldPanel("stock")]),
    ]

    def __str__(self) -> str:
        return f"{self.product.title} ({self.name})"

    def save(self, *args, **kwargs):
        # Restocked above the product's threshold (staff saving the product, which saves its
        # variants): the next fall alerts again. Checkout's updates never save, so never re-arm.
        threshold = self.product.low_stock_threshold
        if threshold is None or self.stock is None or self.stock > threshold:
            self.low_stock_alerted_at = None
        super().save(*args, **kwargs)

    @property
    def unit_price(self) -> int:
        return self.product.price if self.price is None else self.price

    @property
    def display_price(self) -> str:
        return format_money(self.unit_price, self.product.currency)

    @property
    def is_sold_out(self) -> bool:
        """None left to sell. (A product on pre-order counts its campaign's units instead:
        its variants' stock is what goes on sale on release.)"""
        return self.stock == 0 and self.product.status != Product.Status.PRE_ORDER

    @property
    def max_quantity(self) -> int:
        """The most one basket may hold of it: the product's per-order limit, or its stock;
        on pre-order, what the campaign allows."""
        if self.product.status == Product.Status.PRE_ORDER:
            return self.product.max_quantity
        if self.stock is None:
            return self.product.per_order_limit
        return min(self.product.per_order_limit, self.stock)


class ProductImage(Orderable):
    product = ParentalKey(Product, related_name="gallery_images", on_delete=models.CASCADE)
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]
