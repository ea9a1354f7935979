import pytest
from wagtail.models import Page, Site

from tests.factories import BlogIndexPageFactory, BlogPageFactory, HomePageFactory


@pytest.fixture
def home(db):
    """A site whose root is a HomePage, replacing Wagtail's initial placeholder page."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root)
    Site.objects.all().delete()
    Site.objects.create(
        hostname="testserver", port=80, root_page=home, is_default_site=True, site_name="Quire"
    )
    return home


@pytest.fixture
def blog(home):
    return BlogIndexPageFactory(parent=home)


@pytest.fixture
def make_post(blog):
    def make(**kwargs):
        kwargs.setdefault("parent", blog)
        return BlogPageFactory(**kwargs)

    return make
