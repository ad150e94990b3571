"""A JSON field that keeps its text, and with it the order of an object's keys.

PostgreSQL's jsonb (Django's JSONField there) stores objects with their keys sorted by length and name,
so a policy read back on PostgreSQL would list its sections, states, levels and kinds in a different
order than on SQLite. In a policy that order is meaning (the life cycle, the dossier's section order,
the order of the notice's tables), so the policy is kept as the JSON text it was written as."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OrderedJSONField(models.TextField):
    """JSON stored as text on every database: key order survives, JSON lookups are not offered."""

    # For django-stubs: the attribute holds the decoded value (as a JSONField's does), not a str.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"不是有效的 JSON：{exc}") from exc
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)

    def value_to_string(self, obj: models.Model) -> str:
        return self.get_prep_value(self.value_from_object(obj)) or ""
