"""The Pre-Order Form, rendered with django-crispy-forms."""

import secrets

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core import signing

from shop.addresses import UK_POSTCODE_COUNTRIES, uk_postcode
from shop.countries import shippable_countries
from shop.models import Product, ProductVariant

FORM_TOKEN_SALT = "quire.preorder-form"
FORM_TOKEN_MAX_AGE = 24 * 3600


def check_postcode(form: forms.Form, cleaned: dict) -> None:
    """A UK postcode (and the Channel Islands' and the Isle of Man's) must have the shape of
    one, and is stored as Royal Mail writes it; other countries' are taken as typed."""
    postcode, country = cleaned.get("postcode"), cleaned.get("country")
    if not postcode or country not in UK_POSTCODE_COUNTRIES:
        return
    written = uk_postcode(postcode)
    if written is None:
        form.add_error("postcode", "Please enter a full UK postcode, such as M5 4WT.")
    else:
        cleaned["postcode"] = written


def new_form_token() -> str:
    """A one-time token for one rendering of the form, signed so it can't be made up and
    dated so an old tab is asked to submit again."""
    return signing.TimestampSigner(salt=FORM_TOKEN_SALT).sign(secrets.token_urlsafe(16))


class PreOrderForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(), empty_label=None, label="What would you like?"
    )
    variant = forms.ModelChoiceField(
        queryset=ProductVariant.objects.none(), required=False, empty_label="Choose…"
    )
    quantity = forms.IntegerField(min_value=1, initial=1, label="How many?")
    name = forms.CharField(
        max_length=200, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    address_line1 = forms.CharField(
        max_length=200,
        label="Address",
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        max_length=200,
        required=False,
        label="Address line 2 (optional)",
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        max_length=100,
        label="Town or city",
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postcode = forms.CharField(
        max_length=20,
        label="Postcode",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = forms.ChoiceField(choices=shippable_countries, initial="GB")
    note = forms.CharField(
        required=False,
        max_length=500,
        label="A note for us (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label="I have read the terms above and agree to pay as stated for what I pre-order.",
        error_messages={"required": "Please tick to agree to the terms before pre-ordering."},
    )
    # A field people never see or fill in; bots filling every field give themselves away.
    website = forms.CharField(required=False, label="Leave this empty")
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, products, must_choose=False, **kwargs):
        """`must_choose`: nothing is chosen for the buyer, even when one product is offered."""
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        if not self.is_bound:
            self.initial["form_token"] = new_form_token()
        if must_choose:
            self.fields["product"].empty_label = "Choose what to pre-order"
        elif len(products) == 1:
            self.fields["product"].widget = forms.HiddenInput()
            self.initial.setdefault("product", products[0].pk)
        choosing = self._offer_variants(products)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_class = "shop-form preorder-form"
        self.helper.layout = Layout(
            Fieldset(
                "Your pre-order",
                "product",
                *choosing,
                Field("quantity", css_class="quantity-input"),
            ),
            Fieldset(
                "Where we send it",
                "name",
                "email",
                "address_line1",
                "address_line2",
                "city",
                "postcode",
                "country",
                "note",
            ),
            Div(
                Field("website", autocomplete="off", tabindex="-1"),
                css_class="honeypot",
                aria_hidden="true",
            ),
            "form_token",
            "consent",
            Submit("submit", "Place my pre-order", css_class="button"),
        )

    def _offer_variants(self, products) -> list[str]:
        """The variant choice, when some product offered has variants (a select that works
        without JavaScript; with several products, each option names its product)."""
        with_variants = [product for product in products if product.has_variants]
        if not with_variants:
            del self.fields["variant"]
            return []
        field = self.fields["variant"]
        field.queryset = ProductVariant.objects.filter(product__in=with_variants).select_related(
            "product"
        )
        if len(products) == 1:
            field.label = with_variants[0].option_label
            field.label_from_instance = lambda v: f"{v.name}: {v.display_price}"
        else:
            field.label = "Size or colour (for a product that comes in several)"
            field.label_from_instance = lambda v: f"{v.product.title}, {v.name}: {v.display_price}"
        return ["variant"]

    def _check_variant(self, cleaned: dict) -> None:
        """A product with variants needs one of its own chosen; any other, none."""
        product, variant = cleaned.get("product"), cleaned.get("variant")
        if product is None or "variant" not in self.fields:
            return
        if not product.has_variants:
            cleaned["variant"] = None
        elif variant is None:
            self.add_error("variant", f"Please choose the {product.option_label.lower()}.")
        elif variant.product_id != product.pk:
            self.add_error("variant", f"Please choose one of “{product.title}”’s.")

    def visible_field_name(self, name: str | None) -> str | None:
        """`name` if that field is shown, else None, so its errors appear on the form."""
        field = self.fields.get(name) if name else None
        return name if field is not None and not field.widget.is_hidden else None

    def clean(self):
        cleaned = super().clean()
        check_postcode(self, cleaned)
        self._check_variant(cleaned)
        if self.has_error("product") and isinstance(
            self.fields["product"].widget, forms.HiddenInput
        ):
            self.add_error(None, "Sorry, that product is not available to pre-order.")
        # Both problems are with hidden fields, so they are reported for the whole form.
        if cleaned.get("website"):
            raise forms.ValidationError(
                "This looked like an automated submission, so it was not accepted. "
                "If you are a person, please try again."
            )
        token = cleaned.get("form_token", "")
        try:
            signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign(token, max_age=FORM_TOKEN_MAX_AGE)
        except signing.BadSignature as exc:
            self.data = self.data.copy()
            self.data["form_token"] = new_form_token()  # the resubmission gets a fresh one
            raise forms.ValidationError(
                "This form had expired. Please check your details and submit it again."
            ) from exc
        return cleaned

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class PreOrderAddressForm(forms.Form):
    """Where a pre-order goes; the buyer may change it until release."""

    name = PreOrderForm.base_fields["name"]
    address_line1 = PreOrderForm.base_fields["address_line1"]
    address_line2 = PreOrderForm.base_fields["address_line2"]
    city = PreOrderForm.base_fields["city"]
    postcode = PreOrderForm.base_fields["postcode"]
    country = PreOrderForm.base_fields["country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_class = "shop-form"
        self.helper.add_input(Submit("submit", "Save the new address", css_class="button"))

    def clean(self):
        cleaned = super().clean()
        check_postcode(self, cleaned)
        return cleaned


class BackInStockForm(forms.Form):
    """ "Email me when it's back": an address, confirmed from the email it is sent."""

    email = forms.EmailField(
        label="Your email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Please enter your email address.",
            "invalid": "Please enter a valid email address, like name@example.com.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_class = "shop-form"
        self.helper.add_input(Submit("submit", "Email me when it's back", css_class="button"))
