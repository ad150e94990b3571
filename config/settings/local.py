"""Local development: the embedded default (SQLite, local files, console e-mail)."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# DEBUG shows Django's English technical 404 page; a new user trying the demo sees the site's own.
MIDDLEWARE = [*MIDDLEWARE, "portal.middleware.FriendlyNotFoundMiddleware"]
