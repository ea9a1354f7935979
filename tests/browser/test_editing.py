"""Editors in a real browser: every page type written with every block, saved as a draft,
reopened, previewed, published and found on the site; a published post with pictures edited
again and again. Page types and blocks are found in the code, so new ones are covered too."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect
from wagtail.models import Page, get_page_models

from cms.models import BlogPage
from tests.browser.admin_forms import AdminForm, content_fields

pytestmark = pytest.mark.browser

PASSWORD = "a-long-password"
# Fields whose words appear somewhere other than the page itself.
SHOWN_ELSEWHERE = {"PreOrderFormPage thank_you"}  # on the thank-you page after a pre-order


def quire_page_models():
    return [model for model in get_page_models() if model._meta.app_label in {"cms", "shop"}]


@pytest.fixture
def editor(demo_site, django_user_model):
    """Someone who writes and publishes pages (Wagtail's Moderators can publish)."""
    user = django_user_model.objects.create_user("writer", "writer@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def editor_page(editor, demo_site, browser):
    """A browser tab signed in to the admin as the editor."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(15_000)
    log_in(page, demo_site, editor.username)
    yield page
    page.wait_for_load_state("networkidle")  # no request left running into teardown
    page.close()


def on_the_page(texts: list[str]) -> list[str]:
    return [text for text in texts if not any(text.startswith(f) for f in SHOWN_ELSEWHERE)]


def log_in(page, base_url, username):
    page.goto(base_url + reverse("wagtailadmin_login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def where_to_write(model):
    """The admin URL that adds a `model` page under the first page allowed to hold it, or,
    for a type the site has as many of as it may (the home page), edits the one it has."""
    for parent in Page.objects.live().order_by("path").specific():
        if model.can_create_at(parent):
            app, name = model._meta.app_label, model._meta.model_name
            return reverse("wagtailadmin_pages:add", args=[app, name, parent.pk]), True
    existing = model.objects.first()
    return reverse("wagtailadmin_pages:edit", args=[existing.pk]), False


def saved(page, message: str):
    """The admin's confirmation, or the form's own complaints when there is none."""
    outcome = page.locator(".messages .success, .messages .error").first
    expect(outcome).to_be_visible()
    errors = [
        (field.get_attribute("data-contentpath"), field.locator(".error-message").all_inner_texts())
        for field in page.locator("[data-contentpath]:has(.error-message)").all()
    ]
    assert "success" in (outcome.get_attribute("class") or ""), (outcome.inner_text(), errors)
    expect(outcome).to_contain_text(message)


def save_draft(page):
    page.get_by_role("button", name="Save draft").click()
    saved(page, "")


def publish(page):
    page.locator("footer .w-dropdown__toggle").first.click()
    page.locator('button[name="action-publish"]').click()
    saved(page, "published")


def preview_shows(page, texts):
    """Open the preview panel beside the form and read what it draws."""
    page.get_by_role("button", name="Toggle preview").click()
    frame = page.frame_locator("#w-preview-iframe")  # swapped for a fresh one on each refresh
    for text in texts:
        # The panel renders the page in the admin's own request: slow on a loaded machine.
        expect(frame.locator("body")).to_contain_text(text, timeout=20_000)
    page.get_by_role("button", name="Toggle preview").click()


@pytest.mark.parametrize("model", quire_page_models(), ids=lambda model: model.__name__)
def test_editor_writes_saves_reopens_previews_and_publishes_every_page_type(
    demo_site, editor_page, model
):
    page = editor_page
    url, creating = where_to_write(model)
    title = f"Written in the admin: {model._meta.verbose_name}"
    form_class = model.get_edit_handler().get_form_class()

    page.goto(demo_site + url)
    page.locator("#id_title").fill("")
    page.locator("#id_title").press_sequentially(title)
    if creating:
        expect(page.locator("#id_slug")).not_to_have_value("")  # filled from the title
    form = AdminForm(page)
    filled = form.fill_fields(model, form_class, content_fields(model), model.__name__)
    save_draft(page)

    edit_url = page.url
    for _ in range(2):  # reopened twice: pictures, products and blocks all come back
        response = page.goto(edit_url)
        assert response.status == 200
        expect(page.locator("#id_title")).to_have_value(title)
        for stream, added in filled.blocks.items():
            count = int(page.locator(f"input[name={stream}-count]").input_value())
            assert count >= len(added)

    preview_shows(page, [title, *on_the_page(filled.texts)[:3]])
    publish(page)

    published = model.objects.get(title=title)
    response = page.goto(demo_site + published.url)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    body = page.locator("main")
    for text in on_the_page(filled.texts):
        expect(body).to_contain_text(text)
    if "product" in sum(filled.blocks.values(), []):
        expect(body.locator(".featured-product")).not_to_have_count(0)
    if "image" in sum(filled.blocks.values(), []):
        expect(body.locator("figure picture img")).not_to_have_count(0)

    if model is BlogPage:
        page.goto(demo_site + published.get_parent().url)
        expect(page.get_by_role("link", name=title)).to_be_visible()
        feed = page.goto(demo_site + "/feed/")
        assert title in feed.text()


def test_editor_edits_a_published_post_with_pictures_twice_in_a_row(demo_site, browser, editor):
    post = BlogPage.objects.get(slug="walking-the-canal-at-dawn")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(15_000)
    page.goto(demo_site + post.url)  # a reader's visit, before signing in, makes its sizes
    expect(page.locator(".post-body figure picture img")).to_have_count(1)
    log_in(page, demo_site, editor.username)

    for edition in ("second", "third"):
        response = page.goto(demo_site + reverse("wagtailadmin_pages:edit", args=[post.pk]))
        assert response.status == 200
        image_block = page.locator("[data-contentpath=image] .chooser__title")
        expect(image_block.first).to_have_text("Towpath in the mist")
        title = f"Walking the canal at dawn, {edition} edition"
        page.locator("#id_title").fill(title)
        publish(page)

        page.goto(demo_site + post.url)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.locator(".post-body figure picture img")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    page.close()


def test_every_block_in_the_picker_shows_a_preview(demo_site, editor_page):
    from cms.blocks import BodyBlock

    page = editor_page
    blog = Page.objects.get(slug="blog")
    page.goto(demo_site + reverse("wagtailadmin_pages:add", args=["cms", "blogpage", blog.pk]))
    page.locator("#body-root .c-sf-add-button").first.click()

    for block in BodyBlock().child_blocks.values():
        option = page.get_by_role("option", name=str(block.label), exact=True)
        page.locator(".w-combobox__option-row", has=option).get_by_role("button").click()
        preview = page.frame_locator("iframe[src*='block-preview']")
        expect(preview.locator(".wrap > *").first).to_be_visible()
        expect(page.get_by_text(str(block.meta.description), exact=True)).to_be_visible()


def test_editor_rewrites_a_posts_cover_description_in_the_image_library_and_readers_see_it(
    demo_site, browser, editor, tmp_path
):
    """The post as cached and its picture as each app process remembers it (cms.images) both
    follow an edit of the image itself, made where editors make it: Images in the admin."""
    post = BlogPage.objects.live().exclude(cover_image=None).order_by("pk").first()
    image = post.cover_image
    assert image.description  # what its alt text says
    reader = browser.new_page(viewport={"width": 1280, "height": 1000})
    reader.set_default_timeout(15_000)
    reader.goto(demo_site + post.url)
    cover = reader.locator("figure.cover picture img")
    expect(cover).to_have_attribute("alt", image.description)
    reader.goto(demo_site + post.url)  # now from the page cache; its picture is remembered

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(15_000)
    log_in(page, demo_site, editor.username)
    page.goto(demo_site + reverse("wagtailimages:edit", args=[image.pk]))
    page.get_by_label("Description").fill("The Echo folded beside a mug of tea at first light")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("updated")
    page.close()

    reader.goto(demo_site + post.url)
    expect(cover).to_have_attribute("alt", "The Echo folded beside a mug of tea at first light")
    expect(cover).to_have_js_property("complete", True)
    assert cover.evaluate("img => img.naturalWidth") > 0  # the remembered renditions still load
    reader.screenshot(path=tmp_path / "post-after-edit.png")
    reader.close()
