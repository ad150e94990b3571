"""What a page has read already: the rows of a relation prefetched on an instance (prefetch_related or
prefetch_related_objects), so a helper asked about the same rows reads them from there instead of again."""

from __future__ import annotations

from typing import Any

from django.db import models


def prefetched(instance: models.Model, relation: str) -> list[Any] | None:
    """The rows of `relation` prefetched on `instance`, in the prefetch's order; None when they were not.

    Django keeps them in `_prefetched_objects_cache` and offers no public way to ask whether a relation is
    there (`instance.relation.all()` would answer from the cache or query, without saying which)."""
    cache = getattr(instance, "_prefetched_objects_cache", {})
    return list(cache[relation]) if relation in cache else None
