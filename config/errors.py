"""The page shown when a request fails. A database that is down, unreachable or too slow is
an outage, not a bug: it answers 503 with a page asking to try again (and `Retry-After`), so
load balancers and crawlers treat it as temporary. Anything else is a 500. Neither page
touches the database or shows any detail of the error."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500; it runs inside the handling of the exception, so it can tell an
    outage (the database) from a fault."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = HttpResponse(loader.render_to_string("500.html"), status=500)
    add_never_cache_headers(response)
    return response
