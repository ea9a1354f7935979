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


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's row locks; on SQLite they are skipped (CI runs
    the suite a second time on PostgreSQL, where they run)."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
