"""Production: every secret and host comes from the environment; nothing insecure by default."""

from .base import *  # noqa: F403
from .base import env, env_bool, env_list

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")

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
# Redis restart loses no basket.
if env("REDIS_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
            "KEY_PREFIX": "quire",
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

LOGGING["handlers"]["requests"]["formatter"] = env("QUIRE_LOG_FORMAT", "json")  # noqa: F405
