"""Production (cookiecutter-django's convention): everything secret or site-specific comes from the environment.

Required: DJANGO_SECRET_KEY (at least 50 characters), DJANGO_ALLOWED_HOSTS. Usual: DATABASE_URL (PostgreSQL),
REDIS_URL (huey queue + shared cache), SITE_URL. Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
Static files are served by whitenoise after `manage.py collectstatic`; stored files never get a public URL.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, STORAGES, env

DEBUG = False

# Refuse to start without a real key: env() raises ImproperlyConfigured when the variable is missing.
SECRET_KEY = env("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("django-insecure", "dev-insecure")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random value of at least 50 characters.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# Sessions read from the shared cache (written through to the database): one Redis GET per request instead
# of a SELECT. Only with Redis: a per-process cache would keep serving a session another process ended.
if env("REDIS_URL", default=""):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    # The signed-in user and the header's and footer's figures from the cache too (base.SHARED_CACHE).
    SHARED_CACHE = True

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# HTTPS: the proxy terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Start low when first turning HTTPS on (a browser remembers HSTS for this long), then raise to a year.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Static files from the app server, compressed and with hashed names (run `manage.py collectstatic`).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

# Admin alerts for server errors when an address is configured.
ADMINS = [("Admin", a) for a in env.list("DJANGO_ADMINS", default=[])]
SERVER_EMAIL = env("DJANGO_SERVER_EMAIL", default="职称申报平台 <noreply@localhost>")
