""" "Share this" links built on the server: plain links, no third-party script or tracker."""

from dataclasses import dataclass
from urllib.parse import quote, urlencode


@dataclass(frozen=True)
class ShareLink:
    network: str
    label: str
    href: str


def _query(**params: str) -> str:
    return urlencode(params, quote_via=quote)


def share_links(url: str, title: str) -> list[ShareLink]:
    """Links that open each network's own share dialog with the post's URL and title."""
    return [
        ShareLink(
            "facebook",
            "Facebook",
            "https://www.facebook.com/sharer/sharer.php?" + _query(u=url),
        ),
        ShareLink("x", "X (Twitter)", "https://x.com/intent/tweet?" + _query(url=url, text=title)),
        ShareLink("whatsapp", "WhatsApp", "https://wa.me/?" + _query(text=f"{title} {url}")),
        ShareLink("email", "Email", "mailto:?" + _query(subject=title, body=url)),
    ]
