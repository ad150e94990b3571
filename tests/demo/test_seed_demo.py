from __future__ import annotations

from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from rounds.models import Round


def test_seed_demo_creates_every_role_and_both_rounds(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    out = capsys.readouterr().out
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert {Role.APPLICANT, Role.UNIT_REVIEWER, Role.COUNTY_REVIEWER, Role.PREFECTURE_OFFICER, Role.EXPERT} <= roles
    assert User.objects.filter(username="admin", is_superuser=True).exists()
    assert "demo_applicant" in out and "demo_prefecture" in out
    real = Round.objects.get(slug="bz-2023-highway")
    assert real.policy.window("online_filing").start.isoformat() == "2023-08-10"
    demo = Round.objects.get(slug="demo-bz-highway")
    assert demo.is_demo
    # Honestly named: the year it computes with, no year of the real round in its slug or name.
    this_year = timezone.localdate().year
    assert demo.year == this_year and demo.name.startswith(f"演示批次 · {this_year}年") and "2023" not in demo.name
    committee = Round.objects.get(slug="demo-committee-bz-highway")
    assert committee.year == this_year and f"{this_year}年" in committee.name and "2023" not in committee.name
    assert demo.policy.window("online_filing").contains(timezone.localdate())
    # Durations are kept: filing lasts as long as in the notice.
    w_real, w_demo = real.policy.window("online_filing"), demo.policy.window("online_filing")
    assert (w_real.end - w_real.start) == (w_demo.end - w_demo.start)


def test_demo_users_can_log_in(client, demo_users):
    from demo.setup import DEMO_PASSWORD

    assert client.login(username="demo_county", password=DEMO_PASSWORD)
    assert not client.login(username="demo_county", password="wrong-password")


def test_demo_expert_is_assigned_the_received_dossiers(db):
    from committee.models import ExpertAssignment

    call_command("seed_demo")
    # In the demo round (the committee round's assignments come from its draw, at every later step too).
    assignments = ExpertAssignment.objects.filter(
        expert__username="demo_expert", dossier__round__slug="demo-bz-highway"
    )
    assert assignments.exists()
    assert all(a.dossier.status == "committee_received" for a in assignments)
