"""Until the shop opens (its own issue), its addresses answer with a page that says so."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def shop_not_open_yet(request: HttpRequest, section: str) -> HttpResponse:
    return render(request, "shop/not_open_yet.html", {"section": section})
