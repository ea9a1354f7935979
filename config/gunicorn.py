"""gunicorn's settings for Quire's app servers: `gunicorn --config python:config.gunicorn ...`.

gunicorn writes its access log itself, outside Django, so left alone it prints each request
line in full: order tokens, Stripe's Checkout Session ids, and both again in the Referer of every
request a buyer's private page makes. This logger masks them with the app's own masking
(`masked_url`, built on `masked_path`). The app's request log cannot replace it: static files
are answered by WhiteNoise before that log's middleware, and only gunicorn sees requests that
never reach Django.
"""

from gunicorn.glogging import Logger

from config.request_log import MASK, masked_url


class MaskedAccessLogger(Logger):
    """Access lines show the path and Referer as the app's request log shows a path: no query
    string, secret segments masked."""

    def atoms(self, resp, req, environ, request_time):
        try:
            path = masked_url(environ.get("RAW_URI") or environ.get("PATH_INFO", ""))
            referer = masked_url(environ.get("HTTP_REFERER", "-"))
        except Exception:  # Django unready or a path it cannot read: print nothing of it
            path, referer = MASK, MASK
        masked = {
            **environ,
            "RAW_URI": path,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "HTTP_REFERER": referer,
        }
        atoms = super().atoms(resp, req, masked, request_time)
        if "{referer}i" in atoms:
            atoms["{referer}i"] = referer
        return atoms


logger_class = MaskedAccessLogger
