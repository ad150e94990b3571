"""Local development: the embedded default (SQLite, local files, console e-mail)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
