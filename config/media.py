"""Uploaded pictures served by the app itself, for a one-server site without a proxy or bucket.

Production normally leaves `/media/` to the reverse proxy or an S3 bucket (README, Deployment).
`make serve` has neither, so with QUIRE_SERVE_MEDIA on the app answers for the image folders
through Django's `static.serve`: enough for one server and a modest audience, and what a
newcomer trying the production stack must see. Only Wagtail's image folders are served:
documents stay behind Wagtail's own view, which enforces their privacy settings.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.static import serve

# Wagtail writes originals and renditions here; both are public wherever a page shows them.
PUBLIC_FOLDERS = ("images/", "original_images/")

# A picture opened on its own runs nothing, even an SVG with a script in it.
PICTURE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@require_safe
def public_image(request: HttpRequest, path: str) -> HttpResponse:
    if not path.startswith(PUBLIC_FOLDERS):
        raise Http404("Not a public picture.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = f"public, max-age={settings.QUIRE_MEDIA_MAX_AGE}"
    response["Content-Security-Policy"] = PICTURE_POLICY
    return response
