"""Every kind of email photographed at phone width by the script the README's pictures come
from (tests/email_screenshots.py, run by bin/email-screenshots): each fits a phone, shows its
pictures and asks for nothing but the site's own media, in light and dark mode."""

import pytest
from PIL import Image

from shop import emails
from shop.models import ShopDetails
from tests.email_screenshots import PHONE, photograph
from tests.factories import PreOrderProductFactory, ProductFactory, make_image

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(home):
    details = ShopDetails.for_site(home.get_site())
    details.logo = make_image("Logo", size=(300, 96))
    details.contact_email = "help@quire.example"
    details.save()
    ProductFactory(title="Tote bag", price=1200, cover_image=make_image("Tote"))
    ProductFactory(title="Songs from the Launch Night (CD)", price=999)
    PreOrderProductFactory(
        title="Dirty Old Town: a hundred years of ordinary buildings and their people",
        cover_image=make_image("Cover"),
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_kind_is_photographed_fitting_a_phone(catalogue, browser, tmp_path, dark):
    photographs = photograph(browser, tmp_path, dark=dark)

    assert [shot.kind for shot in photographs] == list(emails.EMAILS)
    for shot in photographs:
        assert not shot.overflows, shot.kind
        assert shot.broken_images == [] and shot.refused == [], shot.kind
        with Image.open(shot.path) as picture:
            assert picture.width == PHONE["width"], shot.kind
            assert picture.height > PHONE["height"] / 2, shot.kind
