"""Photographs of every kind of shop email as a phone shows it, for review and the README.

Each kind is built as the admin preview builds it (shop/email_demo.py), opened in Chromium at
phone width and saved as `<kind>.png` (and `<kind>-dark.png` in dark mode when asked). The
email's pictures are answered from MEDIA_ROOT by the browser itself; any other request is
refused, so a photograph also proves the email loads nothing from anywhere else.
`bin/email-screenshots` runs this on the demo site; tests/browser/test_email_screenshots.py
runs it on the test database.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

from shop import email_demo, emails

PHONE = {"width": 375, "height": 740}


@dataclass
class Photograph:
    kind: str
    path: Path
    overflows: bool  # wider than the phone: the reader would have to scroll sideways
    broken_images: list[str]
    refused: list[str] = field(default_factory=list)  # requests that left the site's media


def _answer_from_media(refused: list[str]):
    media = urlsplit(settings.QUIRE_SITE_URL.rstrip("/") + settings.MEDIA_URL)

    def answer(route):
        url = urlsplit(route.request.url)
        if url.scheme == "data":
            return route.continue_()
        if (url.scheme, url.netloc) == (media.scheme, media.netloc) and url.path.startswith(
            media.path
        ):
            file = Path(settings.MEDIA_ROOT) / unquote(url.path[len(media.path) :])
            if file.is_file():
                kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                return route.fulfill(body=file.read_bytes(), content_type=kind)
        refused.append(route.request.url)
        return route.abort()

    return answer


def photograph(
    browser, out_dir: Path, kinds: list[str] | None = None, *, dark: bool = False
) -> list[Photograph]:
    """Photograph each kind (all of them by default) at phone width into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, color_scheme="dark" if dark else "light"
    )
    photographs = []
    try:
        for kind in kinds or list(emails.EMAILS):
            row, about = email_demo.demo(kind)
            html = emails.message(kind, row, context=about).alternatives[0][0]
            page = context.new_page()
            refused: list[str] = []
            page.route("**/*", _answer_from_media(refused))
            page.set_content(html, wait_until="load")
            overflows = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            broken = page.evaluate(
                "[...document.images].filter(i => !i.complete || !i.naturalWidth).map(i => i.src)"
            )
            path = out_dir / f"{kind}{'-dark' if dark else ''}.png"
            page.screenshot(path=str(path), full_page=True)
            page.close()
            photographs.append(Photograph(kind, path, overflows, broken, refused))
    finally:
        context.close()
    return photographs
