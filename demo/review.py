"""Demo dossiers at every review step, so each demo officer has work waiting today.

Built only through the services (create, save sections, upload JPGs, confirm masking, submit, accept,
publicise, recommend, return), with the clock moved back for the steps that happened "earlier" — the
history, the publicity dates and the annexes are those a real round would have produced.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from django.test.utils import override_settings
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Organization, Role, User
from demo.samples import REQUIRED_UPLOADS, sample_sections
from demo.setup import demo_account
from dossiers import services as dossier_services
from dossiers.models import Dossier
from dossiers.sections import UNIT_RECORD_TYPES
from dossiers.states import COMMITTEE_RECEIVED, PREFECTURE_REVIEW, RECOMMENDED, RETURNED, SUBMITTED, UNIT_PUBLICITY
from masking.services import masking_confirm
from rounds.models import Round
from rounds.workdays import publicity_end
from workflow import services
from workflow.actions import act
from workflow.models import Publicity

DEMO_APPLICANTS = [
    # (username, full name, sex, unit code, birth date, target state)
    ("demo_applicant3", "王芳", "女", "U-KRLJT", "19900314", SUBMITTED),
    ("demo_applicant4", "陈刚", "男", "U-KRLJT", "19870622", UNIT_PUBLICITY),
    ("demo_applicant5", "刘洋", "男", "U-KRLJT", "19891105", RECOMMENDED),
    ("demo_applicant6", "赵敏", "女", "U-QMYH", "19860918", RECOMMENDED),
    ("demo_applicant7", "孙丽", "女", "U-QMYH", "19880202", RETURNED),
    ("demo_applicant8", "周强", "男", "U-KRLJT", "19850730", PREFECTURE_REVIEW),
    ("demo_applicant9", "马军", "男", "U-KRLJT", "19840416", COMMITTEE_RECEIVED),
]


def _scan(label: str) -> bytes:
    """A plain 'scanned page' JPG (no names on it, so nothing needs masking)."""
    # Small but above the policy's minimum side, so the masking OCR of the set-up stays quick.
    img = Image.new("RGB", (480, 640), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([20, 20, 460, 620], outline="black", width=3)
    draw.text((40, 40), f"DEMO SCAN: {label}", fill="black")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()


@contextmanager
def _at(moment: dt.datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=True):
        yield


# A 访惠聚 assignment: exempts the applicant from the defence (notice 六(一)).
EXEMPTING_ASSIGNMENT = {"type": "fanghuiju_village", "from": "2019-02-01", "to": "2020-02-01"}


def _prepare(round_: Round, user: User, name: str, sex: str, birth: str, *, exempt: bool = False) -> Dossier:
    dossier = dossier_services.dossier_create(actor=user, round_=round_, level="mid", kind="evaluation")
    sections = sample_sections(dossier, name=name, sex=sex, birth=birth)
    if exempt:
        sections["basic_info"] = {**sections["basic_info"], "special_assignments": [EXEMPTING_ASSIGNMENT]}
    for key, data in sections.items():
        dossier_services.section_save(dossier_id=dossier.pk, actor=user, key=key, data=data)
    for section, doc_type in REQUIRED_UPLOADS:
        dossier_services.attachment_upload(
            dossier_id=dossier.pk,
            actor=user,
            section=section,
            doc_type=doc_type,
            upload=io.BytesIO(_scan(f"{section}/{doc_type}")),
            original_name=f"{doc_type}.jpg",
        )
    for attachment in dossier.attachments.all():
        masking_confirm(actor=user, attachment_id=attachment.pk, boxes=[], needs_masking=False)
    return dossier


def _officer(username: str) -> User:
    return User.objects.get(username=username)


def _after_publicity(start_day: dt.date, working_days: int) -> dt.datetime:
    """10:00 on the day after a publicity that starts on `start_day` has run its working days."""
    end = publicity_end(start_day, working_days)
    return timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(10, 0)))


def _filing_day(round_: Round, now: dt.datetime) -> dt.date:
    """The day a demo dossier is filed and its unit publicity starts: about two weeks back, earlier when a
    holiday (National Day's week) would keep that publicity running until now, never before filing opened."""
    filing_start = round_.policy.window("online_filing").start
    days = round_.policy.publicity_min_working_days
    day = timezone.localdate(now) - dt.timedelta(days=13)
    while day > filing_start and _after_publicity(day, days) > now - dt.timedelta(hours=10):
        day -= dt.timedelta(days=1)
    return max(day, filing_start)


def _create_and_drive(
    round_: Round,
    user: User,
    person: tuple[str, str, str],
    target: str,
    unit_officer: str,
    county_officer: str,
    *,
    exempt: bool = False,
) -> Dossier:
    """File one dossier and move it along the chain up to `target`, with the clock set back as needed."""
    now = timezone.now()
    start_day = _filing_day(round_, now)
    begin = timezone.make_aware(dt.datetime.combine(start_day, dt.time(9, 30)))
    with _at(begin if target != SUBMITTED else now - dt.timedelta(hours=3)):
        dossier = _prepare(round_, user, *person, exempt=exempt)
        act(actor=user, dossier_id=dossier.pk, action="submit")
    if target == SUBMITTED:
        return dossier
    unit = _officer(unit_officer)
    with _at(begin + dt.timedelta(hours=2)):
        act(actor=unit, dossier_id=dossier.pk, action="unit_accept")
        publicity = services.publicity_start(
            dossier_ids=[dossier.pk],
            actor=unit,
            start=start_day,
            contact=f"{dossier.unit.name}人事科，电话 0996-2024500",
        )
    if target == UNIT_PUBLICITY:
        return dossier
    after = _after_publicity(start_day, publicity.working_days)
    if after > now - dt.timedelta(hours=10):
        return dossier  # a holiday kept the publicity running: it stays in publicity for the demo
    with _at(after):
        services.publicity_result_record(publicity_id=publicity.pk, actor=unit, objections="无")
        # The signed, stamped annex 1 and annex 2, filed with section 13 by the unit (notice 五(二)).
        for section, doc_type in UNIT_RECORD_TYPES:
            dossier_services.unit_record_upload(
                dossier_id=dossier.pk,
                actor=unit,
                doc_type=doc_type,
                upload=io.BytesIO(_scan(f"{section}/{doc_type}")),
                original_name=f"{doc_type}.jpg",
            )
        act(actor=unit, dossier_id=dossier.pk, action="recommend")
    if target == RECOMMENDED:
        return dossier
    county = _officer(county_officer)
    if target == RETURNED:
        with _at(now - dt.timedelta(hours=8)):
            act(actor=county, dossier_id=dossier.pk, action="county_accept")
            act(
                actor=county,
                dossier_id=dossier.pk,
                action="return",
                reasons=[
                    {"section": "work_summary", "reason": "工作总结请补充任现职以来主持或参与的具体项目及本人作用。"},
                    {"section": "papers", "reason": "论文请补传期刊封面、目录页及正文首页。"},
                ],
                note="请一次性修改以上栏目后重新提交。",
            )
        return dossier
    # A prefecture-level unit's recommendation goes straight to the prefecture (no county step).
    if Dossier.objects.get(pk=dossier.pk).status == RECOMMENDED:
        with _at(after + dt.timedelta(days=1)):
            act(actor=county, dossier_id=dossier.pk, action="county_accept")
            act(actor=county, dossier_id=dossier.pk, action="county_approve")
    if target == COMMITTEE_RECEIVED:
        with _at(after + dt.timedelta(days=2)):
            act(actor=_officer("demo_prefecture"), dossier_id=dossier.pk, action="prefecture_accept")
    return dossier


UNIT_OFFICERS = {"U-KRLJT": ("demo_unit", "demo_county"), "U-QMYH": ("demo_unit_qm", "demo_county_qm")}


def seed_review_dossiers(*, demo_round: Round, password: str) -> list[tuple[str, str, str, str]]:
    """Create the demo applicants and their dossiers (once); returns account rows to print."""
    rows: list[tuple[str, str, str, str]] = []
    # Messages of the set-up are not sent: nobody is waiting for e-mails about invented dossiers.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for username, name, sex, unit_code, birth, target in DEMO_APPLICANTS:
            unit = Organization.objects.get(code=unit_code)
            user = demo_account(
                username=username, full_name=name, role=Role.APPLICANT, organization=unit, password=password
            )
            dossier = Dossier.objects.filter(round=demo_round, applicant=user).first()
            if dossier is None:
                unit_officer, county_officer = UNIT_OFFICERS[unit_code]
                _create_and_drive(demo_round, user, (name, sex, birth), target, unit_officer, county_officer)
                dossier = Dossier.objects.get(round=demo_round, applicant=user)
            # Where the dossier is now (a second start after trying the demo shows the real state).
            rows.append((username, password, f"申报人（演示申报：{demo_state(dossier)}）", unit.name))
    return rows


def demo_state(dossier: Dossier) -> str:
    """The dossier's state as the demo accounts list says it; a publicity that has run its 5 working days
    says so, because that dossier is where a new user walks past the publicity without waiting."""
    label = dossier.status_label
    if dossier.status == UNIT_PUBLICITY:
        publicity = Publicity.objects.filter(dossiers=dossier).order_by("-end").first()
        if publicity is not None and publicity.end < timezone.localdate():
            label += "，公示期已满，推荐单位可录入公示结果并推荐"
    return label
