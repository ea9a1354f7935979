"""An editor's save is never overwritten by an older autosave of the same form still on the
server (Wagtail 8 autosaves while the editor types), and a save stuck behind a hung one gets
a clear refusal instead of waiting for ever."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import BlogPage
from config import admin_saves
from tests.factories import ProductFactory


def edit_form(post, title: str) -> dict:
    latest = post.get_latest_revision()
    return nested_form_data(
        {
            "title": title,
            "slug": post.slug,
            "date": "2026-11-20",
            "author": post.author,
            "intro": post.intro,
            "tags": "",
            "cover_image": "",
            "body": streamfield([("paragraph", rich_text("<p>Words.</p>"))]),
            "comments": inline_formset([]),
            "loaded_revision_id": latest.pk if latest else "",
            "loaded_revision_created_at": latest.created_at.isoformat() if latest else "",
        }
    )


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_autosave_of_an_older_form_never_overwrites_the_editors_save(
    make_post, admin_user, monkeypatch
):
    post = make_post(title="Before")
    post.save_revision()
    url = reverse("wagtailadmin_pages:edit", args=[post.pk])
    half_typed, finished = edit_form(post, "Half-typ"), edit_form(post, "Half-typed, now finished")
    responses = {}
    autosave_in_save, let_autosave_finish = threading.Event(), threading.Event()

    def slow_validation(page, *args, **kwargs):
        """Hold the autosave after Wagtail's "is this out of date?" check, while its form is
        validated (as on a busy server), and let the editor press Save draft meanwhile."""
        if threading.current_thread().name == "autosave":
            autosave_in_save.set()
            let_autosave_finish.wait(timeout=30)
        return full_clean(page, *args, **kwargs)

    def post_form(name, data, headers):
        try:
            responses[name] = signed_in_client(admin_user).post(url, data, headers=headers)
        finally:
            connection.close()

    full_clean = BlogPage.full_clean
    monkeypatch.setattr(BlogPage, "full_clean", slow_validation)
    autosave = threading.Thread(
        target=post_form,
        name="autosave",
        args=("autosave", half_typed, {"Accept": "application/json"}),
    )
    save = threading.Thread(target=post_form, name="save", args=("save", finished, {}))
    try:
        autosave.start()
        assert autosave_in_save.wait(timeout=30)
        save.start()
        deadline = time.monotonic() + 30
        while save.is_alive() and not _a_save_waits() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        let_autosave_finish.set()
        autosave.join(timeout=60)
        save.join(timeout=60)

    assert responses["autosave"].json()["success"]
    assert responses["save"].status_code == 302
    post.refresh_from_db()
    assert post.get_latest_revision_as_object().title == "Half-typed, now finished"


def _a_save_waits() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_stuck_behind_a_hung_one_is_refused_with_a_reason(
    make_post, admin_user, monkeypatch
):
    post = make_post(title="Before")
    url = reverse("wagtailadmin_pages:edit", args=[post.pk])
    key = f"wagtailadmin_pages:{post.pk}"
    monkeypatch.setattr(admin_saves, "WAIT_SECONDS", 1)
    held, release = threading.Event(), threading.Event()

    def hung_save():
        try:
            with admin_saves.one_save_at_a_time(key):
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    hung = threading.Thread(target=hung_save)
    hung.start()
    try:
        assert held.wait(timeout=30)
        response = signed_in_client(admin_user).post(url, edit_form(post, "After"))
    finally:
        release.set()
        hung.join(timeout=30)

    assert response.status_code == 409
    assert "Another save of this item is still running" in response.content.decode()
    post.refresh_from_db()
    assert post.title == "Before"


@pytest.mark.django_db
def test_only_signed_in_posts_to_a_page_or_snippet_edit_view_wait_their_turn(
    rf, make_post, admin_user
):
    from django.contrib.auth.models import AnonymousUser

    post, product = make_post(), ProductFactory()
    page_edit = reverse("wagtailadmin_pages:edit", args=[post.pk])
    product_edit = reverse("wagtailsnippets_shop_product:edit", args=[product.pk])

    def request(method, path, user=admin_user):
        made = getattr(rf, method)(path)
        made.user = user
        return made

    assert admin_saves.edited_object(request("post", page_edit)) == (
        f"wagtailadmin_pages:{post.pk}"
    )
    assert admin_saves.edited_object(request("post", product_edit)) == (
        f"wagtailsnippets_shop_product:{product.pk}"
    )
    assert admin_saves.edited_object(request("get", page_edit)) is None
    assert admin_saves.edited_object(request("post", page_edit, AnonymousUser())) is None
    assert admin_saves.edited_object(request("post", post.url)) is None
