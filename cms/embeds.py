"""oEmbed lookups that can never break a page.

Wagtail's own embed block refuses to save, and renders an empty hole, when the provider cannot
be reached. A writer's post must still make sense then, so every embed here renders the
provider's player when we have it and a plain link to the video otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from wagtail.embeds import embeds
from wagtail.embeds.exceptions import EmbedException
from wagtail.embeds.models import Embed

logger = logging.getLogger(__name__)

_FAILURE_KEY = "quire:embed-failed:{}"


def prefetch_embeds(urls: Iterable[str]) -> dict[str, Embed]:
    """Fetch the stored embeds for many URLs in one query, keyed by URL."""
    hashes = {embeds.get_embed_hash(url): url for url in set(urls) if url}
    if not hashes:
        return {}
    found = Embed.objects.filter(hash__in=hashes.keys())
    return {hashes[embed.hash]: embed for embed in found if embed.html}


def find_embed(url: str) -> Embed | None:
    """Return the provider's embed for `url`, or None when it cannot be had right now.

    A failed lookup is remembered for QUIRE_EMBED_RETRY_SECONDS, so a provider that is down
    costs one slow request per URL and period, not one per page view.
    """
    failure_key = _FAILURE_KEY.format(embeds.get_embed_hash(url))
    if cache.get(failure_key):
        return None
    try:
        embed = embeds.get_embed(url)
    except EmbedException as exc:
        logger.info("No embed for %s: %s", url, exc)
        embed = None
    if embed is None or not embed.html:
        cache.set(failure_key, True, settings.QUIRE_EMBED_RETRY_SECONDS)
        return None
    return embed


class _FirstIframe(HTMLParser):
    def __init__(self):
        super().__init__()
        self.src = None

    def handle_starttag(self, tag, attrs):
        if tag == "iframe" and self.src is None:
            self.src = dict(attrs).get("src") or ""


def player_url(embed: Embed | None) -> str | None:
    """The address of the provider's player, when its oEmbed HTML is an iframe served from one
    of VIDEO_PLAYER_ORIGINS; None otherwise.

    The provider's HTML is never put on the page as it came: it is a third party's markup,
    stored and then served to every reader. The page builds its own iframe around this address
    instead, so a provider (or whoever answers in its name) can add nothing else.
    """
    if embed is None or not embed.html:
        return None
    parser = _FirstIframe()
    parser.feed(embed.html)
    parser.close()
    if not parser.src:
        return None
    address = urlsplit(parser.src)
    if f"{address.scheme}://{address.netloc}" not in settings.VIDEO_PLAYER_ORIGINS:
        return None
    return address.geturl()
