"""Django's JSON fixtures with full time precision, for backups.

Django's JSON encoder cuts datetimes to milliseconds (ECMA-262); a backup must give back exactly what it took,
so this format writes microseconds too. Registered as `backupjson` (settings.SERIALIZATION_MODULES)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import Deserializer, DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer

__all__ = ["Deserializer", "Serializer"]


class FullPrecisionEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(JSONSerializer):
    def _init_options(self) -> None:
        # django-stubs do not declare this hook of Django's JSON serializer; it is where json_kwargs is set.
        super()._init_options()  # type: ignore[misc]
        self.json_kwargs["cls"] = FullPrecisionEncoder
