"""A write locks its dossier's row, not the round's or the unit's: on PostgreSQL, FOR UPDATE without OF locks every
joined row, and the round's row is shared by every dossier of the round (each save in the round waited for the
one before it). Real threads with their own connections, on PostgreSQL only (SQLite locks the whole file)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, connections, transaction

from accounts.models import Organization
from dossiers.models import Dossier
from dossiers.services import _locked_own_dossier
from rounds.models import Round
from tests.workflow.conftest import make_dossier
from workflow.actions import _locked

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL=postgres://…)")


def _while_held(lock: Callable[[], object], check: Callable[[], None]) -> None:
    """Run `lock` in a transaction of another connection and `check` here while that transaction holds it."""
    held, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                lock()
                held.set()
                release.wait(10)
        except BaseException as exc:  # reported below
            failure.append(exc)
            held.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(10) and not failure, failure
        check()
    finally:
        release.set()
        thread.join(10)


def _round_and_unit_free(dossier: Dossier) -> None:
    with transaction.atomic():
        Round.objects.select_for_update(nowait=True).get(pk=dossier.round_id)
        Organization.objects.select_for_update(nowait=True).get(pk=dossier.unit_id)
    with pytest.raises(DatabaseError), transaction.atomic():  # the dossier itself is locked
        Dossier.objects.select_for_update(nowait=True).get(pk=dossier.pk)


@pytest.mark.parametrize("who", ["applicant's write", "officer's action"])
def test_a_write_locks_its_dossier_not_its_round_or_unit(open_round, demo_users, who):
    dossier = make_dossier(open_round, demo_users["demo_applicant"])
    if who == "applicant's write":
        _while_held(lambda: _locked_own_dossier(dossier.pk, dossier.applicant), lambda: _round_and_unit_free(dossier))
    else:
        _while_held(lambda: _locked(dossier.pk), lambda: _round_and_unit_free(dossier))
