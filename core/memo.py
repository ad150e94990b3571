"""Rendered HTML kept per process, for fragments a page draws again and again with the same values."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.utils.safestring import SafeString


class HtmlMemo:
    """Rendered HTML kept per process up to `max_chars` (least recently used dropped first).

    The key must stand for everything the HTML shows (and the language it is translated into): an entry is then
    never stale, only unused. Used for the dossier page's section forms and cards (dossiers.views) and the review
    queue's rows and filter form (workflow.views)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._chars = 0
        self._bodies: OrderedDict[Hashable, SafeString] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share the process

    def get(self, key: Hashable) -> SafeString | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def drawn(self, key: Hashable, render: Callable[[], str]) -> SafeString:
        """The HTML kept under `key`, or `render()`'s, kept from now on. Two threads may both render a new key;
        the first kept wins, and both bodies are the same by the key's contract."""
        body = self.get(key)
        if body is None:
            body = SafeString(render())
            self.put(key, body)
        return body

    def put(self, key: Hashable, body: SafeString) -> None:
        with self._lock:
            if key in self._bodies:
                return
            self._bodies[key] = body
            self._chars += len(body)
            while self._chars > self.max_chars and self._bodies:
                self._chars -= len(self._bodies.popitem(last=False)[1])

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._chars = 0
