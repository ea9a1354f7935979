"""One way to turn ?page=N into a page of results, shared by every listing."""

from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404, HttpRequest

from cms import pagecache


def paginate(request: HttpRequest, items, per_page: int, paginator_class=Paginator) -> Page:
    """The requested page of `items`; a page number that is not a number or out of range is a 404,
    so a bad link never shows the wrong posts and never errors."""
    pagecache.uses_page_number(request)
    paginator = paginator_class(items, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("No such page of results.") from exc
