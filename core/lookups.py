"""`field__any_of=[ids]`: membership in a list of ids as one parameter on PostgreSQL (`= ANY(%s)`, an array).

A reviewer's scope is a list of unit ids (a prefecture's is hundreds): `__in` writes one placeholder per id,
and the client-side binding of psycopg then parses and quotes each of them in Python (12 ms of a prefecture's
queue page for its few thousand placeholders). PostgreSQL plans `x = ANY(array)` as it plans an IN list (it
rewrites one into the other), so only the Python work goes. Other databases get the IN list."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        if not values:
            raise EmptyResultSet  # as `__in=[]`: the condition matches nothing
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", (*lhs_params, *values)


def register() -> None:
    for field in (models.IntegerField, models.ForeignKey):
        field.register_lookup(AnyOf)
