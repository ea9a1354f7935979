"""One log line per request on `quire.requests`, with no secret from the URL in it."""

import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from config.request_log import JsonFormatter, RequestLogMiddleware

pytestmark = pytest.mark.django_db


def request_lines(caplog) -> list[dict]:
    return [record.request_fields for record in caplog.records if record.name == "quire.requests"]


def test_each_request_is_logged_once_with_an_id_echoed_to_the_client(client, home, caplog):
    with caplog.at_level(logging.INFO, logger="quire.requests"):
        response = client.get("/")
        again = client.get("/")

    line, served_from_cache = request_lines(caplog)
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert (line["cache"], served_from_cache["cache"]) == ("MISS", "HIT")
    assert len(line["request_id"]) == 32
    assert response["X-Request-ID"] == line["request_id"]
    assert again["X-Request-ID"] == served_from_cache["request_id"] != line["request_id"]


def test_the_proxys_request_id_is_kept_and_junk_is_replaced(client, home, caplog):
    with caplog.at_level(logging.INFO, logger="quire.requests"):
        client.get("/", headers={"X-Request-ID": "lb-7f3a.19:2"})
        client.get("/", headers={"X-Request-ID": "bad id\nwith a newline"})

    kept, replaced = request_lines(caplog)
    assert kept["request_id"] == "lb-7f3a.19:2"
    assert replaced["request_id"] != "bad id\nwith a newline"
    assert len(replaced["request_id"]) == 32


def test_the_token_in_a_private_order_link_is_masked(client, caplog):
    with caplog.at_level(logging.INFO, logger="quire.requests"):
        client.get("/shop/orders/Q-ABC123/s3cr3t-t0ken/")
        client.get("/shop/pre-orders/P-ABC123/s3cr3t-t0ken/cancel/")

    order, preorder = request_lines(caplog)
    assert order["path"] == "/shop/orders/Q-ABC123/***/"
    assert order["route"] == "shop:order"
    assert order["status"] == 404
    assert preorder["path"] == "/shop/pre-orders/P-ABC123/***/cancel/"
    assert "s3cr3t-t0ken" not in caplog.text


def test_query_strings_are_never_logged(client, home, caplog):
    with caplog.at_level(logging.INFO, logger="quire.requests"):
        client.get("/search/?q=my+private+question")

    [line] = request_lines(caplog)
    assert line["path"] == "/search/"
    assert "private" not in caplog.text


def test_the_page_caches_answer_is_logged(caplog):
    def cached_page(request):
        response = HttpResponse("cached")
        response["X-Cache"] = "HIT"
        return response

    with caplog.at_level(logging.INFO, logger="quire.requests"):
        RequestLogMiddleware(cached_page)(RequestFactory().get("/blog/"))

    [line] = request_lines(caplog)
    assert line["cache"] == "HIT"
    assert caplog.records[-1].getMessage().endswith("cache=HIT")


def test_json_lines_carry_every_field(client, home, caplog):
    with caplog.at_level(logging.INFO, logger="quire.requests"):
        client.get("/")

    [record] = [record for record in caplog.records if record.name == "quire.requests"]
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == "quire.requests"
    assert line["message"].startswith("GET / 200 ")
    assert {"method", "path", "route", "status", "duration_ms", "request_id", "cache"} <= set(line)


def test_the_token_is_masked_even_when_the_request_is_refused_before_routing(
    client, settings, caplog
):
    """A bad Host is refused before Django resolves the URL, so the log resolves it itself."""
    settings.ALLOWED_HOSTS = ["testserver"]

    with caplog.at_level(logging.INFO, logger="quire.requests"):
        response = client.get("/shop/orders/Q-ABC123/s3cr3t-t0ken/", headers={"Host": "evil"})

    [line] = request_lines(caplog)
    assert response.status_code == 400
    assert line["path"] == "/shop/orders/Q-ABC123/***/"
    assert "s3cr3t-t0ken" not in caplog.text
