"""What the shop says about itself: in every email, its logo, where buyers write to, its postal
address (a distance seller must give one) and its returns and privacy pages; on the shop and
product pages, a line each on delivery and returns; at the basket's checkout and on the
Pre-Order Form, links to its terms, delivery and returns, and privacy pages (a UK distance
seller must give them before the buyer pays)."""

from __future__ import annotations

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


@register_setting(icon="mail")
class ShopDetails(BaseSiteSetting):
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown at the top of every email, 48 pixels high. Without one, the site name.",
    )
    contact_email = models.EmailField(
        blank=True,
        help_text="Buyers' replies to shop emails go here, and every email shows it. "
        "Empty: the address emails are sent from.",
    )
    postal_address = models.TextField(
        blank=True, help_text="The shop's postal address, one line per line, for email footers."
    )
    terms_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Your terms of sale.",
    )
    returns_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Delivery times and costs, returns, and the 14-day right to cancel.",
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="What you keep about buyers, why, and who else sees it (Stripe, the post).",
    )
    vat_number = models.CharField(
        "VAT number",
        max_length=20,
        blank=True,
        help_text="Your VAT registration number, e.g. GB123456789. Empty if you are not "
        "VAT-registered (below the threshold): then no VAT is recorded or shown anywhere.",
    )
    delivery_note = models.CharField(
        max_length=160,
        blank=True,
        help_text="One line on the shop and product pages, e.g. “Posted within two working "
        "days; UK delivery from £2.95.” Empty: not shown.",
    )
    returns_note = models.CharField(
        max_length=160,
        blank=True,
        help_text="One line beside it, e.g. “Not right? Send it back within 30 days.” "
        "It links to the returns page above when there is one.",
    )

    panels = [
        FieldPanel("logo"),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("postal_address")], heading="Contact"
        ),
        MultiFieldPanel(
            [FieldPanel("terms_page"), FieldPanel("returns_page"), FieldPanel("privacy_page")],
            heading="Legal pages",
            help_text="Linked before paying (the basket and the Pre-Order Form); the returns "
            "and privacy pages also from every email.",
        ),
        FieldPanel("vat_number"),
        MultiFieldPanel(
            [FieldPanel("delivery_note"), FieldPanel("returns_note")],
            heading="On the shop and product pages",
        ),
    ]

    class Meta:
        verbose_name = "shop details"
        verbose_name_plural = "shop details"

    def prepare_for_cache(self) -> ShopDetails:
        """The legal pages' addresses are resolved now, so the cached copy the shop pages read
        (cms.sitedata) costs no query. A page that is not live is left out."""
        page = self.returns_page
        shown = page is not None and page.live
        self.returns_url, self.returns_title = (page.url, page.title) if shown else ("", "")
        self.legal_links = [
            (page.title, page.url)
            for page in (self.terms_page, self.returns_page, self.privacy_page)
            if page is not None and page.live
        ]
        return self
