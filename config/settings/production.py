"""Production: every secret and host comes from the environment; nothing insecure by default."""

from .base import *  # noqa: F403
from .base import cache_key_prefix, env, env_bool, env_list, env_url

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
QUIRE_SITE_URL = env_url("QUIRE_SITE_URL")  # links in emails: no default that would be wrong
WAGTAILADMIN_BASE_URL = QUIRE_SITE_URL

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe app servers over plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

# WhiteNoise serves static files from the app servers: compressed, with hashed names and
# far-future cache headers, so no separate static server is needed behind the CDN. It goes right
# after SecurityMiddleware, ahead of GZip (its files are compressed already).
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
WHITENOISE_MAX_AGE = 365 * 24 * 3600

# Redis for the cache when REDIS_URL is set (every app server must share one cache: rate
# limits, failed-embed memory). Sessions live in the database with the cache in front, so a
# Redis restart loses no basket. Keys start with QUIRE_CACHE_KEY_PREFIX, by default one derived
# from the database: app servers of one site share it, another site (or a test run) on the
# same Redis database gets its own.
QUIRE_CACHE_KEY_PREFIX = env("QUIRE_CACHE_KEY_PREFIX", "") or cache_key_prefix(
    DATABASES["default"]  # noqa: F405
)
if env("REDIS_URL", ""):
    CACHES |= {  # noqa: F405
        "default": {
            # A Redis cache that a Redis refusing or hanging slows down instead of taking the
            # site down (config/cache.py): after one timeout each process leaves it alone for
            # QUIRE_CACHE_RETRY_SECONDS. REDIS_URL names one server.
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": env("REDIS_URL"),
            "KEY_PREFIX": QUIRE_CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": float(env("QUIRE_CACHE_TIMEOUT_SECONDS", "0.5")),
                "socket_timeout": float(env("QUIRE_CACHE_TIMEOUT_SECONDS", "0.5")),
                "retry_after_seconds": float(env("QUIRE_CACHE_RETRY_SECONDS", "15")),
            },
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DATABASE_CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Joining the browsers' HSTS preload list is hard to undo (it covers every subdomain for good),
# so it is an explicit choice (DJANGO_SECURE_HSTS_PRELOAD=true), and its reminder is silenced
# until it is made.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# A CDN in front of the app servers is purged when editors publish or unpublish a page
# (wagtail.contrib.frontend_cache). Pages it cannot be told about (menus, stock on product
# pages) expire from it after QUIRE_PAGE_CACHE_SHARED_MAX_AGE seconds.
WAGTAILFRONTENDCACHE = {}
if env("CLOUDFLARE_ZONE_ID", ""):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": env("CLOUDFLARE_API_TOKEN"),
        "ZONEID": env("CLOUDFLARE_ZONE_ID"),
    }
if env("FRONTEND_CACHE_PURGE_URL", ""):  # Varnish, Squid or nginx accepting PURGE requests
    WAGTAILFRONTENDCACHE["http"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": env("FRONTEND_CACHE_PURGE_URL"),
    }

# With neither a proxy nor a bucket in front (`make serve`, one small server), the app serves
# uploaded pictures itself (config/media.py).
QUIRE_SERVE_MEDIA = env_bool("QUIRE_SERVE_MEDIA", False)

# Uploads (images, documents) go to an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set,
# otherwise to DJANGO_MEDIA_ROOT. Keys may come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
# or boto3's usual sources. URLs are unsigned (the files are public) so that cached pages never
# hold a link that expires, and uploads never overwrite each other.
if env("AWS_STORAGE_BUCKET_NAME", ""):
    STORAGES["default"] = {  # noqa: F405
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env("AWS_S3_REGION_NAME", "") or None,
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", "") or None,
            "access_key": env("AWS_ACCESS_KEY_ID", "") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY", "") or None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
    MEDIA_ORIGIN = (
        f"https://{env('AWS_S3_CUSTOM_DOMAIN')}"
        if env("AWS_S3_CUSTOM_DOMAIN", "")
        else env("AWS_S3_ENDPOINT_URL", "https://*.amazonaws.com").rstrip("/")
    )
    for policy in (QUIRE_CSP, QUIRE_CSP_ADMIN):  # noqa: F405
        policy["img-src"] = [*policy["img-src"], MEDIA_ORIGIN]

LOGGING["handlers"]["requests"]["formatter"] = env("QUIRE_LOG_FORMAT", "json")  # noqa: F405
