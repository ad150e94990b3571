"""Counts of dossiers kept as the data changes (workflow.models.DossierTally): written in the transaction of
every dossier write that moves a dossier between cells (dossiers.models.Dossier.save / delete send
`dossier_tally_changed`), rebuilt from the dossiers by `recount_tallies` after bulk writes that bypass them."""

from __future__ import annotations

from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Case, Count, Q, Value, When
from django.db.models.fields import BooleanField
from django.dispatch import receiver

from dossiers.models import Dossier, TallyKey, dossier_tally_changed
from workflow.models import DossierTally

_COLUMNS = ("round_id", "unit_id", "status", "level", "kind", "filed", "n")


@receiver(dossier_tally_changed, sender=Dossier)
def _on_dossier_moved(sender: type[Dossier], changes: dict[TallyKey, int], using: str, **kwargs: Any) -> None:
    tally_add(changes=changes, using=using)


def tally_add(*, changes: dict[TallyKey, int], using: str = "default") -> None:
    """Adds each change to its cell in one statement, INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n
    (PostgreSQL and SQLite): the increment happens in SQL, and when two transactions create the same cell
    the second waits for the first and then adds to it, neither fails. Cells go in key order, so two moves
    crossing the same two cells in opposite directions lock them in the same order and cannot deadlock."""
    cells = sorted((key, n) for key, n in changes.items() if n)
    if not cells:
        return
    db = connections[using]
    table = db.ops.quote_name(DossierTally._meta.db_table)
    columns = ", ".join(db.ops.quote_name(c) for c in _COLUMNS)
    key_columns = ", ".join(db.ops.quote_name(c) for c in _COLUMNS[:-1])
    n = db.ops.quote_name("n")
    rows = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * len(cells))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {rows} "
        f"ON CONFLICT ({key_columns}) DO UPDATE SET {n} = {table}.{n} + excluded.{n}"
    )
    params = [value for key, delta in cells for value in (*key, delta)]
    with db.cursor() as cursor:
        cursor.execute(sql, params)


@transaction.atomic
def recount_tallies() -> dict[str, int]:
    """Rebuilds every cell from one GROUP BY over the dossiers (idempotent): after bulk_create /
    QuerySet.update, which bypass Dossier.save, or to repair the table. On PostgreSQL the dossier table is
    locked against writes meanwhile (SHARE: readers go on), so no move slips between the count and the
    rewrite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Dossier._meta.db_table)} IN SHARE MODE")
    DossierTally.objects.all().delete()
    filed = Case(When(Q(submission_count__gt=0), then=Value(True)), default=Value(False), output_field=BooleanField())
    groups = (
        Dossier.objects.order_by()
        .annotate(filed=filed)
        .values("round_id", "unit_id", "status", "level", "kind", "filed")
        .annotate(n=Count("pk"))
    )
    cells = DossierTally.objects.bulk_create([DossierTally(**g) for g in groups], batch_size=2000)
    return {"cells": len(cells), "dossiers": sum(c.n for c in cells)}
