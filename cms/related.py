"""Related posts are decided when posts are published, not when they are read.

Publishing a post ranks its own related posts at once (one query, in the editor's request).
Its tags may also make it related to other posts, and unpublishing it leaves a gap in the lists
that named it: those posts, the ones sharing a tag with it, are ranked again by a background
task after the change commits, and the pages of those whose list changed or names the post are
retired.
A list naming a post that has since gone is simply shown without it meanwhile.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_tasks import task

from cms import pagecache, publishing


@task()
def decide_for_posts_sharing_tags(post_id: int) -> int:
    """Rank again the related posts of every post sharing a tag with `post_id`; how many
    lists changed."""
    from cms.models import BlogPage

    post = BlogPage.objects.filter(pk=post_id).first()
    if post is None:
        return 0
    tag_ids = list(post.tags.values_list("pk", flat=True))
    sharing = BlogPage.objects.live().filter(tags__in=tag_ids).exclude(pk=post_id).distinct()
    changed, showing_it = 0, []
    for other in sharing:
        if other.decide_related_posts():
            changed += 1
            showing_it.append(other)
        elif post_id in other.related_post_ids:  # its new title or cover shows there
            showing_it.append(other)
    pagecache.retire_addresses(publishing.addresses(showing_it))
    return changed


def when_published(sender, instance, **kwargs) -> None:
    instance.decide_related_posts()
    _decide_for_the_others(instance.pk)


def when_unpublished(sender, instance, **kwargs) -> None:
    _decide_for_the_others(instance.pk)


def _decide_for_the_others(post_id: int) -> None:
    transaction.on_commit(partial(decide_for_posts_sharing_tags.enqueue, post_id), robust=True)


def connect() -> None:
    from wagtail.signals import page_published, page_unpublished

    from cms.models import BlogPage

    page_published.connect(when_published, sender=BlogPage, dispatch_uid="quire-related-publish")
    page_unpublished.connect(
        when_unpublished, sender=BlogPage, dispatch_uid="quire-related-unpublish"
    )
