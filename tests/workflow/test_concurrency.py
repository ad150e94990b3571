"""Two officers act on one dossier at the same moment: one succeeds, the other is refused clearly.

Real threads, each with its own database connection, on PostgreSQL (SQLite serialises writers for the
whole file, so it cannot show a row-lock race). Run with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python -m pytest tests/workflow -m postgres_only
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from core.errors import DomainError
from workflow.actions import act
from workflow.models import Transition

from .conftest import submit

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL=postgres://…)")


def _race(actions: list) -> list[object]:
    """Run each callable in its own thread, released together; return each result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = actions[i]()
        except Exception as exc:  # collected and asserted on below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_accept_and_return_at_once_one_wins(submitted, demo_users):
    from accounts.models import Role
    from tests.factories import UserFactory, give_role

    second_officer = give_role(UserFactory(), Role.UNIT_REVIEWER, submitted.unit)
    version = submitted.version
    results = _race(
        [
            lambda: act(action="unit_accept", dossier_id=submitted.pk, actor=demo_users["demo_unit"], version=version),
            lambda: act(
                action="return",
                dossier_id=submitted.pk,
                actor=second_officer,
                reasons=[{"section": "basic_info", "reason": "照片不清晰"}],
                version=version,
            ),
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], DomainError)
    assert errors[0].code in ("concurrent_update", "illegal_transition")
    assert "已被其他人处理" in errors[0].message or "当前状态" in errors[0].message
    # Exactly one transition after the submission, and the dossier is in its state.
    later = list(Transition.objects.filter(dossier=submitted).exclude(action="submit"))
    assert len(later) == 1
    submitted.refresh_from_db()
    assert submitted.status == later[0].to_state
    assert submitted.version == version + 1


def test_same_action_twice_without_version_second_is_illegal(submitted, demo_users):
    """Without an expected version the row lock alone decides: the second sees the new state."""
    from accounts.models import Role
    from tests.factories import UserFactory, give_role

    second_officer = give_role(UserFactory(), Role.UNIT_REVIEWER, submitted.unit)
    results = _race(
        [
            lambda: act(action="unit_accept", dossier_id=submitted.pk, actor=demo_users["demo_unit"]),
            lambda: act(action="unit_accept", dossier_id=submitted.pk, actor=second_officer),
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert errors[0].code == "illegal_transition"
    assert Transition.objects.filter(dossier=submitted, action="unit_accept").count() == 1


def test_resubmit_races_the_deadline_sweep(submitted, demo_users):
    """The applicant resubmits at the moment the sweep abandons: never both."""
    import datetime as dt

    from django.utils import timezone

    act(
        action="return",
        dossier_id=submitted.pk,
        actor=demo_users["demo_unit"],
        reasons=[{"section": "papers", "reason": "缺页"}],
    )
    submitted.refresh_from_db()
    moment = submitted.return_deadline + dt.timedelta(seconds=1)
    results = _race(
        [
            lambda: act(action="abandon", actor=None, dossier_id=submitted.pk, now=moment),
            lambda: submit(submitted),
        ]
    )
    submitted.refresh_from_db()
    assert submitted.status in ("abandoned", "submitted")
    assert Transition.objects.filter(dossier=submitted, action__in=["abandon", "resubmit"]).count() == 1
    assert sum(isinstance(r, Exception) for r in results) == 1
    assert timezone.now() < moment  # the resubmission really raced (it was still in time by the clock)


def test_two_transactions_creating_the_same_count_cell_both_succeed(open_round, orgs):
    """The first dossier of a (round, unit, state, level, kind) cell creates its count row: while that insert is
    uncommitted, a second applicant of the same unit creates a dossier in the same cell. The second waits for
    the first (ON CONFLICT), then adds to the row; neither user's action fails, and the count is 2."""
    import time

    from django.db import transaction

    from accounts.models import Role
    from dossiers.services import dossier_create
    from tests.factories import UserFactory, give_role
    from workflow.models import DossierTally

    from .test_tallies import assert_exact

    unit = orgs["U-KRLJT"]
    first, second = (give_role(UserFactory(), Role.APPLICANT, unit) for _ in range(2))
    inserted = threading.Event()

    def hold_the_new_cell():
        with transaction.atomic():
            dossier = dossier_create(actor=first, round_=open_round, level="mid", kind="evaluation")
            inserted.set()
            time.sleep(0.6)
        return dossier

    def create_in_the_same_cell():
        assert inserted.wait(timeout=10)
        start = time.monotonic()
        dossier = dossier_create(actor=second, round_=open_round, level="mid", kind="evaluation")
        return dossier, time.monotonic() - start

    results = _race([hold_the_new_cell, create_in_the_same_cell])
    assert not any(isinstance(r, Exception) for r in results), results
    held, (created, waited) = results
    assert created.tally_key() == held.tally_key()
    assert waited > 0.3  # it met the first transaction's uncommitted row, and waited for it
    assert DossierTally.objects.get(round=open_round, unit=unit, status="draft", filed=False).n == 2
    assert_exact()
