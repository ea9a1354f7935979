"""Fixtures the shop's VAT and discount tests share: two products at different VAT rates and
parcel sizes."""

import pytest

from shop.vat import VatRate
from tests.factories import ProductFactory


@pytest.fixture
def tote(home):
    """£12.00, standard-rated, a large parcel."""
    return ProductFactory(title="Tote", price=1200, stock=10, shipping_class="large")


@pytest.fixture
def book(home):
    """£16.99, zero-rated, a small parcel."""
    return ProductFactory(
        title="Book", price=1699, stock=10, shipping_class="small", vat_rate=VatRate.ZERO
    )
