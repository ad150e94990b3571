"""The committee stage of the demo: a round whose applicants filed two months ago and whose committee
windows (paper, fees, defence, committee review) hold today, with dossiers at every committee step —
fee unpaid, paper missing, defence to score, exempt with the average, on a live meeting's agenda, passed
with a certificate, passed awaiting it, not passed with a re-check request open — and the expert pool
(the demo experts, one of them at an applicant's unit so the draw's recusal shows).

Everything happens through the committee's steps of the action registry (committee.actions), with the
clock moved back for what happened "earlier", so every record, audit row and date is what a real round
would hold.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Organization, Role, User
from committee.actions import committee_act
from committee.fees import fee_for
from committee.models import CommitteeMember, Expert, ExpertAssignment, Meeting, ResultsPublicity
from committee.opinions import opinion_submit
from committee.results import results_publicity_end
from committee.rules import draw
from demo.review import UNIT_OFFICERS, _create_and_drive
from demo.setup import BASE_ROUND, demo_account
from dossiers.models import Dossier
from dossiers.states import COMMITTEE_RECEIVED
from rounds.models import Round
from rounds.services import demo_round_slug, round_save_demo
from workflow.actions import act

COMMITTEE_PREFIX = "demo-committee"
COMMITTEE_ROUND = demo_round_slug(BASE_ROUND, COMMITTEE_PREFIX)
OFFICE = "demo_prefecture"

# (username, full name, title, specialty, unit code or None for an outside institute)
DEMO_EXPERTS = [
    ("demo_expert", "评审专家甲", "正高级工程师", "公路与运输", None),
    ("demo_expert2", "评审专家乙", "高级工程师", "公路与运输", None),
    ("demo_expert3", "评审专家丙", "高级工程师", "道路工程", "U-BZGL"),
    ("demo_expert4", "评审专家丁", "高级工程师", "桥梁工程", None),
    ("demo_expert5", "评审专家戊", "正高级工程师", "交通运输", None),
    ("demo_expert6", "评审专家己", "高级工程师", "公路养护", None),
    ("demo_expert7", "评审专家庚", "高级工程师", "公路与运输", None),
]
OUTSIDE_INSTITUTE = "新疆交通规划勘察设计研究院"
# The prefecture-level unit's reviewer (its dossiers go to 库尔勒市's county reviewer, as its registration says).
BZGL_REVIEWER = ("demo_unit_bz", "刘红（单位人事）")
OFFICERS = {**UNIT_OFFICERS, "U-BZGL": (BZGL_REVIEWER[0], "demo_county")}

# (key, username, name, sex, unit, birth, exempt, what the demo leaves it at). Applicants of county-level and
# lower units (库尔勒交通建设, 且末县公路养护站) are exempt from the defence under notice 六(一) whatever their
# assignments; those of the prefecture's 公路管理局 defend.
CAST = [
    ("unpaid", "demo_c_fee", "王磊", "男", "U-QMYH", "19880512", True, "待缴费"),
    ("no_paper", "demo_c_paper", "李娜", "女", "U-BZGL", "19890303", False, "已缴费，纸质评审表未到"),
    ("to_score", "demo_c_defence", "张伟", "男", "U-BZGL", "19870721", False, "今日答辩，待评委评分"),
    ("exempt", "demo_c_exempt", "刘婷", "女", "U-QMYH", "19860109", True, "免于答辩，取平均分"),
    ("voting_a", "demo_c_vote1", "陈晨", "男", "U-BZGL", "19850614", False, "今日评审会议表决中"),
    ("voting_b", "demo_c_vote2", "杨帆", "男", "U-BZGL", "19840228", False, "今日评审会议表决中"),
    ("certified", "demo_c_cert", "赵静", "女", "U-BZGL", "19830917", False, "评审通过，已发电子证书"),
    ("passed", "demo_c_passed", "黄勇", "男", "U-BZGL", "19860402", False, "评审通过，待发证书"),
    ("failed", "demo_c_failed", "周洁", "女", "U-BZGL", "19871125", False, "评审未通过，已申请复查"),
]


@contextmanager
def _on(day: dt.date, hour: int = 10) -> Iterator[None]:
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0))), tick=True):
        yield


def committee_round(today: dt.date) -> Round:
    """A copy of the base round: filing 60–40 days ago, reviews until 36 days ago, committee windows from
    40 days ago to 30 days ahead (so today every committee step is open)."""
    base = Round.objects.get(slug=BASE_ROUND)
    policy = copy.deepcopy(base.policy_data)
    spans = {
        "online_filing": (-60, -40),
        "review": (-60, -36),
        "paper_submission": (-40, 30),
        "fee_payment": (-40, 30),
        "defence": (-40, 30),
        "committee_review": (-40, 30),
    }
    for key, (start, end) in spans.items():
        policy["windows"][key]["start"] = (today + dt.timedelta(days=start)).isoformat()
        policy["windows"][key]["end"] = (today + dt.timedelta(days=end)).isoformat()
    return round_save_demo(base, policy, prefix=COMMITTEE_PREFIX, label="演示批次（评审阶段）", year=today.year)


def seed_experts(orgs: dict[str, Organization], password: str) -> list[tuple[str, str, str, str]]:
    """The demo experts, each in the pool (the office registers them through the pool's step)."""
    office = User.objects.get(username=OFFICE)
    rows = []
    for username, name, title, specialty, unit_code in DEMO_EXPERTS:
        user = demo_account(
            username=username, full_name=name, role=Role.EXPERT, organization=orgs["BZ"], password=password
        )
        if not Expert.objects.filter(user=user).exists():
            committee_act(
                actor=office,
                subject="user",
                subject_id=user.pk,
                action="expert_register",
                title=title,
                specialty=specialty,
                unit=orgs[unit_code].pk if unit_code else None,
                organization_name="" if unit_code else OUTSIDE_INSTITUTE,
            )
        if username == "demo_expert":
            continue  # already printed with the other demo users
        where = orgs[unit_code].name if unit_code else OUTSIDE_INSTITUTE
        rows.append((username, password, f"评审专家（{title}，{where}）", orgs["BZ"].name))
    return rows


def _step(subject: str, obj: Any, action: str, actor: User | None = None, **params: Any) -> Any:
    return committee_act(
        actor=actor or User.objects.get(username=OFFICE), subject=subject, subject_id=obj.pk, action=action, **params
    )


def _seed_for(experts: list[int], dossiers: list[Dossier], size: int, want: int) -> str:
    """A seed whose group draw includes the expert `want` (so demo_expert has work in the blind review);
    found by replaying the pure draw, the same function the step uses."""
    from committee.experts import recusal_reason  # why: only the demo's seed search needs it

    pool = {e.pk: e for e in Expert.objects.filter(pk__in=experts)}

    def skip(pk: int) -> str | None:
        return "；".join(r for d in dossiers if (r := recusal_reason(pool[pk], d))) or None

    for n in range(1, 200):
        if want in draw(experts, seed=f"demo-{n}", size=size, skip_reason=skip).drawn:
            return f"demo-{n}"
    return "demo-1"


def _vote(meeting: Meeting, dossier: Dossier, voters: list[Expert], yes: int) -> None:
    for i, expert in enumerate(voters):
        _step("meeting", meeting, "ballot_cast", expert.user, dossier=dossier.pk, choice="yes" if i < yes else "no")


def _drive(round_: Round, today: dt.date, dossiers: dict[str, Dossier]) -> None:
    office = User.objects.get(username=OFFICE)
    experts = list(Expert.objects.filter(user__username__in=[e[0] for e in DEMO_EXPERTS]).order_by("pk"))
    me = Expert.objects.get(user__username="demo_expert")
    d = dossiers
    sheet = {"theory": 24, "practice": 31, "answers": 16, "expression": 8}

    with _on(today - dt.timedelta(days=38)):
        for key, dossier in d.items():
            if key == "unpaid":
                fee_for(dossier)
                continue
            _step("fee", fee_for(dossier), "fee_payment_record", paid_on=timezone.localdate(), method="transfer")
            if key != "no_paper":
                _step("dossier", dossier, "paper_receipt_record", received_on=timezone.localdate())
        for unit in {dossier.unit for key, dossier in d.items() if key != "no_paper"}:
            _step("round", round_, "roster_receipt_record", unit=unit.pk, received_on=timezone.localdate())
    with _on(today - dt.timedelta(days=36)):
        _step("round", round_, "committee_draw", size=len(experts), seed="demo-committee")
        members = sorted(CommitteeMember.objects.filter(round=round_).values_list("expert_id", flat=True))
        reviewed = [d[k] for k in ("voting_a", "voting_b", "certified", "passed", "failed")]
        seed = _seed_for(members, reviewed, 3, me.pk)
        _step("round", round_, "group_draw", name="评议组一", size=3, seed=seed, dossiers=[x.pk for x in reviewed])
        for assignment in ExpertAssignment.objects.filter(dossier__in=reviewed).select_related("expert", "dossier"):
            good = assignment.dossier != d["failed"]
            opinion_submit(
                actor=assignment.expert,
                assignment=assignment,
                opinion="业绩突出，论文与工作总结相符，同意推荐通过。"
                if good
                else "业绩材料与任职年限要求相比偏薄弱。",
                score="86" if good else "62",
            )
    with _on(today - dt.timedelta(days=34)):
        defended = [d[k] for k in ("voting_a", "voting_b", "certified", "passed", "failed")]
        session = _step(
            "round",
            round_,
            "defence_schedule",
            held_on=timezone.localdate(),
            place="自治州交通运输局 3 楼会议室",
            panel=[e.user_id for e in experts[:3]],
            dossiers=[x.pk for x in defended],
        )
        for n, expert in enumerate(experts[:3]):
            for m, dossier in enumerate(defended):
                items = {**sheet, "practice": sheet["practice"] + (n + m) % 4}
                _step("session", session, "defence_score", expert.user, dossier=dossier.pk, items=items)
        _step("round", round_, "defence_settle")

    # Meeting 1: two passed; results publicised, confirmed, one certificate issued.
    with _on(today - dt.timedelta(days=30)):
        first = _step(
            "round",
            round_,
            "meeting_create",
            held_on=timezone.localdate(),
            place="自治州交通运输局 6 楼会议室",
            dossiers=[d["certified"].pk, d["passed"].pk],
        )
        _step("meeting", first, "attendance_record", present=[e.pk for e in experts])
        _step("meeting", first, "voting_open")
        _vote(first, d["certified"], experts, yes=7)
        _vote(first, d["passed"], experts, yes=6)
        for key in ("certified", "passed"):
            _step("meeting", first, "vote_count", dossier=d[key].pk)
        _step("meeting", first, "minutes_seal")
        publicity = _step("round", round_, "results_publicity_start", starts_on=timezone.localdate())
    confirm_day = results_publicity_end(round_, publicity.starts_on) + dt.timedelta(days=1)
    with _on(confirm_day):
        _step("publicity", publicity, "results_confirm")
        act(actor=office, dossier_id=d["certified"].pk, action="certificate_issue")

    # Meeting 2: one short of 2/3 (4 of 7 yes, 5 needed) → not passed; its publicity runs now, with a re-check.
    with _on(today - dt.timedelta(days=3)):
        second = _step(
            "round",
            round_,
            "meeting_create",
            held_on=timezone.localdate(),
            place="自治州交通运输局 6 楼会议室",
            dossiers=[d["failed"].pk],
        )
        _step("meeting", second, "attendance_record", present=[e.pk for e in experts])
        _step("meeting", second, "voting_open")
        _vote(second, d["failed"], experts, yes=4)
        _step("meeting", second, "vote_count", dossier=d["failed"].pk)
        _step("meeting", second, "minutes_seal")
        running = _step("round", round_, "results_publicity_start", starts_on=timezone.localdate())
    with _on(today - dt.timedelta(days=2)):
        _step(
            "publicity",
            running,
            "recheck_request",
            d["failed"].applicant,
            dossier=d["failed"].pk,
            reason="本人主持的库尉公路大修项目获州级优质工程奖，评审时似未计入，请予复查。",
        )

    # Today: a defence session to score, and a meeting whose vote is open (demo_expert has not voted yet).
    with _on(today, hour=9):
        _step(
            "round",
            round_,
            "defence_schedule",
            held_on=today,
            place="自治州交通运输局 3 楼会议室",
            panel=[e.user_id for e in experts[:3]],
            dossiers=[d["to_score"].pk],
        )
        live = _step(
            "round",
            round_,
            "meeting_create",
            held_on=today,
            place="自治州交通运输局 6 楼会议室",
            dossiers=[d["voting_a"].pk, d["voting_b"].pk],
        )
        present = [e for e in experts if e.user.username != "demo_expert7"]
        _step("meeting", live, "attendance_record", present=[e.pk for e in present])
        _step("meeting", live, "voting_open")
        others = [e for e in present if e.pk != me.pk][:3]
        _vote(live, d["voting_a"], others, yes=3)


def seed_committee_stage(
    *, orgs: dict[str, Organization], password: str, today: dt.date | None = None
) -> tuple[Round, list[tuple[str, str, str, str]]]:
    """The committee round, the experts and the cast (once); returns the round and account rows to print."""
    today = today or timezone.localdate()
    round_ = committee_round(today)
    rows = seed_experts(orgs, password)
    demo_account(
        username=BZGL_REVIEWER[0],
        full_name=BZGL_REVIEWER[1],
        role=Role.UNIT_REVIEWER,
        organization=orgs["U-BZGL"],
        password=password,
    )
    rows.append((BZGL_REVIEWER[0], password, Role.UNIT_REVIEWER.label, orgs["U-BZGL"].name))
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        fresh = not Dossier.objects.filter(round=round_).exists()
        dossiers: dict[str, Dossier] = {}
        for key, username, name, sex, unit_code, birth, exempt, label in CAST:
            unit = orgs[unit_code]
            user = demo_account(
                username=username, full_name=name, role=Role.APPLICANT, organization=unit, password=password
            )
            rows.append((username, password, f"申报人（演示评审阶段：{label}）", unit.name))
            if fresh:
                unit_officer, county_officer = OFFICERS[unit_code]
                with _on(today - dt.timedelta(days=45)):
                    created = _create_and_drive(
                        round_,
                        user,
                        (name, sex, birth),
                        COMMITTEE_RECEIVED,
                        unit_officer,
                        county_officer,
                        exempt=exempt,
                    )
                # The driver hands back the row as it was created: read the state it reached.
                dossiers[key] = Dossier.objects.select_related("round", "unit", "applicant").get(pk=created.pk)
                if dossiers[key].status != COMMITTEE_RECEIVED:
                    raise RuntimeError(f"演示申报 {username} 停在“{dossiers[key].status_label}”，未到评审委员会。")
        if fresh:
            _drive(round_, today, dossiers)
    return round_, rows


def committee_summary(round_: Round) -> list[str]:
    """Lines for the console: where the demo's committee stage stands."""
    publicity = ResultsPublicity.objects.filter(round=round_).order_by("-starts_on").first()
    lines = [f"  评审阶段演示批次：{round_.slug}（州评委会办公室 {OFFICE} → 菜单“评审委员会”）"]
    if publicity is not None:
        lines.append(f"  评审结果公示：{publicity.starts_on:%Y-%m-%d} 至 {publicity.ends_on:%Y-%m-%d}")
    lines.append("  今日：答辩待评分（评委 demo_expert / demo_expert2 / demo_expert3 → 菜单“答辩与会议投票”），")
    lines.append("        评审会议表决中（demo_expert 尚未投票，同一菜单）；证书公开查询：/committee/certificates/")
    return lines
