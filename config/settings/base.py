"""Settings shared by every environment; each value that differs between machines comes from
the environment so the same code runs on a laptop, in CI and in production."""

import hashlib
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_url(name: str, default: str | None = None) -> str:
    """An absolute http(s) address such as https://quire.example, without a trailing slash."""
    value = env(name, default).strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
        raise ImproperlyConfigured(
            f"{name} must be the site's address, such as https://quire.example (got {value!r})."
        )
    return value


def cache_key_prefix(database: dict) -> str:
    """A cache key prefix of this database's own, so deployments (or a test run) sharing one
    Redis database never read each other's pages, site data or Wagtail's root paths."""
    where = "|".join(str(database.get(part) or "") for part in ("ENGINE", "HOST", "PORT", "NAME"))
    return f"quire-{hashlib.sha256(where.encode()).hexdigest()[:12]}"


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate limit written as "attempts/seconds", e.g. "20/3600"."""
    attempts, _, seconds = env(name, default).partition("/")
    try:
        return int(attempts), int(seconds)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must look like 20/3600 (attempts/seconds).") from exc


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "cms",
    "shop",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",  # throttles failed sign-ins (below)
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "config.request_log.RequestLogMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "config.csp.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.admin_saves.OneSaveAtATimeMiddleware",  # autosave never overwrites a later save
    "cms.pagecache.PageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in with 429 and a reason
]

# Sign-in throttling (django-axes): after QUIRE_LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused for QUIRE_LOGIN_COOLOFF_MINUTES. Keyed on
# the pair, so guessing from one address stops without anyone being able to lock the writer
# out of their own admin from elsewhere. Counted in the database, so every app server agrees.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("QUIRE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("QUIRE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "shop.ratelimit.client_ip"  # the client's address behind trusted proxies
AXES_COOLOFF_MESSAGE = (
    "Too many wrong passwords for this account from here. Please wait a quarter of an hour and "
    "try again, or reset your password."
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.site_settings",
                "shop.context_processors.shop_details",
            ],
        },
    },
]
# Plain-text emails are rendered by the same templates without HTML escaping (shop/emails.py):
# a buyer called O'Reader is not written "O&#x27;Reader".
TEMPLATES.append(
    {**TEMPLATES[0], "NAME": "text", "OPTIONS": {"autoescape": False}},
)

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock instead of failing with "database is locked" when, say, two
    # webhooks arrive at once: transactions take the write lock when they begin.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A PostgreSQL that hangs must fail a request, not hang it: give up connecting after
    # DATABASE_CONNECT_TIMEOUT seconds (libpq's minimum is 2) and end any statement after
    # DATABASE_STATEMENT_TIMEOUT_MS. The request then answers 503 (config/errors.py). A
    # network that drops an open connection's packets is noticed by TCP after 10 s unanswered
    # (tcp_user_timeout, keepalives) instead of the kernel's default of many minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": int(env("DATABASE_CONNECT_TIMEOUT", "2")),
            "tcp_user_timeout": 10_000,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 2,
            "options": f"-c statement_timeout={int(env('DATABASE_STATEMENT_TIMEOUT_MS', '30000'))}",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Whether the app answers /media/ for uploaded pictures itself (production: QUIRE_SERVE_MEDIA),
# and for how long browsers may keep them. DEBUG serves all of MEDIA_ROOT anyway.
QUIRE_SERVE_MEDIA = False
QUIRE_MEDIA_MAX_AGE = 24 * 3600
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Quire <hello@quire.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The worker holds an order's row lock while it talks to SMTP (shop/emails.py), so a slow or
# silent mail server must give up in seconds rather than Python's default of never.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))

# Background tasks (emails, Wagtail's reference index and file clean-up) are rows in the
# database, run by `manage.py db_worker`; see "Background tasks" in the README.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "quire"},
    # Each process's own memory of the `<picture>` markup it has built (cms.images): keyed by
    # everything the markup depends on, so it is never retired, only forgotten when full.
    "pictures": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "quire-pictures",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# Whole public pages are kept in the cache and retired when editors change what they show
# (cms/pagecache.py; what sales change reaches them live). QUIRE_PAGE_CACHE=off renders every
# page afresh (benchmarks, debugging).
QUIRE_PAGE_CACHE = env_bool("QUIRE_PAGE_CACHE", True)
QUIRE_PAGE_CACHE_TIMEOUT = int(env("QUIRE_PAGE_CACHE_TIMEOUT", str(24 * 3600)))
# Query parameters that only tell analytics where a visitor came from: the page cache drops them
# from the request, so a shared link is served the one cached page. A name ending in "*" is a
# prefix. Comma-separated in the environment; the list replaces this one.
QUIRE_PAGE_CACHE_IGNORED_PARAMETERS = [
    name.lower()
    for name in env_list(
        "QUIRE_PAGE_CACHE_IGNORED_PARAMETERS",
        ",".join(
            [
                "utm_*",  # Google Analytics campaigns: utm_source, utm_medium, utm_campaign...
                "fbclid",  # Facebook
                "mibextid",  # Facebook's mobile app
                "gclid",  # Google Ads
                "gclsrc",
                "dclid",  # Google Display
                "gbraid",
                "wbraid",
                "srsltid",  # Google Search
                "_ga",
                "_gl",
                "msclkid",  # Microsoft Ads
                "mc_cid",  # Mailchimp
                "mc_eid",
                "igshid",  # Instagram
                "igsh",
                "twclid",  # X (Twitter)
                "ttclid",  # TikTok
                "li_fat_id",  # LinkedIn
                "trk",
                "yclid",  # Yandex
                "_hsenc",  # HubSpot
                "_hsmi",
                "hsa_*",
                "mkt_tok",  # Marketo
                "oly_anon_id",  # Omeda
                "oly_enc_id",
                "vero_id",  # Vero
                "ref",  # "where I found it", added by many sites and newsletters
                "ref_src",
                "ref_url",
            ]
        ),
    )
]
# Cache-Control on public pages: browsers keep them this long (seconds). None by default: a
# browser asks again on every visit (the page cache answers for next to nothing), so an editor
# who publishes, or a buyer after a sale, never sees the page as it was before...
QUIRE_PAGE_CACHE_MAX_AGE = int(env("QUIRE_PAGE_CACHE_MAX_AGE", "0"))
# ...and a CDN this long; it is purged on publish when WAGTAILFRONTENDCACHE is configured.
QUIRE_PAGE_CACHE_SHARED_MAX_AGE = int(env("QUIRE_PAGE_CACHE_SHARED_MAX_AGE", "300"))
# The site, its settings, menus and view restrictions are cached too, retired on every change
# (cms/sitedata.py); this only bounds how long an entry no longer read stays in the cache.
QUIRE_SITE_DATA_TIMEOUT = int(env("QUIRE_SITE_DATA_TIMEOUT", "3600"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# One line per request on `quire.requests` (config/request_log.py): readable text here, one JSON
# object per line in production, for the log shipper (QUIRE_LOG_FORMAT=text|json).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.request_log.JsonFormatter"},
    },
    "filters": {"mask_secret_paths": {"()": "config.request_log.MaskSecretPaths"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "requests": {
            "class": "logging.StreamHandler",
            "formatter": env("QUIRE_LOG_FORMAT", "text"),
        },
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Per-task and per-page audit lines are noise on the console; problems still show.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "quire.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["mask_secret_paths"]},
    },
}

# Content Security Policy (config/csp.py). Public pages are cached whole, so the policy holds no
# nonce and public templates no inline script, style or event handler. Video players load from
# these hosts only once the reader presses play. The checkout form redirects to Stripe Checkout:
# config/csp.py adds its origin (from STRIPE_API_BASE) to the public policy's form-action.
# Production adds the media host to img-src when uploads live on S3.
QUIRE_CSP_REPORT_ONLY = env_bool("QUIRE_CSP_REPORT_ONLY", False)
VIDEO_PLAYER_ORIGINS = [
    "https://www.youtube.com",
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
]
QUIRE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": VIDEO_PLAYER_ORIGINS,
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
# Wagtail's and Django's admin screens use inline scripts and styles, show page previews in a
# same-origin iframe, Gravatar avatars and Wagtail's new-release notice.
QUIRE_CSP_ADMIN_PREFIXES = ["/admin/", "/django-admin/"]
QUIRE_CSP_ADMIN = {
    **QUIRE_CSP,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https://www.gravatar.com"],
    "connect-src": ["'self'", "https://releases.wagtail.org"],
    "frame-src": ["'self'", *VIDEO_PLAYER_ORIGINS],
    "frame-ancestors": ["'self'"],
}
if env("QUIRE_CSP_REPORT_URI", ""):
    for _policy in (QUIRE_CSP, QUIRE_CSP_ADMIN):
        _policy["report-uri"] = [env("QUIRE_CSP_REPORT_URI")]

# Permissions-Policy (config/csp.py), on every page and the admin: nothing here uses the camera,
# microphone, location, payment or device APIs, so no page or frame may. The video players,
# loaded when the reader presses play, get what their iframes' `allow` asks for: starting at
# once, fullscreen, protected media, picture-in-picture, motion (360° videos) and copy. Only
# features Chromium knows are named: it reports any other on the console and ignores it.
QUIRE_PERMISSIONS_POLICY = {
    **{
        feature: []
        for feature in [
            "camera",
            "microphone",
            "geolocation",
            "payment",
            "usb",
            "serial",
            "hid",
            "midi",
            "magnetometer",
            "display-capture",
            "idle-detection",
            "screen-wake-lock",
            "xr-spatial-tracking",
            "browsing-topics",
        ]
    },
    **{
        feature: ["self", *(f'"{origin}"' for origin in VIDEO_PLAYER_ORIGINS)]
        for feature in [
            "autoplay",
            "fullscreen",
            "encrypted-media",
            "picture-in-picture",
            "accelerometer",
            "gyroscope",
            "clipboard-write",
        ]
    },
}

# Wagtail
WAGTAIL_SITE_NAME = env("QUIRE_SITE_NAME", "Quire")
# The site's public address: every link in an email (sent by a worker, with no request to ask)
# and in Wagtail's admin notifications is built on it. `make run` sets it to where it serves;
# production refuses to start without it.
QUIRE_SITE_URL = env_url("QUIRE_SITE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_BASE_URL = QUIRE_SITE_URL
WAGTAILSEARCH_BACKENDS = {
    # The database backend uses PostgreSQL full-text search on PostgreSQL and FTS5 on SQLite.
    "default": {"BACKEND": "wagtail.search.backends.database"},
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "rtf", "txt", "xlsx", "zip"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
# Every rendition decodes the whole original: a 121-megapixel upload took 2.4 s and 238 MB for
# one. 40 megapixels takes most cameras' photos whole (24 to 36 megapixels) and refuses more,
# naming the limit, so an editor scales the picture down first.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.image_forms.ImageForm"  # says so in words an editor can act on
WAGTAIL_I18N_ENABLED = False
TAGGIT_CASE_INSENSITIVE = True

# oEmbed lookups run while a page renders, so they must give up quickly; a failed lookup is
# remembered for QUIRE_EMBED_RETRY_SECONDS and the block shows a plain link meanwhile.
QUIRE_EMBED_RETRY_SECONDS = int(env("QUIRE_EMBED_RETRY_SECONDS", "3600"))
# Publishing a page or saving a product makes every picture size it shows, in a background
# task (cms/renditions.py), so a reader's first view waits for none.
QUIRE_RENDITIONS_ON_PUBLISH = env_bool("QUIRE_RENDITIONS_ON_PUBLISH", True)

# How many posts a blog listing shows per page, and how many words a reader reads a minute.
QUIRE_POSTS_PER_PAGE = int(env("QUIRE_POSTS_PER_PAGE", "10"))
QUIRE_WORDS_PER_MINUTE = 230

SHOP_STAFF_EMAIL = env("SHOP_STAFF_EMAIL", "shop@quire.localhost")
# How long a buyer has to pay on Stripe's page before the session closes and its stock returns.
QUIRE_CHECKOUT_MINUTES = max(30, int(env("QUIRE_CHECKOUT_MINUTES", "30")))

# Stripe. With no secret key the shop still works and checkout says payments are not set up.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env("STRIPE_API_BASE", "")  # e.g. a local Stripe-compatible server in tests
# Each Stripe call waits at most STRIPE_TIMEOUT_SECONDS per try and is retried
# STRIPE_MAX_NETWORK_RETRIES times. A request that talks to Stripe must end well within the app
# server's worker timeout, or a hung Stripe gets the worker killed mid-checkout: the `shop`
# system check refuses a budget that does not fit (shop/checks.py).
STRIPE_TIMEOUT_SECONDS = int(env("STRIPE_TIMEOUT_SECONDS", "8"))
STRIPE_MAX_NETWORK_RETRIES = int(env("STRIPE_MAX_NETWORK_RETRIES", "1"))
# The page Stripe returns buyers to asks once, this briefly: the webhook settles it otherwise.
STRIPE_QUICK_TIMEOUT_SECONDS = float(env("STRIPE_QUICK_TIMEOUT_SECONDS", "3"))
# gunicorn's --timeout: bin/serve passes this very value to gunicorn.
QUIRE_WORKER_TIMEOUT_SECONDS = int(env("QUIRE_WORKER_TIMEOUT_SECONDS", "60"))

# Pre-order form abuse limits: (attempts, per seconds), per client IP and per email address.
# Only the benchmark, which submits from one address, has reason to raise them.
QUIRE_PREORDER_LIMIT_PER_IP = env_rate("QUIRE_PREORDER_LIMIT_PER_IP", "20/3600")
QUIRE_PREORDER_LIMIT_PER_EMAIL = env_rate("QUIRE_PREORDER_LIMIT_PER_EMAIL", "5/3600")
# Checkout starts, per session and per client IP: each one takes stock for QUIRE_CHECKOUT_MINUTES,
# so one visitor must not be able to hold it all by starting checkout again and again.
QUIRE_CHECKOUT_LIMIT_PER_SESSION = env_rate("QUIRE_CHECKOUT_LIMIT_PER_SESSION", "10/3600")
QUIRE_CHECKOUT_LIMIT_PER_IP = env_rate("QUIRE_CHECKOUT_LIMIT_PER_IP", "30/3600")
# "Email me when it's back" requests, per client IP and per address: each sends an email to
# the address given, so neither a script nor a prankster can use the shop to flood an inbox.
QUIRE_BACK_IN_STOCK_LIMIT_PER_IP = env_rate("QUIRE_BACK_IN_STOCK_LIMIT_PER_IP", "10/3600")
QUIRE_BACK_IN_STOCK_LIMIT_PER_EMAIL = env_rate("QUIRE_BACK_IN_STOCK_LIMIT_PER_EMAIL", "3/86400")
# Discount codes tried in the basket, per client IP: enough for typos, too few to guess codes.
QUIRE_DISCOUNT_CODE_LIMIT_PER_IP = env_rate("QUIRE_DISCOUNT_CODE_LIMIT_PER_IP", "20/3600")
# How many reverse proxies in front of the app append the address they saw to X-Forwarded-For:
# the per-IP limits count the client address the first of them saw. 0: REMOTE_ADDR, and
# X-Forwarded-For (which anyone can send) is ignored.
QUIRE_TRUSTED_PROXY_COUNT = int(env("QUIRE_TRUSTED_PROXY_COUNT", "0"))
