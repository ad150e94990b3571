"""Seeding for the scale and load benchmarks: the demo set-up plus N bulk dossiers, grown in steps.

The demo set-up (`seed_demo`) gives every role its realistic pages (dossiers built through the services,
with attachments, publicity, returns and expert assignments). The bulk dossiers around it are written with
`bulk_create` (seeding 100,000 dossiers through every review step would benchmark the workflow, not the
pages): spread over 200 extra units in the nine counties plus the demo units, over every state of the
chain, each with its basic_info section, its submit transition, publicities for the ones in publicity,
return deadlines for the returned ones, and one expert assignment in ten of those the committee received;
then the dossier counts and the committee's board steps and fee figures are rebuilt (`recount_tallies`,
`rebuild_committee_board`: bulk_create bypasses Dossier.save and the committee's receivers).
`grow_to(n)` adds only what is missing, so one database serves 1k, then 10k, then 100k.

Full pages at every size (`grow_to(n, floors=True)`, the scale benchmark): a cost-against-size benchmark
compares like with like only if each list page holds as many rows at 1k as at 100k; spread evenly, 1,000
dossiers left the demo expert 8 assignments, the demo unit ~5 dossiers and the committee board ~4 pages,
so those pages grew with their rows, not with the data. With floors the first bulk dossiers fill them:

- the first `EXPERT_FLOOR` (400: two pages of the assignments API's 200) are received by the committee,
  spread over the units as the rest, and all assigned to the demo expert (the board then holds 8+ pages);
- the next ones belong to the demo unit (U-KRLJT, routed through the demo county): for each review level
  of the policy (unit, county, prefecture) `QUEUE_FLOOR` (100: two queue pages of 50) in that level's
  states, then `QUEUE_FLOOR` returned (their deadlines within 60 hours: the "≤ 3 days left" view);
- the rest are spread as without floors.

So at 1,000 the floors are 800 of the bulk dossiers; from 10,000 on they are a small share of the mix.
A database is grown with one choice of floors throughout (the layout is a function of the dossier's index).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Organization, Role, RoleAssignment, User
from committee.board import rebuild_committee_board
from committee.models import ExpertAssignment, Fee, PaperReceipt
from demo.committee import COMMITTEE_ROUND
from demo.seed import seed_demo
from demo.setup import COUNTIES, make_credit_code, seed_organizations, seed_rounds, seed_users
from dossiers.models import Dossier, DossierSection
from dossiers.states import RETURNED
from rounds.models import Round
from workflow.models import Publicity, Transition
from workflow.selectors import QUEUE_MAX_PAGE_SIZE, QUEUE_PAGE_SIZE
from workflow.tallies import recount_tallies

BULK_UNITS = 200
BULK_PREFIX = "SC-"
# Every state a dossier sits in on a busy day; drafts and the chain's steps weigh most.
STATE_MIX = [
    "draft",
    "draft",
    "submitted",
    "unit_review",
    "unit_publicity",
    "recommended",
    "county_review",
    "prefecture_review",
    "committee_received",
    "returned",
    "passed",
    "submitted",
]
KINDS = [("junior", "initial"), ("mid", "evaluation"), ("mid", "conferral"), ("junior", "evaluation")]
LEVEL_OF_RETURN = ["unit", "county", "prefecture"]
RECEIVED = "committee_received"
# The floors (module docstring): two full pages of the expert's assignments API (200 a page) and of a queue.
EXPERT_FLOOR = 2 * QUEUE_MAX_PAGE_SIZE
QUEUE_FLOOR = 2 * QUEUE_PAGE_SIZE
DEMO_UNIT = "U-KRLJT"  # demo_unit's unit, routed through demo_county (demo.setup)
# What the services keep as they write and bulk_create bypasses, rebuilt after each growth: the dossier counts
# the queues and statistics read (Dossier.save keeps them), the board steps and fee figures (committee receivers).
REBUILT_AFTER_BULK_WRITES: list[Callable[[], object]] = [recount_tallies, rebuild_committee_board]


def demo_round() -> Round:
    """The demo round of the review chain (the committee stage has its own demo round, left as the demo made it)."""
    return Round.objects.exclude(slug=COMMITTEE_ROUND).get(is_demo=True)


def seed_base(*, with_review_dossiers: bool = True) -> None:
    """The demo set-up and the bulk units (once). Without review dossiers: organisations, officers, rounds only
    (the review dossiers' uploads wait for OCR, which the load benchmark leaves to its worker)."""
    if not User.objects.filter(username="demo_prefecture").exists():
        if with_review_dossiers:
            seed_demo()
        else:
            seed_users(seed_organizations())
            seed_rounds()
    if Organization.objects.filter(code__startswith="U-SC").exists():
        return
    counties = {org.code: org for org in Organization.objects.filter(code__in=[code for code, _ in COUNTIES])}
    units = []
    for i in range(BULK_UNITS):
        county = counties[COUNTIES[i % len(COUNTIES)][0]]
        enterprise = i % 2 == 0
        units.append(
            Organization(
                code=f"U-SC{i:04d}",
                name=f"规模测试单位{i:04d}",
                kind=Organization.Kind.UNIT,
                parent=county,
                registration_county=county,
                unit_type="enterprise" if enterprise else "institution",
                unit_level="county",
                credit_code=make_credit_code(f"SC{i:05d}") if enterprise else "",
            )
        )
    Organization.objects.bulk_create(units)


def bulk_count() -> int:
    return Dossier.objects.filter(serial_number__startswith=BULK_PREFIX).count()


def _units() -> list[Organization]:
    # The demo units are in the rotation, so the demo reviewers' queues grow with the data too.
    demo = list(Organization.objects.filter(code__in=["U-KRLJT", "U-QMYH"]).order_by("code"))
    return demo + list(Organization.objects.filter(code__startswith="U-SC").order_by("code"))


@dataclass(frozen=True)
class Layout:
    """Where the bulk dossier of each index goes: its state, its unit, whether the demo expert is assigned it
    (a function of the index alone, so growing in steps gives the same dossiers as growing at once)."""

    units: list[Organization]
    demo_unit: Organization
    # The demo unit's floor, block by block (each QUEUE_FLOOR dossiers): each review level's states, returned.
    # Empty without floors.
    floor_blocks: list[list[str]]
    expert_floor: int

    @property
    def floor_end(self) -> int:
        """The index of the first bulk dossier after the floors."""
        return self.expert_floor + QUEUE_FLOOR * len(self.floor_blocks)

    def place(self, i: int) -> tuple[str, Organization, bool]:
        if i < self.expert_floor:
            return RECEIVED, self.units[i % len(self.units)], True
        in_floor = i - self.expert_floor
        if in_floor < QUEUE_FLOOR * len(self.floor_blocks):
            states = self.floor_blocks[in_floor // QUEUE_FLOOR]
            return states[in_floor % len(states)], self.demo_unit, False
        status = STATE_MIX[i % len(STATE_MIX)]
        # One in ten of those the committee received is the demo expert's.
        return status, self.units[i % len(self.units)], status == RECEIVED and (i // len(STATE_MIX)) % 10 == 0


def layout(round_: Round, *, floors: bool) -> Layout:
    units = _units()
    demo_unit = next(u for u in units if u.code == DEMO_UNIT)
    if not floors:
        return Layout(units=units, demo_unit=demo_unit, floor_blocks=[], expert_floor=0)
    by_level: dict[str, list[str]] = {}
    for state, level in (round_.policy.workflow.get("levels") or {}).items():
        by_level.setdefault(str(level), []).append(str(state))
    return Layout(
        units=units, demo_unit=demo_unit, floor_blocks=[*by_level.values(), [RETURNED]], expert_floor=EXPERT_FLOOR
    )


def grow_to(total: int, *, floors: bool = False, password_hash: str = "!", chunk: int = 5000) -> None:
    """Add bulk dossiers until there are `total` of them (applicants get `password_hash`); with `floors`, the
    first ones fill the demo expert's, unit's, county's and prefecture's lists (module docstring)."""
    start = bulk_count()
    round_ = demo_round()
    placement = layout(round_, floors=floors)
    for first in range(start, total, chunk):
        _add_chunk(round_, placement, first, min(first + chunk, total), password_hash)
    for rebuild in REBUILT_AFTER_BULK_WRITES:
        rebuild()


@transaction.atomic
def _add_chunk(round_: Round, placement: Layout, first: int, last: int, password_hash: str) -> None:
    now = timezone.now()
    users = User.objects.bulk_create(
        [User(username=f"scale{i:07d}", full_name=f"测试{i:07d}", password=password_hash) for i in range(first, last)],
        batch_size=2000,
    )
    dossiers = []
    assigned = []
    for user, i in zip(users, range(first, last), strict=True):
        status, unit, to_expert = placement.place(i)
        level, kind = KINDS[i % len(KINDS)]
        filed = status != "draft"
        dossier = Dossier(
            round=round_,
            applicant=user,
            unit=unit,
            level=level,
            kind=kind,
            serial_number=f"{BULK_PREFIX}{i:07d}",
            status=status,
            submission_count=1 if filed else 0,
            submitted_at=now - dt.timedelta(days=i % 20, minutes=i % 1440) if filed else None,
            returned_by_level=LEVEL_OF_RETURN[i % 3] if status == "returned" else "",
            return_deadline=now + dt.timedelta(hours=6 + i % 60) if status == "returned" else None,
        )
        dossiers.append(dossier)
        if to_expert:
            assigned.append(dossier)
    dossiers = Dossier.objects.bulk_create(dossiers, batch_size=2000)
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=d.applicant_id, role=Role.APPLICANT, organization_id=d.unit_id) for d in dossiers],
        batch_size=4000,
    )
    DossierSection.objects.bulk_create(
        [
            DossierSection(
                dossier=d,
                key="basic_info",
                data={"name": f"测试{i:07d}", "sex": "男" if i % 2 else "女", "phone": "13800000000"},
            )
            for d, i in zip(dossiers, range(first, last), strict=True)
        ],
        batch_size=4000,
    )
    Transition.objects.bulk_create(
        [
            Transition(dossier=d, action="submit", from_state="draft", to_state="submitted", submission_number=1)
            for d in dossiers
            if d.status != "draft"
        ],
        batch_size=4000,
    )
    in_publicity = [(d, i) for d, i in zip(dossiers, range(first, last), strict=True) if d.status == "unit_publicity"]
    # The demo unit's floor dossiers in publicity each have their own (its publicities list holds more than a
    # page at every size); the others one per unit and chunk.
    floor_end = placement.floor_end
    _publicise(round_, [d for d, i in in_publicity if i >= floor_end], now.date())
    for d, _i in ((d, i) for d, i in in_publicity if i < floor_end):
        _publicise(round_, [d], now.date())
    _committee_records(round_, [d for d in dossiers if d.status in (RECEIVED, "passed")], now)
    expert = User.objects.get(username="demo_expert")
    ExpertAssignment.objects.bulk_create(
        [ExpertAssignment(expert=expert, dossier=d, pseudonym=f"申报人 S-{d.pk}") for d in assigned], batch_size=2000
    )


def _committee_records(round_: Round, dossiers: list[Dossier], now: dt.datetime) -> None:
    """What receipt by the committee writes (the fee, committee.fees.fee_on_receipt), two in three paid, and
    the paper evaluation form received for one in two, so the office's pages show every step."""
    office = User.objects.get(username="demo_prefecture")
    policy = round_.policy
    Fee.objects.bulk_create(
        [
            Fee(
                dossier=d,
                serial=f"F{d.serial_number}",
                amount_yuan=policy.fee(level=d.level, kind=d.kind) or 0,
                paid_at=now if i % 3 else None,
                method=Fee.Method.TRANSFER if i % 3 else "",
            )
            for i, d in enumerate(dossiers)
        ],
        batch_size=4000,
    )
    PaperReceipt.objects.bulk_create(
        [PaperReceipt(dossier=d, received_on=now.date(), received_by=office) for d in dossiers[::2]],
        batch_size=4000,
    )


def _publicise(round_: Round, dossiers: list[Dossier], today: dt.date) -> None:
    """One publicity per unit for the dossiers of this chunk in publicity."""
    by_unit: dict[int, list[Dossier]] = {}
    for d in dossiers:
        by_unit.setdefault(d.unit_id, []).append(d)
    publicities = Publicity.objects.bulk_create(
        [
            Publicity(
                round=round_,
                unit_id=unit_id,
                start=today - dt.timedelta(days=2),
                end=today + dt.timedelta(days=3),
                working_days=5,
                contact="人事科 0996-0000000",
            )
            for unit_id in by_unit
        ]
    )
    through = Publicity.dossiers.through
    through.objects.bulk_create(
        [
            through(publicity_id=p.pk, dossier_id=d.pk)
            for p, members in zip(publicities, by_unit.values(), strict=True)
            for d in members
        ],
        batch_size=4000,
    )


def analyze() -> None:
    """The state a live database is in after autovacuum, right after a bulk load: fresh planner statistics,
    and the visibility map set (VACUUM) so counts and id lists read indexes alone, instead of autovacuum doing
    both on the other core while the pages are timed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
