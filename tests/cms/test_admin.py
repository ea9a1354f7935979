"""Editors can create every page type in the Wagtail admin, only where it belongs."""

import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.blocks import BodyBlock
from cms.models import BlogIndexPage, BlogPage, HomePage, NavigationSettings, StandardPage
from shop.models import PreOrderFormPage
from tests.factories import make_image


def publish(client, model, parent, data):
    url = reverse(
        "wagtailadmin_pages:add", args=[model._meta.app_label, model._meta.model_name, parent.pk]
    )
    data = {**data, "action-publish": "action-publish"}
    response = client.post(url, nested_form_data(data))
    errors = (
        response.context["form"].errors if response.context and "form" in response.context else None
    )
    assert response.status_code == 302, errors
    return model.objects.get(slug=data["slug"])


def every_block(image):
    return streamfield(
        [
            ("heading", {"text": "A heading", "level": "h2"}),
            ("paragraph", rich_text("<p>Some words.</p>")),
            (
                "quote",
                {
                    "quote": rich_text("<p>Quoted.</p>"),
                    "attribution": "The Echo",
                    "source_title": "Report",
                    "source_url": "https://example.org/report",
                },
            ),
            (
                "image",
                {
                    "image": {"image": image.pk, "decorative": "", "alt_text": "Alt text"},
                    "caption": "A caption",
                },
            ),
            (
                "embed",
                {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "title": "", "caption": ""},
            ),
            ("separator", ""),
            ("callout", {"tone": "note", "title": "Note", "text": rich_text("<p>Careful.</p>")}),
        ]
    )


def test_editor_creates_a_post_with_every_block_even_when_oembed_is_unreachable(admin_client, blog):
    post = publish(
        admin_client,
        BlogPage,
        blog,
        {
            "title": "From the admin",
            "slug": "from-the-admin",
            "date": "2026-11-20",
            "author": "Ruth",
            "intro": "Made by an editor.",
            "tags": "Council, Canal",
            "body": every_block(make_image()),
        },
    )

    assert post.live
    assert [block.block_type for block in post.body] == [
        "heading",
        "paragraph",
        "quote",
        "image",
        "embed",
        "separator",
        "callout",
    ]
    assert sorted(tag.name for tag in post.tags.all()) == ["Canal", "Council"]
    assert admin_client.get(post.url).status_code == 200


def test_editor_creates_a_standard_page(admin_client, home):
    page = publish(
        admin_client,
        StandardPage,
        home,
        {"title": "Privacy", "slug": "privacy", "intro": "", "body": streamfield([])},
    )
    assert page.get_parent().specific == home


def test_editor_creates_a_blog_index(admin_client, home):
    page = publish(
        admin_client,
        BlogIndexPage,
        home,
        {"title": "Notes", "slug": "notes", "intro": rich_text("")},
    )
    assert page.get_parent().specific == home


def test_editor_creates_a_home_page_at_the_root(admin_client, db):
    HomePage.objects.all().delete()
    page = publish(
        admin_client,
        HomePage,
        Page.get_first_root_node(),
        {"title": "Home", "slug": "new-home", "intro": rich_text(""), "body": streamfield([])},
    )
    assert page.depth == 2


class PageTreeRules(WagtailPageTestCase):
    """Each page type can only be added where it makes sense in the tree."""

    def test_home_page_sits_at_the_root_and_holds_the_blog_and_plain_pages(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(HomePage, {BlogIndexPage, StandardPage, PreOrderFormPage})

    def test_posts_live_in_a_blog_and_have_no_children(self):
        self.assertAllowedParentPageTypes(BlogPage, {BlogIndexPage})
        self.assertAllowedSubpageTypes(BlogPage, set())
        self.assertAllowedSubpageTypes(BlogIndexPage, {BlogPage})

    def test_plain_pages_nest_under_home_or_each_other(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})


def test_editor_previews_an_unsaved_post(admin_client, blog):
    url = reverse("wagtailadmin_pages:preview_on_add", args=["cms", "blogpage", blog.pk])
    data = nested_form_data(
        {
            "title": "Preview me",
            "slug": "preview-me",
            "date": "2026-11-20",
            "intro": "Preview.",
            "tags": "",
            "body": streamfield([("paragraph", rich_text("<p>Draft words.</p>"))]),
        }
    )

    assert admin_client.post(url, data).json()["is_valid"]
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Draft words." in response.content.decode()


def test_editor_changes_the_navigation_in_site_settings(admin_client, home, blog):
    site = home.get_site()
    url = reverse("wagtailsettings:edit", args=["cms", "navigationsettings", site.pk])
    data = nested_form_data(
        {
            "header_links": streamfield(
                [
                    ("link", {"label": "", "page": blog.pk, "url": "", "show_basket_count": ""}),
                    (
                        "link",
                        {"label": "Shop", "page": "", "url": "/shop/", "show_basket_count": ""},
                    ),
                ]
            ),
            "footer_links": streamfield([]),
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    links = NavigationSettings.for_site(site).header_links
    assert [link.value.text for link in links] == ["Blog", "Shop"]


@pytest.mark.parametrize("name", list(BodyBlock.base_blocks))
def test_every_body_block_explains_itself_in_the_block_picker(name):
    block = BodyBlock.base_blocks[name]
    assert block.meta.description


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["heading", "paragraph", "quote", "separator", "callout"])
def test_block_preview_values_render(name):
    block = BodyBlock.base_blocks[name]
    assert block.render(block.get_preview_value()).strip()
