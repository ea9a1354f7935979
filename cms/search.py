"""Finding posts by the words a reader types.

On PostgreSQL (production) each post keeps its own search vector (`BlogPage.search_vector`:
title weighted A, summary B, body C, English stemming, so "walks" finds "walking"), written
whenever the post is saved and indexed with GIN. Matches come newest first, and at most
`RESULTS_COUNTED` of them are counted: for a common word PostgreSQL then reads the posts
newest first through the date index and stops after a page, and for a rare one it looks the
word up in the GIN index. Nothing ranks or counts every post containing a common word, which
is where Wagtail's database backend spent its time (bench/: 7 searches a second over 5,000
posts, p50 1.2 s).

On SQLite (a newcomer's machine) Wagtail's own backend (FTS5) does the work, as before.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet, Value
from django.utils.functional import cached_property

CONFIG = "english"
RESULTS_COUNTED = 200  # a reader narrows a search down long before page 20
WEIGHTS = (("title", "A"), ("intro", "B"), ("body", "C"))


def uses_stored_vectors() -> bool:
    return connection.vendor == "postgresql"


def text_of(post) -> dict[str, str]:
    """What each weight covers, as plain text: the body's words through the blocks' own
    `get_searchable_content` (Wagtail's public API), so a new block is searchable too."""
    body = post.body
    return {
        "title": post.title,
        "intro": post.intro,
        "body": " ".join(body.stream_block.get_searchable_content(body)),
    }


def refresh_vectors(posts) -> None:
    """Write the search vector of each post in `posts` (model instances) from its fields."""
    if not uses_stored_vectors():
        return
    from cms.models import BlogPage

    for post in posts:
        texts = text_of(post)
        vector = None
        for field, weight in WEIGHTS:
            part = SearchVector(Value(texts[field]), config=CONFIG, weight=weight)
            vector = part if vector is None else vector + part
        BlogPage.objects.filter(pk=post.pk).update(search_vector=vector)


def search_posts(posts: QuerySet, terms: str):
    """`posts` that contain every word of `terms` (already reduced to words), newest first on
    PostgreSQL (Wagtail's relevance order on SQLite), for `SearchPaginator` to page through."""
    if not uses_stored_vectors():
        return posts.search(terms)
    query = SearchQuery(terms, config=CONFIG, search_type="plain")
    return posts.filter(search_vector=query).order_by("-date", "-pk")


class SearchPaginator(Paginator):
    """Counts at most `RESULTS_COUNTED` matches of a query set: beyond them the results say
    "more than" and page through the newest that many."""

    @cached_property
    def _matches_counted(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        return self.object_list.values("pk")[: RESULTS_COUNTED + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._matches_counted, RESULTS_COUNTED)

    @cached_property
    def more_than_counted(self) -> bool:
        return self._matches_counted > RESULTS_COUNTED
