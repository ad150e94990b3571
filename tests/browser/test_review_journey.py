"""The review journey in Debian's Chromium, each role in its own browser context:
applicant submits → unit accepts, publicises (the clock moves past the publicity) and recommends →
county returns with reasons per section → applicant sees them, fixes, resubmits → county and
prefecture accept → the applicant sees 评审委员会已接收材料. Screenshots go to test-artifacts/review_journey/.

The applicant's filling of the 15 sections is its own journey (test_applicant_journey.py); here the
dossier is filled through the same services before the applicant opens it and presses submit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext

from demo.setup import DEMO_PASSWORD
from dossiers import services as dossier_services
from dossiers.models import Dossier
from masking.services import masking_confirm
from tests.conftest import confirm_if_asked, login
from tests.dossiers.conftest import fill_sections, upload_required
from tests.dossiers.helpers import jpeg_bytes
from workflow.models import Notification, Publicity, Transition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts opened by the test, closed before the live server stops (no request left running)."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _as(browser, live_server, username, contexts):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(20000)
    login(page, live_server, username, DEMO_PASSWORD)
    return page


def _open_from_queue(page, live_server, dossier, status=""):
    page.goto(f"{live_server.url}/review/" + (f"?status={status}" if status else ""))
    page.locator(f'#queue-table tr[data-dossier="{dossier.pk}"] a', has_text="查看/办理").click()
    page.wait_for_url(f"**/review/dossier/{dossier.pk}/")


def _click_action(page, label: str) -> None:
    page.locator("#actions button", has_text=label).click()
    confirm_if_asked(page)
    page.wait_for_load_state("networkidle")


def test_review_journey(browser, live_server, contexts, open_round, demo_users, artifacts_dir):
    shots = artifacts_dir / "review_journey"
    shots.mkdir(exist_ok=True)
    applicant = demo_users["demo_applicant"]
    dossier = dossier_services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    fill_sections(dossier, applicant)
    upload_required(dossier, applicant)
    for attachment in dossier.attachments.all():
        masking_confirm(actor=applicant, attachment_id=attachment.pk, boxes=[], needs_masking=False)

    # 1. The applicant submits.
    me = _as(browser, live_server, "demo_applicant", contexts)
    me.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    me.locator("#completeness-state", has_text="全部完整，可以提交").wait_for()
    me.click("#submit-dossier")
    confirm_if_asked(me)
    me.locator("#dossier-status[data-status=submitted]").wait_for()
    me.screenshot(path=str(shots / "01-applicant-submitted.png"))

    # 2. The unit: its queue, accept, start the publicity.
    unit = _as(browser, live_server, "demo_unit", contexts)
    unit.goto(f"{live_server.url}/review/")
    unit.locator("#status-counts [data-state=submitted]").wait_for()
    unit.screenshot(path=str(shots / "02-unit-queue.png"), full_page=True)
    _open_from_queue(unit, live_server, dossier)
    _click_action(unit, "开始审核")
    unit.locator("#dossier-status[data-status=unit_review]").wait_for()
    unit.click("text=开始单位公示")
    unit.fill("#publicity-form [name=contact]", "单位人事科，监督电话：0996-2024500")
    unit.locator("#publicity-form button[type=submit]").click()
    unit.locator("#publicity-result", has_text="公示中").wait_for()
    unit.screenshot(path=str(shots / "03-unit-publicity-started.png"), full_page=True)
    publicity = Publicity.objects.get(dossiers=dossier)
    assert publicity.working_days == 5 and publicity.end > publicity.start

    # The recommendation is not offered while the publicity runs; the page says why.
    unit.goto(f"{live_server.url}/review/dossier/{dossier.pk}/")
    assert unit.locator("#actions button", has_text="同意推荐").count() == 0
    unit.locator("#pending-actions", has_text="公示结束后方可推荐").wait_for()

    # 3. The clock moves to the first day after the publicity; the unit records the result and recommends.
    after = timezone.make_aware(dt.datetime.combine(publicity.end + dt.timedelta(days=1), dt.time(9, 0)))
    with time_machine.travel(after, tick=True):
        unit.goto(f"{live_server.url}/review/publicity/{publicity.pk}/")
        unit.fill("#publicity-result-form [name=objections]", "无")
        unit.locator("#publicity-result-form button[type=submit]").click()
        unit.locator("#confirm-dialog[open]", has_text="登记后不能更改").wait_for()
        confirm_if_asked(unit)
        unit.locator("#publicity-result", has_text="公示无异议").wait_for()
        # The signed, stamped annex 1 and annex 2 go into section 13 before 同意推荐 (issue 10 point 7).
        signed = shots / "signed-record.jpg"
        signed.write_bytes(jpeg_bytes())
        unit.goto(f"{live_server.url}/review/dossier/{dossier.pk}/")
        unit.locator("#unit-records .warn", has_text="推荐单位公示（附件1").wait_for()
        for doc_type in ("unit_publicity", "publicity_result"):
            unit.select_option("#unit-records [name=doc_type]", doc_type)
            unit.set_input_files("#unit-records [name=file]", str(signed))
            unit.locator("#unit-records button[type=submit]").click()
            unit.locator(".msg-success", has_text="归入申报材料第 13 栏").wait_for()
        unit.locator("#unit-records .ok").wait_for()
        unit.screenshot(path=str(shots / "04a-unit-records.png"), full_page=True)
        unit.goto(f"{live_server.url}/review/publicity/{publicity.pk}/")
        unit.locator("#publicity-recommend-form button[type=submit]").click()
        # Recommending cannot be undone: the page asks first, naming how many dossiers it recommends.
        unit.locator("#confirm-dialog[open]", has_text="推荐本次公示的 1 份申报").wait_for()
        confirm_if_asked(unit)
        unit.locator(".msg-success", has_text="已同意推荐").wait_for()
        unit.screenshot(path=str(shots / "04-unit-recommended.png"), full_page=True)
        dossier.refresh_from_db()
        assert dossier.status == "recommended"
        assert Transition.objects.get(dossier=dossier, action="recommend").note == (
            "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"
        )

        # 4. The county of 库尔勒市 accepts and returns it with reasons per section.
        county = _as(browser, live_server, "demo_county", contexts)
        _open_from_queue(county, live_server, dossier)
        county.locator("#publicity a", has_text="推荐单位公示结果").first.wait_for()  # annex 2 on the dossier
        # The signed records are beside the dossier, in section 13, marked as the unit's.
        county.locator("#ro-other_attachments .review-thumb", has_text="推荐单位上传").first.wait_for()
        _click_action(county, "开始县（市）审核")
        county.locator("#dossier-status[data-status=county_review]").wait_for()
        county.locator("#return-form-box summary").click()
        county.fill("#return-form [name=reason_work_summary]", "工作总结未写明任现职以来主持的项目，请补充。")
        county.fill("#return-form [name=reason_papers]", "论文需上传期刊封面与目录页。")
        county.screenshot(path=str(shots / "05-county-return-form.png"), full_page=True)
        county.locator("#return-form button[type=submit]").click()
        confirm_if_asked(county)
        county.locator("#open-return").wait_for()
        dossier.refresh_from_db()
        assert dossier.status == "returned" and dossier.returned_by_level == "county"

        # 5. The applicant sees the reasons beside the deadline, fixes the section and resubmits.
        me.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
        reasons = me.locator("#return-reasons")
        reasons.locator("li[data-section=work_summary]", has_text="主持的项目").wait_for()
        reasons.locator("li[data-section=papers]", has_text="期刊封面").wait_for()
        assert me.locator("#return-notice .countdown").inner_text().strip() != ""
        # ... and beside the section itself.
        me.locator("#section-work_summary .return-reasons", has_text="主持的项目").wait_for()
        assert me.locator("#section-basic_info .return-reasons").count() == 0
        assert Notification.objects.filter(recipient=applicant, kind=Notification.Kind.RETURNED).exists()
        me.locator("#workflow-panel").screenshot(path=str(shots / "06-applicant-sees-reasons.png"))
        summary = me.locator("#section-work_summary textarea[name='work_summary-text']")
        summary.fill(summary.input_value() + "任现职以来主持库尔勒至尉犁公路大中修工程技术管理，负责质量控制。")
        me.locator("#section-work_summary button.save-section").click()
        me.locator("#section-work_summary .msg-success").wait_for()
        me.reload()
        me.click("#submit-dossier")
        confirm_if_asked(me)
        me.locator("#dossier-status[data-status=recommended]").wait_for()
        # A resubmission checks, snapshots and notifies in the request (huey runs inline here): slow on a loaded box.
        me.locator(".msg-success", has_text="已提交至县（市）").wait_for(timeout=60000)
        dossier.refresh_from_db()
        assert dossier.submission_count == 2

        # 6. Back at the county (the returning level), then the prefecture office.
        _open_from_queue(county, live_server, dossier)
        county.click("text=查看历次提交的修改内容")
        county.locator(".diff td", has_text="主持库尔勒至尉犁公路大中修工程").first.wait_for()
        county.screenshot(path=str(shots / "07-county-sees-changes.png"), full_page=True)
        county.goto(f"{live_server.url}/review/dossier/{dossier.pk}/")
        _click_action(county, "开始县（市）审核")
        _click_action(county, "审核通过，报送州级")
        county.locator("#dossier-status[data-status=prefecture_review]").wait_for()

        prefecture = _as(browser, live_server, "demo_prefecture", contexts)
        _open_from_queue(prefecture, live_server, dossier)
        _click_action(prefecture, "形式审核通过，评委会接收材料")
        prefecture.locator("#dossier-status", has_text="评审委员会已接收材料").wait_for()
        prefecture.screenshot(path=str(shots / "08-prefecture-accepted.png"), full_page=True)

        # 7. The applicant's page says so, with the whole history.
        me.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
        me.locator("#dossier-status", has_text="评审委员会已接收材料").wait_for()
        me.locator("#workflow-panel").screenshot(path=str(shots / "09-applicant-committee-received.png"))

    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.status == "committee_received"
    assert list(Transition.objects.filter(dossier=dossier).order_by("id").values_list("action", flat=True)) == [
        "submit", "unit_accept", "start_publicity", "recommend", "county_accept", "return",
        "resubmit", "county_accept", "county_approve", "prefecture_accept",
    ]  # fmt: skip
