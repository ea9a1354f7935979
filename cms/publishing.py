"""What an editor's change retires from the page cache: the pages that show it, not every page.

A page that is published or unpublished shows on its own address and on the listings (home,
blog index, tag and archive pages carry `LISTINGS`); a post also shows in its neighbours'
previous and next links, and in the related posts of the posts sharing its tags (those are
ranked again, and their pages retired, by cms.related). A post's old neighbours, when its date
changes or it goes offline, are found before the change is saved; its new ones after. So
publishing one post leaves every other post and every product page cached.

A page linked from a menu shows on every page, and a changed address (a new slug, a move, a
deleted page) can break links anywhere: those retire every page (`SITE`).
"""

from __future__ import annotations

from collections.abc import Iterable

from wagtail.models import Page

from cms import pagecache


def addresses(pages: Iterable[Page | None]) -> list[str]:
    """Where each page is served on its site (pages outside any site have no address)."""
    found = []
    for page in pages:
        parts = page.get_url_parts() if page is not None else None
        if parts:
            found.append(parts[2])
    return found


def linked_from_a_menu(page: Page) -> bool:
    from cms.models import NavigationSettings

    return any(page.pk in menus.linked_page_ids() for menus in NavigationSettings.objects.all())


def retire_pages_showing(page: Page) -> None:
    """Retire the cached pages that show `page` as it is now (after its change is saved)."""
    from cms.models import BlogPage

    if linked_from_a_menu(page):
        pagecache.invalidate(pagecache.SITE)
        return
    shown_on = [page, *page.neighbours()] if isinstance(page, BlogPage) else [page]
    pagecache.invalidate(pagecache.LISTINGS)
    pagecache.retire_addresses(addresses(shown_on))


def when_published_or_unpublished(sender, instance, **kwargs) -> None:
    retire_pages_showing(instance)


def when_address_changed(sender, **kwargs) -> None:
    pagecache.invalidate(pagecache.SITE)


def before_post_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """A live post that moves in time or goes offline leaves a gap between its neighbours,
    whose previous and next links named it: retire their pages, found as they are before the
    save. (Saving a draft writes neither the date nor `live`: nothing to do.)"""
    from cms.models import BlogPage

    writes_its_place = update_fields is None or {"live", "date"} & set(update_fields)
    if instance.pk is None or not writes_its_place:
        return
    before = BlogPage.objects.filter(pk=instance.pk, live=True).only("date", "path", "depth")
    before = before.first()
    if before is not None and (before.date != instance.date or not instance.live):
        pagecache.retire_addresses(addresses(before.neighbours()))


def connect() -> None:
    from django.db.models.signals import post_delete, pre_save
    from wagtail.signals import (
        page_published,
        page_slug_changed,
        page_unpublished,
        post_page_move,
    )

    from cms.models import BlogPage

    for signal in (page_published, page_unpublished):
        signal.connect(
            when_published_or_unpublished, weak=False, dispatch_uid=f"quire-publishing-{id(signal)}"
        )
    for signal in (page_slug_changed, post_page_move):
        signal.connect(when_address_changed, weak=False, dispatch_uid=f"quire-moved-{id(signal)}")
    post_delete.connect(
        when_address_changed, sender=Page, weak=False, dispatch_uid="quire-publishing-delete"
    )
    pre_save.connect(before_post_saved, sender=BlogPage, dispatch_uid="quire-publishing-date")
