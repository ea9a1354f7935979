"""Fields as staff fill them in the admin: money in pounds and pence (integer pence in the
database), countries as tick boxes (a list of codes)."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import capfirst

from shop.money import DEFAULT_CURRENCY, AmountError, decimal_amount, format_money, parse_amount


class MoneyFormField(forms.Field):
    """Reads "18.50", "18", "£18.50" or "1,234.50" into minor units (1850) and shows 1850 as
    "18.50", so editors never count pence. Every currency the shop sells in has two decimal
    places, so the default currency's rules serve them all."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, min_value=None, max_value=None, currency=DEFAULT_CURRENCY, **kwargs):
        self.currency = currency
        super().__init__(**kwargs)
        if min_value is not None:
            self.validators.append(
                MinValueValidator(
                    min_value, message=f"Enter at least {format_money(min_value, currency)}."
                )
            )
        if max_value is not None:
            self.validators.append(
                MaxValueValidator(
                    max_value, message=f"Enter at most {format_money(max_value, currency)}."
                )
            )

    def prepare_value(self, value):
        if isinstance(value, int):
            return decimal_amount(value, self.currency)
        return value  # what the editor typed, shown again with its error

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        try:
            return parse_amount(str(value), self.currency)
        except AmountError as error:
            raise forms.ValidationError(str(error), code="invalid") from error


class MoneyField(models.PositiveIntegerField):
    """An amount in integer minor units (1850 is £18.50), as Stripe counts it; its admin form
    field takes and shows pounds and pence."""

    def formfield(self, **kwargs):
        # The database's own limit, checked by the form so the message is in pounds.
        largest = min(
            (v.limit_value for v in self.validators if isinstance(v, MaxValueValidator)),
            default=None,
        )
        return super().formfield(**{"form_class": MoneyFormField, "max_value": largest, **kwargs})


class CountryListField(models.JSONField):
    """A list of country codes ("GB", "FR"), chosen in the admin with a tick box for each
    country the shop knows (shop.countries)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        from shop.countries import NAMES

        return forms.MultipleChoiceField(
            choices=sorted(NAMES.items(), key=lambda item: item[1]),
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
        )
