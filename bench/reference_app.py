"""The benchmark's reference row: the smallest WSGI app that answers every request with the
status line, headers and body a cached Quire post was served with (saved by `bench/run` in
BENCH_REFERENCE_PAGE). Run under the same gunicorn settings as Quire, its req/s is about the
best this machine, gunicorn and wrk can do for that page, so `bench/run` prints every row also
as a fraction of it, and results from different machines can be compared."""

import json
import os
from pathlib import Path

_page = Path(os.environ["BENCH_REFERENCE_PAGE"])
_saved = json.loads(_page.with_suffix(".json").read_text())
_BODY = _page.read_bytes()
_HEADERS = [(name, value) for name, value in _saved["headers"]]
_STATUS = _saved["status"]


def application(environ, start_response):
    start_response(_STATUS, _HEADERS)
    return [_BODY]
