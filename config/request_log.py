"""One log line per request on the `quire.requests` logger, with an id to follow it by.

The path is logged without its query string (Stripe's return URL carries the Checkout Session
id there), and a URL argument named `token` (the secret in a buyer's order and pre-order links,
and in password-reset links) is masked, here, in Django's own 4xx/5xx warnings and in
gunicorn's access log (config/gunicorn.py), all through `masked_path`, so no log holds what
opens someone's order.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, resolve

logger = logging.getLogger("quire.requests")

SECRET_URL_ARGUMENTS = {"token"}
MASK = "***"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_for(request: HttpRequest) -> str:
    """The proxy's X-Request-ID when it looks like an id, so lines can be matched across
    servers; otherwise a new one."""
    incoming = request.headers.get("X-Request-ID", "")
    if _SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def loggable_path(request: HttpRequest) -> str:
    """The request's path with the segments that carry a secret URL argument masked."""
    return masked_path(request.path, request.resolver_match)


def masked_path(path: str, match: ResolverMatch | None = None) -> str:
    """`path` without its query string, each segment holding a secret URL argument masked.

    `match` is the route Django resolved for it; without one (gunicorn's access log, a request
    answered before routing) the path is resolved here, so the same segments are masked."""
    path = path.split("?", 1)[0]
    if match is None:
        try:
            match = resolve(unquote(path))
        except Resolver404:
            return path
    secrets = {str(value) for name, value in match.kwargs.items() if name in SECRET_URL_ARGUMENTS}
    if not secrets:
        return path
    return "/".join(MASK if unquote(part) in secrets else part for part in path.split("/"))


def masked_url(url: str) -> str:
    """A URL (a Referer, a request line's target) as its origin, if it has one, and its masked
    path: query string and fragment dropped."""
    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return masked_path(url.split("#", 1)[0])
    return f"{parts.scheme}://{parts.netloc}{masked_path(parts.path)}"


class RequestLogMiddleware:
    """Logs method, path, route, status, duration, request id and the page cache's X-Cache
    answer (when a response carries one); the id is echoed in the response's X-Request-ID.

    Place it above the page cache so cache hits are logged and timed too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_for(request)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response["X-Request-ID"] = request.request_id
        match = request.resolver_match
        fields = {
            "method": request.method,
            "path": loggable_path(request),
            "route": match.view_name if match else None,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "request_id": request.request_id,
            "cache": response.get("X-Cache"),
        }
        logger.info(
            "%s %s %s %.1f ms%s",
            fields["method"],
            fields["path"],
            fields["status"],
            duration_ms,
            f" cache={fields['cache']}" if fields["cache"] else "",
            extra={"request_fields": fields},
        )
        return response


class MaskSecretPaths(logging.Filter):
    """Masks the same secrets in Django's own request warnings ("Not Found: /shop/orders/…")."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest) and isinstance(record.args, tuple):
            masked = loggable_path(request)
            record.args = tuple(masked if arg == request.path else arg for arg in record.args)
        return True


class JsonFormatter(logging.Formatter):
    """A JSON object per line: time, level, logger, message and, for request lines, their
    fields, ready for a log shipper."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "request_fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
