"""The review chain end to end through the services: publicity, recommendation, returns, resubmissions."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from accounts.models import User
from core.errors import (
    ErrorCode,
    Incomplete,
    NotEditable,
    ReturnDeadlinePassed,
    ValidationFailed,
)
from documents.models import DocumentKind, GeneratedDocument
from dossiers.models import Dossier, DossierSection
from rounds.workdays import publicity_end
from workflow import selectors, services
from workflow.actions import PublicityNotEnded, act, bulk_act, return_ends_application
from workflow.models import Notification, Publicity, Transition

from .conftest import file_unit_records, submit

pytestmark = pytest.mark.django_db

OPINION = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"


def _committed():
    """Run what the step left for after its commit (the owed publicity files are drawn then)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _publicise(dossiers, unit, start=None):
    for d in dossiers:
        act(action="unit_accept", dossier_id=d.pk, actor=unit)
    with _committed():
        return services.publicity_start(
            dossier_ids=[d.pk for d in dossiers],
            actor=unit,
            start=start or timezone.localdate(),
            contact="人事科，0996-2024500",
        )


def _after(publicity: Publicity):
    """A clock on the first day after the publicity (10:00 local time)."""
    day = publicity.end + dt.timedelta(days=1)
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))), tick=False)


def test_full_chain_reaches_committee_received(submitted, demo_users):
    unit, county, prefecture = demo_users["demo_unit"], demo_users["demo_county"], demo_users["demo_prefecture"]
    publicity = _publicise([submitted], unit)
    with _after(publicity):
        with _committed():
            services.publicity_result_record(publicity_id=publicity.pk, actor=unit)
        file_unit_records(submitted, unit)
        act(action="recommend", dossier_id=submitted.pk, actor=unit)
        act(action="county_accept", dossier_id=submitted.pk, actor=county)
        act(action="county_approve", dossier_id=submitted.pk, actor=county)
        dossier = act(action="prefecture_accept", dossier_id=submitted.pk, actor=prefecture)
    assert dossier.status == "committee_received"
    assert dossier.status_label == "评审委员会已接收材料"
    assert list(Transition.objects.filter(dossier=submitted).values_list("to_state", flat=True)) == [
        "submitted",
        "unit_review",
        "unit_publicity",
        "recommended",
        "county_review",
        "prefecture_review",
        "committee_received",
    ]
    assert services.recommendation_opinion(dossier) == OPINION
    # Annex 1 and annex 2 are attached to the dossier (notice 五(一)13), as PDF and editable DOCX.
    kinds = set(GeneratedDocument.objects.filter(dossier=submitted).values_list("kind", "file_format"))
    assert {(DocumentKind.PUBLICITY_NOTICE, "pdf"), (DocumentKind.PUBLICITY_RESULT, "pdf")} <= kinds
    pdf = GeneratedDocument.objects.get(dossier=submitted, kind=DocumentKind.PUBLICITY_RESULT, file_format="pdf")
    assert pdf.file.open("rb").read(5) == b"%PDF-"


def test_publicity_end_respects_national_day_holiday(new_dossier, demo_users):
    """2026-09-28 (Mon) + 5 working days: 国庆/中秋 from 10-01 to 10-08 pushes the end past the holiday."""
    dossier = new_dossier()
    with time_machine.travel(dt.datetime(2026, 9, 25, 10, 0, tzinfo=dt.UTC), tick=False):
        dossier.round.policy_data["windows"]["online_filing"]["start"] = "2026-08-01"
        dossier.round.policy_data["windows"]["review"]["start"] = "2026-08-01"
        dossier.round.save()
        dossier.round.refresh_from_db()
        submit(dossier)
        publicity = _publicise([dossier], demo_users["demo_unit"], start=dt.date(2026, 9, 28))
    assert publicity.end == publicity_end(dt.date(2026, 9, 28), 5)
    assert publicity.end > dt.date(2026, 10, 8)
    assert publicity.working_days == 5


def test_publicity_shorter_than_policy_minimum_is_refused(submitted, demo_users):
    act(action="unit_accept", dossier_id=submitted.pk, actor=demo_users["demo_unit"])
    with pytest.raises(ValidationFailed, match="不少于 5 个工作日"):
        services.publicity_start(
            dossier_ids=[submitted.pk],
            actor=demo_users["demo_unit"],
            start=timezone.localdate(),
            contact="x",
            working_days=3,
        )


def test_publicity_for_several_dossiers_of_one_unit(new_dossier, demo_users, orgs):
    from accounts.models import Role
    from tests.factories import UserFactory, give_role

    colleague = give_role(UserFactory(), Role.APPLICANT, orgs["U-KRLJT"])
    first, second = submit(new_dossier()), submit(new_dossier(applicant=colleague))
    publicity = _publicise([first, second], demo_users["demo_unit"])
    assert set(publicity.dossiers.all()) == {first, second}
    for d in (first, second):
        d.refresh_from_db()
        assert d.status == "unit_publicity"
        assert GeneratedDocument.objects.filter(dossier=d, kind=DocumentKind.PUBLICITY_NOTICE).exists()


def test_publicity_mixing_units_is_refused_and_moves_nothing(new_dossier, demo_users):
    mine, other = submit(new_dossier()), submit(new_dossier(applicant="demo_applicant2"))
    act(action="unit_accept", dossier_id=mine.pk, actor=demo_users["demo_unit"])
    with pytest.raises(ValidationFailed, match="同一单位"):
        services.publicity_start(
            dossier_ids=[mine.pk, other.pk], actor=demo_users["demo_unit"], start=timezone.localdate(), contact="x"
        )
    mine.refresh_from_db()
    assert mine.status == "unit_review"


def test_recommend_blocked_until_publicity_ended_and_result_recorded(submitted, demo_users):
    unit = demo_users["demo_unit"]
    publicity = _publicise([submitted], unit)
    with pytest.raises(PublicityNotEnded) as err:
        act(action="recommend", dossier_id=submitted.pk, actor=unit)
    assert err.value.code == ErrorCode.PUBLICITY_NOT_ENDED
    assert f"{publicity.end:%Y年%m月%d日}" in err.value.message
    with pytest.raises(PublicityNotEnded):
        services.publicity_result_record(publicity_id=publicity.pk, actor=unit)
    # The last day of the publicity is still inside it.
    last_day = timezone.make_aware(dt.datetime.combine(publicity.end, dt.time(23, 0)))
    with time_machine.travel(last_day, tick=False), pytest.raises(PublicityNotEnded):
        act(action="recommend", dossier_id=submitted.pk, actor=unit)
    with _after(publicity):
        with pytest.raises(PublicityNotEnded, match="公示结果"):
            act(action="recommend", dossier_id=submitted.pk, actor=unit)
        services.publicity_result_record(publicity_id=publicity.pk, actor=unit, objections="")
        # The signed annex 1 and 2 must be filed first (issue 10 point 7).
        with pytest.raises(Incomplete, match="推荐单位公示（附件1"):
            act(action="recommend", dossier_id=submitted.pk, actor=unit)
        file_unit_records(submitted, unit)
        dossier = act(action="recommend", dossier_id=submitted.pk, actor=unit)
    assert dossier.status == "recommended"
    publicity.refresh_from_db()
    assert publicity.result == Publicity.Result.NO_OBJECTION and publicity.objections == "无"


def test_upheld_objection_blocks_recommendation(submitted, demo_users):
    unit = demo_users["demo_unit"]
    publicity = _publicise([submitted], unit)
    with _after(publicity), _committed():
        services.publicity_result_record(
            publicity_id=publicity.pk, actor=unit, objections="群众反映业绩材料与事实不符", objection_upheld=True
        )
        with pytest.raises(ValidationFailed, match="异议经核实成立"):
            act(action="recommend", dossier_id=submitted.pk, actor=unit)
    doc = GeneratedDocument.objects.get(dossier=submitted, kind=DocumentKind.PUBLICITY_RESULT, file_format="pdf")
    assert doc.meta["objections"] == "群众反映业绩材料与事实不符"


def test_return_needs_reasons_per_section_and_sets_48_hour_deadline(
    submitted, demo_users, django_capture_on_commit_callbacks
):
    unit = demo_users["demo_unit"]
    with pytest.raises(ValidationFailed, match="逐栏写明"):
        act(action="return", dossier_id=submitted.pk, actor=unit, reasons=[{"section": "basic_info", "reason": "  "}])
    with pytest.raises(ValidationFailed, match="未知的栏目"):
        act(action="return", dossier_id=submitted.pk, actor=unit, reasons=[{"section": "nonsense", "reason": "x"}])
    frozen = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    with time_machine.travel(frozen, tick=False), django_capture_on_commit_callbacks(execute=True):
        dossier = act(
            action="return",
            dossier_id=submitted.pk,
            actor=unit,
            reasons=[
                {"section": "basic_info", "reason": "身份证反面不清晰"},
                {"section": "work_summary", "reason": "工作总结不足200字"},
            ],
            note="请一并修改",
        )
    assert dossier.status == "returned"
    assert dossier.returned_by_level == "unit"
    assert dossier.return_deadline == frozen + dt.timedelta(hours=48)
    info = selectors.open_return(dossier)
    assert info.by_section == {"basic_info": ["身份证反面不清晰"], "work_summary": ["工作总结不足200字"]}
    assert selectors.return_reasons_for_section(dossier, "work_summary") == ["工作总结不足200字"]
    record = Transition.objects.get(dossier=dossier, action="return")
    assert record.reasons[0]["title"] == "基本信息"
    # The applicant is told in-app and by e-mail, with the deadline.
    note = Notification.objects.get(recipient=dossier.applicant, kind=Notification.Kind.RETURNED)
    assert "身份证反面不清晰" in note.body and "2026年11月22日" in note.body
    assert any("身份证反面不清晰" in m.body and m.to == [dossier.applicant.email] for m in mail.outbox)


def _returned_by_county_then_resubmitted(submitted: Dossier, demo_users: dict[str, User], reason: dict) -> Dossier:
    """Publicity, recommendation, county acceptance, a county return with `reason`, and the resubmission."""
    unit, county = demo_users["demo_unit"], demo_users["demo_county"]
    publicity = _publicise([submitted], unit)
    with _after(publicity):
        with _committed():
            services.publicity_result_record(publicity_id=publicity.pk, actor=unit)
        file_unit_records(submitted, unit)
        act(action="recommend", dossier_id=submitted.pk, actor=unit)
        act(action="county_accept", dossier_id=submitted.pk, actor=county)
        act(action="return", dossier_id=submitted.pk, actor=county, reasons=[reason])
        return submit(submitted)


def test_county_return_resubmits_to_county(submitted, demo_users):
    """Policy `resubmit_to: returning_level`: the corrected dossier goes back to the county, not the unit."""
    dossier = _returned_by_county_then_resubmitted(
        submitted, demo_users, {"section": "work_summary", "reason": "补充业绩"}
    )
    assert dossier.status == "recommended"  # the county's queue
    assert dossier.return_deadline is None
    assert dossier.returned_by_level == "county"
    assert dossier.submission_count == 2


def test_resubmit_to_unit_when_policy_says_so(submitted, demo_users):
    round_ = submitted.round
    data = copy.deepcopy(round_.policy_data)
    data["workflow"]["resubmit_to"] = "unit"
    round_.policy_data = data
    round_.save()
    dossier = _returned_by_county_then_resubmitted(submitted, demo_users, {"section": "awards", "reason": "补证书"})
    assert dossier.status == "submitted"


def test_three_submissions_then_refusal(submitted, demo_users):
    unit = demo_users["demo_unit"]
    for n in (2, 3):
        act(
            action="return",
            dossier_id=submitted.pk,
            actor=unit,
            reasons=[{"section": "work_summary", "reason": f"第{n}次退回"}],
        )
        DossierSection.objects.filter(dossier=submitted, key="work_summary").update(data={"text": f"第 {n} 次修改"})
        dossier = submit(submitted)
        assert dossier.submission_count == n
    # At the last allowed submission the reviewer is told first that a return ends the application …
    reasons = [{"section": "work_summary", "reason": "还需修改"}]
    with pytest.raises(ValidationFailed, match="此次退回将终止申报"):
        act(action="return", dossier_id=submitted.pk, actor=unit, reasons=reasons)
    submitted.refresh_from_db()
    assert return_ends_application(submitted)
    # … then the return ends it at once: a final state, its reasons kept, no deadline, no resubmission.
    act(action="return", dossier_id=submitted.pk, actor=unit, reasons=reasons, confirm_final=True)
    submitted.refresh_from_db()
    assert submitted.status == "returned_final" and submitted.submission_count == 3
    assert submitted.return_deadline is None and submitted.is_ended
    info = selectors.open_return(submitted)
    assert info is not None and info.final and info.by_section == {"work_summary": ["还需修改"]}
    with pytest.raises(NotEditable):
        submit(submitted)
    assert services.return_deadlines_process()["abandoned"] == []
    # Every submission's content is kept and what changed is viewable.
    diffs = selectors.submission_diffs(submitted)
    assert [(d.before.number, d.after.number) for d in diffs] == [(2, 3), (1, 2)]
    change = diffs[-1].changes[0]
    assert (change.section, change.path, change.before, change.after) == (
        "work_summary",
        "任现职以来个人工作总结",  # the field's label, never its stored key
        "第一次提交的工作总结。",
        "第 2 次修改",
    )


def test_resubmission_after_deadline_is_refused_even_before_the_sweep(submitted, demo_users):
    act(
        action="return",
        dossier_id=submitted.pk,
        actor=demo_users["demo_unit"],
        reasons=[{"section": "papers", "reason": "论文页码缺失"}],
    )
    late = timezone.now() + dt.timedelta(hours=48, minutes=1)
    with time_machine.travel(late, tick=False), pytest.raises(ReturnDeadlinePassed, match="视为放弃"):
        submit(submitted)


def test_bulk_accept_reports_each_refusal(new_dossier, demo_users, orgs):
    from accounts.models import Role
    from tests.factories import UserFactory, give_role

    colleague = give_role(UserFactory(), Role.APPLICANT, orgs["U-KRLJT"])
    a, b = submit(new_dossier()), submit(new_dossier(applicant=colleague))
    act(action="unit_accept", dossier_id=b.pk, actor=demo_users["demo_unit"])
    done, refused = bulk_act(dossier_ids=[a.pk, b.pk], action="unit_accept", actor=demo_users["demo_unit"])
    assert [d.pk for d in done] == [a.pk]
    assert refused[b.pk].code == ErrorCode.ILLEGAL_TRANSITION
    with pytest.raises(ValidationFailed):
        bulk_act(dossier_ids=[a.pk], action="return", actor=demo_users["demo_unit"])


def test_recommendation_and_acceptance_notify_applicant_and_next_level(
    submitted, demo_users, django_capture_on_commit_callbacks
):
    unit, county = demo_users["demo_unit"], demo_users["demo_county"]
    publicity = _publicise([submitted], unit)
    with _after(publicity), django_capture_on_commit_callbacks(execute=True):
        services.publicity_result_record(publicity_id=publicity.pk, actor=unit)
        file_unit_records(submitted, unit)
        act(action="recommend", dossier_id=submitted.pk, actor=unit)
    assert Notification.objects.filter(recipient=submitted.applicant, title__contains="推荐单位已推荐").exists()
    assert Notification.objects.filter(recipient=county, dossier=submitted).exists()
    # The county office of another county hears nothing.
    assert not Notification.objects.filter(recipient=demo_users["demo_county_qm"]).exists()
    # The unit, who acted, gets no message about its own action.
    assert not Notification.objects.filter(recipient=unit, title__contains="推荐单位已推荐").exists()
