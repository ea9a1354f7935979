"""One save at a time for each page or snippet in the Wagtail admin.

Wagtail 8 autosaves the edit form in the background while the editor types. Its views check
that an autosave is not older than the page's latest revision, then save; the check and the
save are not atomic. So when the editor presses "Save draft" or "Publish" while an autosave
of an earlier state of the form is still on the server, the autosave can pass its check just
before the editor's save commits and then write its older content as the latest revision:
the note typed last, or the product just chosen, is gone when the page is reopened or
published (seen in the editor's browser journey under load).

This middleware makes every POST to one object's edit view wait for the one before it. The
later request then sees the earlier one's revision: an outdated autosave is refused by
Wagtail's own check ("Saving will overwrite a newer version"), and the editor's save always
lands last. On PostgreSQL the wait is a session advisory lock, so it holds across gunicorn
workers and servers; on SQLite (one development process) it is a lock in this process.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

WAIT_SECONDS = 30  # longer than any save takes; a request stuck behind a hung one gives up
EDIT_VIEW_NAMESPACES = ("wagtailadmin_pages", "wagtailsnippets_")


def edited_object(request: HttpRequest) -> str | None:
    """'namespace:id' when the request saves an object through a Wagtail edit view."""
    if request.method != "POST" or not request.user.is_authenticated:
        return None  # only signed-in editors can queue saves
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.url_name != "edit" or not match.namespace.startswith(EDIT_VIEW_NAMESPACES):
        return None
    object_id = match.kwargs.get("page_id") or match.kwargs.get("pk")
    return f"{match.namespace}:{object_id}" if object_id is not None else None


class SaveQueueTimeout(Exception):
    """Another save of the same object held it for longer than WAIT_SECONDS."""


_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


@contextmanager
def _process_lock(key: str) -> Iterator[None]:
    with _process_locks_guard:
        lock = _process_locks.setdefault(key, threading.Lock())
    if not lock.acquire(timeout=WAIT_SECONDS):
        raise SaveQueueTimeout(key)
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _advisory_lock(key: str) -> Iterator[None]:
    # Two 32-bit keys: one for this purpose, one for the object, as pg_advisory_lock(int, int).
    ids = [_int32(b"quire admin saves"), _int32(key.encode())]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # A session lock outlives this transaction; lock_timeout only bounds the wait.
            cursor.execute(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'")
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", ids)
    except OperationalError as error:
        raise SaveQueueTimeout(key) from error
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", ids)
        except DatabaseError:
            connection.close()  # a broken connection's session locks end with it


def _int32(data: bytes) -> int:
    value = zlib.crc32(data)
    return value - 2**32 if value >= 2**31 else value


def one_save_at_a_time(key: str):
    """The lock that queues saves of one object, for this database."""
    if connection.vendor == "postgresql":
        return _advisory_lock(key)
    return _process_lock(key)


class OneSaveAtATimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = edited_object(request)
        if key is None:
            return self.get_response(request)
        try:
            with one_save_at_a_time(key):
                return self.get_response(request)
        except SaveQueueTimeout:
            return HttpResponse(
                "Another save of this item is still running. Wait a moment and save again; "
                "nothing you typed has been lost from the form.",
                status=409,
                content_type="text/plain; charset=utf-8",
            )
