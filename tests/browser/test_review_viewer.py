"""A clerk reviews in one screen, on a desktop and on a 390×844 phone (issue 13, points 8-9):
bulk 开始审核 from the queue (with its confirmation), the in-page image viewer (zoom, rotate, next, the
checklist tick kept per reviewer × attachment), small thumbnails, a return with standard reasons picked
plus free text, "next dossier" in the queue's order, and a bulk 同意推荐 whose refusal names the applicant.
Screenshots go to test-artifacts/review_viewer/<viewport>/.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
import time_machine
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page

from accounts.models import Organization, Role, RoleAssignment, User
from demo.setup import DEMO_PASSWORD
from dossiers import services as dossier_services
from dossiers.models import Dossier
from masking.services import masking_confirm
from masking.thumbnails import THUMBNAIL_SIDE
from tests.conftest import login
from tests.dossiers.conftest import fill_sections, upload_required
from tests.workflow.conftest import file_unit_records
from workflow import actions
from workflow.models import AttachmentCheck, Transition
from workflow.services import publicity_result_record, publicity_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _submitted(applicant: User, round_) -> Dossier:
    dossier = dossier_services.dossier_create(actor=applicant, round_=round_, level="mid", kind="evaluation")
    fill_sections(dossier, applicant)
    upload_required(dossier, applicant)
    for attachment in dossier.attachments.all():
        masking_confirm(actor=applicant, attachment_id=attachment.pk, boxes=[], needs_masking=False)
    return actions.act(actor=applicant, dossier_id=dossier.pk, action="submit")


def _colleague() -> User:
    """A second applicant of 库尔勒交通建设工程有限公司, so the unit's queue holds two dossiers."""
    user = User.objects.create_user(username="wang_lei", password=DEMO_PASSWORD, full_name="王磊")
    RoleAssignment.objects.create(user=user, role=Role.APPLICANT, organization=Organization.objects.get(code="U-KRLJT"))
    return user


def _confirm(page: Page) -> None:
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    page.locator("#confirm-dialog #confirm-ok").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_clerk_reviews_in_one_screen(browser, live_server, contexts, open_round, demo_users, artifacts_dir, viewport):
    shots = artifacts_dir / "review_viewer" / viewport
    shots.mkdir(parents=True, exist_ok=True)
    first = _submitted(demo_users["demo_applicant"], open_round)
    second = _submitted(_colleague(), open_round)
    unit_user = demo_users["demo_unit"]

    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[viewport], has_touch=viewport == "phone")
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(20000)
    login(page, live_server, "demo_unit", DEMO_PASSWORD)

    # 1. Bulk 开始审核 for both from the queue, after a confirmation naming the step.
    page.goto(f"{live_server.url}/review/")
    for dossier in (first, second):
        page.locator(f'#queue-table tr[data-dossier="{dossier.pk}"] input[name=ids]').check()
    page.select_option("#bulk-form select[name=action]", "unit_accept")
    page.locator("#bulk-form button[type=submit]").click()
    page.locator("#confirm-dialog .confirm-message", has_text="开始审核").wait_for()
    page.screenshot(path=str(shots / "01-bulk-confirm.png"))
    _confirm(page)
    page.locator(".msg-success", has_text="李建国").wait_for()
    assert set(Dossier.objects.values_list("status", flat=True)) == {"unit_review"}

    # 2. The first dossier: small thumbnails, then the viewer.
    page.goto(f"{live_server.url}/review/dossier/{first.pk}/")
    thumbs = page.locator("#review-materials .viewer-open")
    assert thumbs.count() == first.attachments.count() >= 3
    thumb_url = page.locator("#review-materials .review-thumb img").first.get_attribute("src")
    response = page.request.get(f"{live_server.url}{thumb_url}")
    assert response.status == 200 and response.headers["cache-control"].startswith("private")
    with Image.open(io.BytesIO(response.body())) as thumb:
        assert max(thumb.size) <= THUMBNAIL_SIDE
    page.screenshot(path=str(shots / "02-review-page.png"))

    thumbs.first.click()
    viewer = page.locator("#viewer")
    viewer.wait_for(state="visible")
    page.wait_for_function("document.querySelector('#viewer .viewer-image').naturalWidth > 0")
    page.locator("[data-viewer=zoom-in]").click()
    page.locator("[data-viewer=rotate]").click()
    assert float(viewer.get_attribute("data-scale")) > 1 and viewer.get_attribute("data-rotate") == "90"
    if viewport == "desktop":
        page.keyboard.press("ArrowRight")
    else:
        page.locator("[data-viewer=next]").click()
    assert viewer.get_attribute("data-index") == "1" and viewer.get_attribute("data-scale") == "1.00"
    second_attachment = int(viewer.get_attribute("data-attachment"))
    page.locator("#viewer [data-viewer=check]").check()
    page.locator(f'.review-thumb[data-attachment="{second_attachment}"][data-saved="1"]').wait_for(state="attached")
    page.screenshot(path=str(shots / "03-viewer.png"))
    if viewport == "desktop":
        page.keyboard.press("Escape")
    else:
        page.locator("[data-viewer=close]").click()
    viewer.wait_for(state="hidden")
    assert AttachmentCheck.objects.filter(reviewer=unit_user, attachment_id=second_attachment).exists()
    page.reload()  # the tick is kept
    assert page.locator(f'.review-thumb[data-attachment="{second_attachment}"] .attachment-check').is_checked()
    page.locator("#checklist-progress[data-checked='1']").wait_for()

    # 3. A return with standard reasons picked and one written.
    page.locator("#return-form-box summary").click()
    section = page.locator("#return-form fieldset[data-section=achievements]")
    section.locator("label", has_text="业绩成果缺少证明材料").click()
    page.fill("#return-form [name=reason_work_summary]", "请补充主持的养护项目。")
    page.locator("#return-form fieldset[data-section=achievements]").screenshot(path=str(shots / "04-reasons.png"))
    page.locator("#return-form button[type=submit]").click()
    _confirm(page)
    page.locator("#open-return").wait_for()
    record = Transition.objects.get(dossier=first, action="return")
    assert {(r["section"], r["reason"]) for r in record.reasons} == {
        ("achievements", "业绩成果缺少证明材料"),
        ("work_summary", "请补充主持的养护项目。"),
    }

    # 4. "Next dossier" goes on in the queue's order: the colleague's dossier.
    page.locator("#next-dossier").click()
    page.wait_for_url(f"**/review/dossier/{second.pk}/")
    page.screenshot(path=str(shots / "05-next-dossier.png"))

    # 5. The colleague's publicity ends; bulk 同意推荐 with the returned dossier ticked too: one done,
    # the other refused by the applicant's name. The unit has filed the colleague's signed publicity records.
    publicity = publicity_start(dossier_ids=[second.pk], actor=unit_user, start=timezone.localdate(), contact="人事科")
    after = timezone.make_aware(dt.datetime.combine(publicity.end + dt.timedelta(days=1), dt.time(9, 0)))
    with time_machine.travel(after, tick=True):
        publicity_result_record(publicity_id=publicity.pk, actor=unit_user, objections="无", objection_upheld=False)
        file_unit_records(second, unit_user)  # the signed annex 1 and 2 come before 同意推荐 (notice 五(二))
        page.goto(f"{live_server.url}/review/?all=1")
        for dossier in (first, second):
            page.locator(f'#queue-table tr[data-dossier="{dossier.pk}"] input[name=ids]').check()
        page.select_option("#bulk-form select[name=action]", "recommend")
        page.locator("#bulk-recommend-text", has_text="同意推荐").wait_for()
        page.locator("#bulk-form button[type=submit]").click()
        _confirm(page)
        page.locator(".msg-success", has_text="王磊").wait_for()
        refusal = page.locator(".msg-error", has_text="李建国")
        refusal.wait_for()
        assert "#" not in refusal.inner_text()
        page.screenshot(path=str(shots / "06-bulk-recommend.png"), full_page=viewport == "desktop")
    second.refresh_from_db()
    assert second.status == "recommended"
