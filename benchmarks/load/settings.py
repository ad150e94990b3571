"""The production settings, on loopback over plain HTTP, for the load benchmark (benchmarks/load/run.py).

Only what plain HTTP on 127.0.0.1 requires changes: no HTTPS redirect, cookies not marked Secure (a client
does not send Secure cookies over http://), no HSTS. The bare floor views are added to the URLs.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import env

ROOT_URLCONF = "benchmarks.urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STATIC_ROOT = env("STATIC_ROOT", default="/tmp/i14-load/static")
