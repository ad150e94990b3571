"""The office's committee pages, driven as a browser would (htmx posts to the action registry's step route):
every step shows its result or its refusal's Chinese message with the typed code, and changes only through
its service (one audit row each)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import AuditEvent
from committee.actions import committee_act
from committee.fees import fee_for
from committee.models import (
    Ballot,
    BallotCast,
    Certificate,
    CommitteeMember,
    DefenceOutcome,
    Draw,
    Expert,
    ExpertAssignment,
    Fee,
    FeeImport,
    Meeting,
    Minutes,
    RecheckRequest,
    ResultsPublicity,
)
from committee.office import BoardFilters, board_page, board_queryset, board_summary
from committee.stage import id_number_of
from documents.services import evaluation_form_generate
from dossiers.models import Dossier
from tests.committee.pages import post_step, refused_code
from tests.committee.stage import received_dossier


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def payment_xlsx(rows: list[list[object]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["某银行代收评审费明细"])
    sheet.append(["缴费编号", "身份证号码", "缴费金额", "交易日期", "交易流水号"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "bank.xlsx"
    return buffer


def paid_in_cash(office, dossier, today) -> None:
    committee_act(
        actor=office,
        subject="fee",
        subject_id=fee_for(dossier).pk,
        action="fee_payment_record",
        paid_on=today,
        method="cash",
    )


@pytest.fixture
def desk(stage_round, orgs, office):
    """Two mid-level dossiers that defend, one exempt (访惠聚), all at 评审委员会已接收材料."""
    defended = [received_dossier(stage_round, orgs["U-BZGL"]) for _ in range(2)]
    exempt = received_dossier(stage_round, orgs["U-QMYH"], exempt=True)
    return {"round": stage_round, "defended": defended, "exempt": exempt, "office": client_for(office)}


def test_only_the_office_opens_the_committee_pages(desk, demo_users):
    slug = desk["round"].slug
    assert desk["office"].get(reverse("committee:board", args=[slug])).status_code == 200
    unit = client_for(demo_users["demo_unit"])
    response = unit.get(reverse("committee:board", args=[slug]))
    assert response.status_code == 302  # refused: back home with the message
    refused = post_step(unit, "round", desk["round"].pk, "fees_flag_overdue")
    assert refused_code(refused) == "permission_denied"


def test_board_shows_each_step_and_flags_unpaid_after_the_fee_window(desk, office, today):
    round_ = desk["round"]
    paid_in_cash(office, desk["defended"][0], today)
    page = desk["office"].get(reverse("committee:board", args=[round_.slug])).content.decode()
    assert "待收纸质评审表" in page and "待缴费" in page
    assert 'id="overdue"' not in page
    data = round_.policy_data
    data["windows"]["fee_payment"]["end"] = (today - dt.timedelta(days=1)).isoformat()
    round_.policy_data = data
    round_.save(update_fields=["policy_data"])
    page = desk["office"].get(reverse("committee:board", args=[round_.slug])).content.decode()
    assert page.count("逾期未缴费") >= 2 and 'id="overdue"' in page and 'id="overdue-total">2<' in page
    listed = desk["office"].get(reverse("committee:board", args=[round_.slug]), {"overdue": 1}).content.decode()
    assert listed.count('data-step="待缴费"') == 2 + 1  # the two rows and the step's card
    # The office flags them (never deletes): one audit row, the fees stay.
    assert refused_code(post_step(desk["office"], "round", round_.pk, "fees_flag_overdue")) is None
    assert Fee.objects.filter(overdue_flagged_at__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action="fees_flagged_overdue").count() == 1


OFFICE_PAGES = ("board", "fees", "paper", "defence", "draws", "meetings", "results")


def test_office_pages_write_nothing_when_opened(desk):
    """GET never creates or changes a record (the fees page used to create the round's fees)."""
    Fee.objects.filter(dossier=desk["exempt"]).delete()  # a dossier received before fees came with receipt
    with CaptureQueriesContext(connection) as ctx:
        for name in OFFICE_PAGES:
            assert desk["office"].get(reverse(f"committee:{name}", args=[desk["round"].slug])).status_code == 200
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
        and "django_session" not in q["sql"]
    ]
    assert writes == []
    assert not Fee.objects.filter(dossier=desk["exempt"]).exists()


def test_fees_page_draws_up_the_missing_fees_on_request(desk):
    round_, office = desk["round"], desk["office"]
    Fee.objects.filter(dossier=desk["exempt"]).delete()
    page = office.get(reverse("committee:fees", args=[round_.slug])).content.decode()
    assert 'id="fees-draw-up-form"' in page and 'id="due-total">760<' in page
    assert refused_code(post_step(office, "round", round_.pk, "fees_draw_up")) is None
    assert fee_for(desk["exempt"]).amount_yuan == 380
    assert AuditEvent.objects.filter(action="fees_drawn_up").count() == 1
    page = office.get(reverse("committee:fees", args=[round_.slug])).content.decode()
    assert 'id="fees-draw-up-form"' not in page and 'id="due-total">1140<' in page


def test_board_counts_steps_in_sql_and_filters_and_pages(desk, office, today):
    round_, client = desk["round"], desk["office"]
    paid_in_cash(office, desk["exempt"], today)
    url = reverse("committee:board", args=[round_.slug])
    page = client.get(url).content.decode()
    assert '<div class="card" data-step="待缴费"><a href="?step=' in page and "<strong>2</strong> 待缴费" in page
    assert "<strong>1</strong> 待收纸质评审表" in page
    only_paid = client.get(url, {"step": "待收纸质评审表"}).content.decode()
    assert f'data-dossier="{desk["exempt"].pk}" data-step="待收纸质评审表"' in only_paid
    assert all(f'data-dossier="{d.pk}" data-step' not in only_paid for d in desk["defended"])
    api = f"/api/committee/office/rounds/{round_.slug}/board"
    first, second = (client.get(api, {"limit": 2, "page": n}).json() for n in (1, 2))
    assert first["pages"] == 2 and len(first["items"]) == 2 and len(second["items"]) == 1
    assert {r["dossier_id"] for r in first["items"] + second["items"]} == {
        d.pk for d in [*desk["defended"], desk["exempt"]]
    }
    assert first["steps"] == {"待缴费": 2, "待收纸质评审表": 1}
    unpaid = client.get(reverse("committee:fees", args=[round_.slug]), {"fee": "unpaid"}).content.decode()
    assert f'data-dossier="{desk["exempt"].pk}"' not in unpaid and f'data-dossier="{desk["defended"][0].pk}"' in unpaid


def test_board_page_totals_from_the_step_counts_equal_a_count_in_sql(desk, office, today):
    """The board's page numbers come from its step counts (no second pass over the round) for no filter, a
    step or 逾期; they must agree with counting the filtered list itself."""
    round_ = desk["round"]
    paid_in_cash(office, desk["exempt"], today)
    data = round_.policy_data
    data["windows"]["fee_payment"]["end"] = (today - dt.timedelta(days=1)).isoformat()
    round_.policy_data = data
    round_.save(update_fields=["policy_data"])
    round_ = type(round_).objects.get(pk=round_.pk)  # the policy is read once per instance
    summary = board_summary(office, round_)
    assert summary.overdue == 2 and sum(summary.steps.values()) == 3
    for filters in [
        BoardFilters(),
        BoardFilters(overdue=True),
        *(BoardFilters(step=s) for s in [*summary.steps, "待表决"]),
    ]:
        told = board_page(office, round_, filters, limit=1, summary=summary).page.paginator
        counted = board_page(office, round_, filters, limit=1).page.paginator
        assert told.count == counted.count == board_queryset(office, round_, filters).count(), filters
        assert told.num_pages == counted.num_pages


def test_fee_import_page_lists_matches_and_mismatches_and_applies_nothing_twice(desk, today):
    round_, office = desk["round"], desk["office"]
    # The fees were drawn up when the committee received the dossiers; opening the page writes nothing.
    assert Fee.objects.filter(dossier__round=round_).count() == 3
    office.get(reverse("committee:fees", args=[round_.slug]))
    assert Fee.objects.filter(dossier__round=round_).count() == 3
    a, b = desk["defended"]
    exempt_fee = fee_for(desk["exempt"])
    rows = [
        [fee_for(a).serial, "", 380, today.isoformat(), "T1"],
        ["", id_number_of(b), 380, today.isoformat(), "T2"],
        [exempt_fee.serial, "", 100, today.isoformat(), "T3"],  # wrong amount
        ["F-NOBODY", "", 380, today.isoformat(), "T4"],
    ]
    url = reverse("committee:step", args=["round", round_.pk, "fee_import"])
    response = office.post(url, {"file": payment_xlsx(rows)}, HTTP_HX_REQUEST="true")
    record = FeeImport.objects.get()
    assert response["HX-Redirect"] == reverse("committee:fee_import", args=[record.pk])
    page = office.get(response["HX-Redirect"]).content.decode()
    assert 'data-count="applied">2<' in page and 'data-count="mismatched">2<' in page
    assert "金额与应缴不符" in page and "未找到对应申报" in page
    office.post(url, {"file": payment_xlsx(rows)}, HTTP_HX_REQUEST="true")
    again = FeeImport.objects.order_by("-id").first()
    assert again.applied == 0 and again.already_paid == 2
    assert Fee.objects.filter(paid_at__isnull=False).count() == 2
    fees_page = office.get(reverse("committee:fees", args=[round_.slug])).content.decode()
    assert 'id="paid-total">760<' in fees_page
    # A file that is not XLSX: the message, nothing recorded.
    bad = io.BytesIO(b"not a workbook")
    bad.name = "x.xlsx"
    assert refused_code(office.post(url, {"file": bad}, HTTP_HX_REQUEST="true")) == "invalid_input"
    assert FeeImport.objects.count() == 2


def test_scanned_form_code_jumps_to_the_dossier_and_paper_is_received_once(desk, office, today):
    round_, client = desk["round"], desk["office"]
    dossier = desk["defended"][1]
    form = evaluation_form_generate(dossier=dossier, actor=office)
    scanned = f"http://testserver/documents/verify/{form.verification_code}/"
    response = client.get(reverse("committee:paper", args=[round_.slug]), {"code": scanned})
    assert response.status_code == 302 and response["Location"].endswith(f"?found={dossier.pk}#dossier-{dossier.pk}")
    page = client.get(response["Location"]).content.decode()
    assert f'id="dossier-{dossier.pk}" data-dossier="{dossier.pk}" class="found"' in page
    missing = client.get(reverse("committee:paper", args=[round_.slug]), {"code": "NOPE123"}, follow=True)
    assert "未找到与该二维码或验证码对应的评审表" in missing.content.decode()
    assert (
        refused_code(post_step(client, "dossier", dossier.pk, "paper_receipt_record", {"received_on": today})) is None
    )
    again = post_step(client, "dossier", dossier.pk, "paper_receipt_record", {"received_on": today})
    assert refused_code(again) == "already_recorded"
    late = post_step(client, "dossier", desk["defended"][0].pk, "paper_receipt_record", {"received_on": "2001-01-01"})
    assert refused_code(late) == "outside_window"
    unit = dossier.unit
    assert refused_code(post_step(client, "round", round_.pk, "roster_receipt_record", {"unit": unit.pk})) is None


def test_defence_scheduled_scored_by_the_panel_and_exempt_average_recomputed(desk, experts, today):
    round_, client = desk["round"], desk["office"]
    a, b = desk["defended"]
    panel = experts[:3]
    response = post_step(
        client,
        "round",
        round_.pk,
        "defence_schedule",
        {
            "held_on": today,
            "place": "州交通运输局会议室",
            "panel": [e.user_id for e in panel],
            "dossiers": [a.pk, b.pk],
        },
    )
    assert refused_code(response) is None
    session = round_.defence_sessions.get()
    # Scheduling an exempt applicant is refused with the reason.
    refused = post_step(
        client,
        "round",
        round_.pk,
        "defence_schedule",
        {"held_on": today, "place": "x", "panel": [panel[0].user_id], "dossiers": [desk["exempt"].pk]},
    )
    assert refused_code(refused) == "invalid_input"

    def score(expert: Expert, dossier: Dossier, theory: int, practice: int) -> None:
        items = {"item_theory": theory, "item_practice": practice, "item_answers": 15, "item_expression": 8}
        result = post_step(
            client_for(expert.user), "session", session.pk, "defence_score", {"dossier": dossier.pk, **items}
        )
        assert refused_code(result) is None

    sheet_page = client_for(panel[0].user).get(reverse("committee:defence_session", args=[session.pk]))
    assert 'name="item_theory"' in sheet_page.content.decode()
    score(panel[0], a, 25, 30)  # 78
    score(panel[1], a, 20, 30)  # 73
    score(panel[0], b, 28, 36)  # 87
    # a: (78+73)/2 = 75.50; b: 87; the exempt applicant's average of the defended: (75.50+87)/2 = 81.25
    outcome = DefenceOutcome.objects.get(dossier=desk["exempt"])
    assert outcome.basis == DefenceOutcome.Basis.EXEMPT_AVERAGE and outcome.score == Decimal("81.25")
    page = client.get(reverse("committee:defence", args=[round_.slug])).content.decode()
    assert f'data-dossier="{desk["exempt"].pk}" data-basis="exempt_average" data-score="81.25"' in page
    score(panel[1], b, 18, 30)  # b: (87+71)/2 = 79 → average (75.50+79)/2 = 77.25
    outcome.refresh_from_db()
    assert outcome.score == Decimal("77.25")
    # Someone not on the panel cannot score.
    outsider = post_step(
        client_for(experts[5].user), "session", session.pk, "defence_score", {"dossier": a.pk, "item_theory": 1}
    )
    assert refused_code(outsider) == "permission_denied"


def test_expert_pool_edit_and_the_draws_recorded_with_recusals(desk, orgs, experts, demo_users):
    round_, client = desk["round"], desk["office"]
    # The demo expert is not in the pool yet: the office adds them from the page.
    user = demo_users["demo_expert"]
    added = post_step(
        client,
        "user",
        user.pk,
        "expert_register",
        {"title": "高级工程师", "specialty": "公路与运输", "organization_name": "新疆交通设计院"},
    )
    assert refused_code(added) is None
    expert = Expert.objects.get(user=user)
    edit = post_step(
        client,
        "expert",
        expert.pk,
        "expert_update",
        {
            "title": "正高级工程师",
            "specialty": "桥梁",
            "unit": orgs["U-BZGL"].pk,
            "organization_name": "",
            "status": "active",
        },
    )
    assert refused_code(edit) is None
    expert.refresh_from_db()
    assert (expert.title, expert.unit_id) == ("正高级工程师", orgs["U-BZGL"].pk)
    assert AuditEvent.objects.get(action="expert_updated").extra["changed"]["title"] == ["高级工程师", "正高级工程师"]
    # A group below the legal minimum is refused.
    assert refused_code(post_step(client, "round", round_.pk, "committee_draw", {"size": "10", "seed": "s1"})) is None
    small = post_step(
        client, "round", round_.pk, "group_draw", {"name": "评议组1", "size": "2", "dossiers": [desk["defended"][0].pk]}
    )
    assert refused_code(small) == "invalid_input"
    # The expert now at 库尔勒交通建设 is skipped for its dossiers, and the page says why; the draw replays.
    group = post_step(
        client,
        "round",
        round_.pk,
        "group_draw",
        {"name": "评议组1", "size": "9", "seed": "g1", "dossiers": [d.pk for d in desk["defended"]]},
    )
    assert refused_code(group) is None
    record = Draw.objects.get(purpose=Draw.Purpose.GROUP)
    assert [s["expert"] for s in record.skipped] == [expert.pk]
    assert not ExpertAssignment.objects.filter(expert=user).exists()
    page = client.get(reverse("committee:draws", args=[round_.slug])).content.decode()
    assert "与申报人同一单位" in page and page.count("按记录复现一致") == 2


def _ready_meeting(desk, office, experts, today) -> Meeting:
    """Two junior-like dossiers ready: paid, paper in, defence settled; a committee of nine; a meeting."""
    round_ = desk["round"]
    for dossier in [*desk["defended"], desk["exempt"]]:
        paid_in_cash(office, dossier, today)
        committee_act(
            actor=office, subject="dossier", subject_id=dossier.pk, action="paper_receipt_record", received_on=today
        )
    DefenceOutcome.objects.filter(dossier__in=desk["defended"]).delete()
    for dossier in desk["defended"]:
        DefenceOutcome.objects.create(dossier=dossier, basis=DefenceOutcome.Basis.DEFENDED, score=80, passed=True)
    committee_act(actor=office, subject="round", subject_id=round_.pk, action="committee_draw", size=9, seed="m")
    return committee_act(
        actor=office,
        subject="round",
        subject_id=round_.pk,
        action="meeting_create",
        held_on=today,
        place="州评委会会议室",
        dossiers=[d.pk for d in desk["defended"]],
    )


def test_meeting_quorum_secret_ballot_count_one_short_and_sealed_minutes(desk, office, experts, today):
    meeting = _ready_meeting(desk, office, experts, today)
    client = desk["office"]
    members = [m.expert for m in CommitteeMember.objects.filter(round=desk["round"]).order_by("expert_id")]
    # 5 of 9 present: one short of 6 (2/3) — the page shows it and opening the vote is refused.
    post_step(client, "meeting", meeting.pk, "attendance_record", {"present": [e.pk for e in members[:5]]})
    page = client.get(reverse("committee:meeting", args=[meeting.pk])).content.decode()
    assert 'id="quorum" data-ok="0"' in page and "不足法定人数" in page
    assert refused_code(post_step(client, "meeting", meeting.pk, "voting_open")) == "quorum_not_met"
    post_step(client, "meeting", meeting.pk, "attendance_record", {"present": [e.pk for e in members[:6]]})
    assert refused_code(post_step(client, "meeting", meeting.pk, "voting_open")) is None
    passed, failed = desk["defended"]
    present = members[:6]
    # passed: 4 yes of 6 (= 2/3); failed: 3 yes of 6 — one short of 2/3.
    for i, expert in enumerate(present):
        voter = client_for(expert.user)
        assert f'data-dossier="{passed.pk}"' in voter.get(reverse("committee:vote")).content.decode()
        for dossier, yes_count in ((passed, 4), (failed, 3)):
            choice = "yes" if i < yes_count else "no"
            assert (
                refused_code(
                    post_step(voter, "meeting", meeting.pk, "ballot_cast", {"dossier": dossier.pk, "choice": choice})
                )
                is None
            )
    twice = post_step(
        client_for(present[0].user), "meeting", meeting.pk, "ballot_cast", {"dossier": passed.pk, "choice": "no"}
    )
    assert refused_code(twice) == "already_recorded"
    absent = post_step(
        client_for(members[7].user), "meeting", meeting.pk, "ballot_cast", {"dossier": passed.pk, "choice": "yes"}
    )
    assert refused_code(absent) == "permission_denied"
    # The audit says "voted", never the choice; ballots carry no voter.
    assert all("choice" not in e.extra for e in AuditEvent.objects.filter(action="voted"))
    assert {f.name for f in Ballot._meta.get_fields()} == {"id", "meeting", "dossier", "choice"}
    assert BallotCast.objects.count() == 12
    for dossier in (passed, failed):
        assert refused_code(post_step(client, "meeting", meeting.pk, "vote_count", {"dossier": dossier.pk})) is None
    passed.refresh_from_db()
    failed.refresh_from_db()
    assert (passed.status, failed.status) == ("passed", "not_passed")
    late = post_step(
        client_for(present[5].user), "meeting", meeting.pk, "ballot_cast", {"dossier": passed.pk, "choice": "yes"}
    )
    assert refused_code(late) == "voting_closed"
    # Sealed minutes: hash shown and verified; a second seal and an edit are refused; a correction is a new record.
    assert refused_code(post_step(client, "meeting", meeting.pk, "minutes_seal")) is None
    minutes = Minutes.objects.get()
    page = client.get(reverse("committee:meeting", args=[meeting.pk])).content.decode()
    assert minutes.sha256 in page and "校验一致，未被改动" in page
    assert refused_code(post_step(client, "meeting", meeting.pk, "minutes_seal")) == "record_sealed"
    corrected = post_step(client, "minutes", minutes.pk, "minutes_correct", {"reason": "出席名单笔误"})
    assert refused_code(corrected) is None
    assert Minutes.objects.count() == 2 and Minutes.objects.get(pk=minutes.pk).intact
    # Tampering with the stored content shows on the page.
    Minutes.objects.filter(pk=minutes.pk).update(content={**minutes.content, "place": "别处"})
    assert "校验不一致" in client.get(reverse("committee:meeting", args=[meeting.pk])).content.decode()


def test_results_publicity_recheck_by_the_applicant_confirmation_and_certificate(desk, office, experts, today, client):
    meeting = _ready_meeting(desk, office, experts, today)
    members = [m.expert for m in CommitteeMember.objects.filter(round=desk["round"]).order_by("expert_id")]
    committee_act(
        actor=office,
        subject="meeting",
        subject_id=meeting.pk,
        action="attendance_record",
        present=[e.pk for e in members],
    )
    committee_act(actor=office, subject="meeting", subject_id=meeting.pk, action="voting_open")
    passed, failed = desk["defended"]
    for i, expert in enumerate(members):
        for dossier in (passed, failed):
            yes = dossier == passed or i < 5
            committee_act(
                actor=expert.user,
                subject="meeting",
                subject_id=meeting.pk,
                action="ballot_cast",
                dossier=dossier.pk,
                choice="yes" if yes else "no",
            )
    for dossier in (passed, failed):
        committee_act(actor=office, subject="meeting", subject_id=meeting.pk, action="vote_count", dossier=dossier.pk)
    office_client = desk["office"]
    # Publicity before sealing is refused; then it runs for 5 working days.
    assert (
        refused_code(
            post_step(office_client, "round", desk["round"].pk, "results_publicity_start", {"starts_on": today})
        )
        == "illegal_transition"
    )
    committee_act(actor=office, subject="meeting", subject_id=meeting.pk, action="minutes_seal")
    assert (
        refused_code(
            post_step(office_client, "round", desk["round"].pk, "results_publicity_start", {"starts_on": today})
        )
        is None
    )
    publicity = ResultsPublicity.objects.get()
    # The applicant sees the outcome on their dossier page and requests a re-check there.
    applicant = client_for(failed.applicant)
    page = applicant.get(reverse("dossiers:detail", args=[failed.pk])).content.decode()
    assert 'id="committee-outcome" data-passed="0"' in page and 'id="recheck-form"' in page
    assert (
        refused_code(
            post_step(
                applicant, "publicity", publicity.pk, "recheck_request", {"dossier": failed.pk, "reason": "请复核业绩"}
            )
        )
        is None
    )
    stranger = post_step(
        client_for(passed.applicant),
        "publicity",
        publicity.pk,
        "recheck_request",
        {"dossier": failed.pk, "reason": "x"},
    )
    assert refused_code(stranger) == "permission_denied"
    recheck = RecheckRequest.objects.get()
    # The office names the application by its number (the page's list is paged; a letter cites the number).
    unknown = post_step(
        office_client,
        "publicity",
        publicity.pk,
        "objection_record",
        {"dossier": "BZ1999-999999", "received_on": today, "content": "x"},
    )
    assert refused_code(unknown) == "invalid_input"
    objection = post_step(
        office_client,
        "publicity",
        publicity.pk,
        "objection_record",
        {"dossier": passed.serial_number.lower(), "received_on": today, "content": "反映论文署名问题"},
    )
    assert refused_code(objection) is None and publicity.objections.get().dossier_id == passed.pk
    with time_machine.travel(
        timezone.make_aware(dt.datetime.combine(publicity.ends_on + dt.timedelta(days=1), dt.time(9))), tick=False
    ):
        # Open objection and re-check: confirmation refused.
        assert (
            refused_code(post_step(office_client, "publicity", publicity.pk, "results_confirm")) == "illegal_transition"
        )
        post_step(office_client, "recheck", recheck.pk, "recheck_answer", {"answer": "经复查，维持原评审结果。"})
        post_step(
            office_client,
            "objection",
            publicity.objections.get().pk,
            "objection_resolve",
            {"resolution": "经核实署名无误。"},
        )
        assert refused_code(post_step(office_client, "publicity", publicity.pk, "results_confirm")) is None
        response = office_client.post(reverse("committee:certificate_issue", args=[passed.pk]), follow=True)
        assert "电子证书已发放" in response.content.decode()
        refused = office_client.post(reverse("committee:certificate_issue", args=[failed.pk]), follow=True)
        assert "只有评审通过的申报可以发证" in refused.content.decode() or "不能执行" in refused.content.decode()
    certificate = Certificate.objects.get()
    assert Dossier.objects.get(pk=passed.pk).status == "certificate_issued"
    page = applicant.get(reverse("dossiers:detail", args=[failed.pk])).content.decode()
    assert "经复查，维持原评审结果。" in page
    pdf = client_for(passed.applicant).get(reverse("committee:certificate_pdf", args=[certificate.pk]))
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert (
        client_for(failed.applicant).get(reverse("committee:certificate_pdf", args=[certificate.pk])).status_code == 302
    )
    # The public lookup by number, without signing in, leads to the same verification page as the QR.
    lookup = client.get(
        reverse("committee:certificate_lookup"), {"number": certificate.number.lower()}
    ).content.decode()
    assert "证书有效" in lookup and reverse("documents:verify", args=[certificate.verification_code]) in lookup
    api = client.get(f"/api/committee/certificates/{certificate.number}").json()
    assert api["valid"] is True and api["holder"] != passed.applicant.display_name


def test_certificate_issue_through_the_generic_dossier_route_carries_the_certificate(desk, office, experts, today):
    """The policy's certificate_issue row is the CertificateIssueAction: no state move without a certificate."""
    meeting = _ready_meeting(desk, office, experts, today)
    members = [m.expert for m in CommitteeMember.objects.filter(round=desk["round"])]
    committee_act(
        actor=office,
        subject="meeting",
        subject_id=meeting.pk,
        action="attendance_record",
        present=[e.pk for e in members],
    )
    committee_act(actor=office, subject="meeting", subject_id=meeting.pk, action="voting_open")
    dossier = desk["defended"][0]
    for expert in members:
        committee_act(
            actor=expert.user,
            subject="meeting",
            subject_id=meeting.pk,
            action="ballot_cast",
            dossier=dossier.pk,
            choice="yes",
        )
    committee_act(actor=office, subject="meeting", subject_id=meeting.pk, action="vote_count", dossier=dossier.pk)
    api = client_for(office)
    early = api.post(f"/api/dossiers/{dossier.pk}/actions/certificate_issue", {}, content_type="application/json")
    assert early.status_code == 409 and early.json()["code"] == "illegal_transition"
    assert not Certificate.objects.exists()


def test_api_board_and_steps_answer_with_typed_codes(desk, office, today):
    api = client_for(office)
    body = api.get(f"/api/committee/office/rounds/{desk['round'].slug}/board").json()
    assert {r["dossier_id"] for r in body["items"]} == {d.pk for d in [*desk["defended"], desk["exempt"]]}
    assert body["count"] == 3 and body["pages"] == 1 and body["steps"] == {"待缴费": 3}
    # A page of one: the paging says how many there are, the steps stay those of the whole board.
    one = api.get(f"/api/committee/office/rounds/{desk['round'].slug}/board", {"limit": 1, "page": 2}).json()
    assert len(one["items"]) == 1 and one["count"] == 3 and one["pages"] == 3 and one["steps"] == {"待缴费": 3}
    fee = fee_for(desk["exempt"])
    url = f"/api/committee/steps/fee/{fee.pk}/fee_payment_record"
    body = {"params": {"paid_on": today.isoformat(), "method": "cash"}}
    assert api.post(url, body, content_type="application/json").status_code == 200
    again = api.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_recorded"
    unknown = api.post(f"/api/committee/steps/fee/{fee.pk}/nothing", body, content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    xlsx = payment_xlsx([[fee_for(desk["defended"][0]).serial, "", 380, today.isoformat(), "T9"]])
    imported = api.post(f"/api/committee/office/rounds/{desk['round'].pk}/fee-imports", {"file": xlsx}).json()
    assert imported["applied"] == 1 and imported["rows"][0]["outcome"] == "applied"
