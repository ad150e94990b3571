"""The applicant's page when things go wrong and on a phone, in Debian's Chromium at a desk (1280×900) and
on a 390×844 phone: a dropped upload is retried, a failed save says so and gives the button back, a
large phone photo is downscaled in the browser before it travels, a one-inch photo fits the photo slot,
the section navigation leads after a return, and the confirmation dialogs guard submit, approve and
return. Screenshots go to test-artifacts/applicant_phone/."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from demo.review import _create_and_drive
from demo.setup import DEMO_PASSWORD
from dossiers import services as dossier_services
from dossiers.models import Attachment, Dossier
from dossiers.states import RECOMMENDED
from tests.conftest import confirm_if_asked, login
from tests.dossiers.conftest import fill_sections
from tests.dossiers.helpers import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request) -> str:
    return request.param


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _as(browser: Browser, live_server, username: str, screen: str, contexts: list[BrowserContext]) -> Page:
    phone = screen == "phone"
    context = browser.new_context(
        locale="zh-CN", viewport=VIEWPORTS[screen], is_mobile=phone, has_touch=phone, device_scale_factor=1
    )
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(20000)
    login(page, live_server, username, DEMO_PASSWORD)
    return page


def _open_section(page: Page, key: str) -> None:
    page.locator(f'#section-nav a[href="#section-{key}"]').click()
    page.locator(f"#section-{key}").wait_for(state="visible")


def _phone_photo() -> bytes:
    """A 12-megapixel camera picture of about 8 MB: above the round's 5 MB limit as it comes off the phone."""
    img = Image.effect_noise((4000, 3000), 20).convert("RGB")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=95)
    return out.getvalue()


def test_failed_requests_retry_and_phone_photos(browser, live_server, contexts, open_round, demo_users, screen,
                                                 artifacts_dir, tmp_path):  # fmt: skip
    shots = artifacts_dir / "applicant_phone"
    shots.mkdir(exist_ok=True)
    applicant = demo_users["demo_applicant"]
    dossier = dossier_services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    fill_sections(dossier, applicant)
    page = _as(browser, live_server, "demo_applicant", screen, contexts)
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")

    # The rules are on the page before any error: the photo slot's own minimum, the image limits.
    _open_section(page, "basic_info")
    rules = page.locator("#attachments-basic_info .upload-rules")
    assert "不超过 5 MB" in rules.inner_text() and "295×413" in rules.inner_text()
    _open_section(page, "work_summary")
    assert "不少于 200 字" in page.locator("#section-work_summary .section-rules").inner_text()

    # A section save answered by a server error: a message, the button back, the text kept.
    typed = "任现职以来主持库尔勒至尉犁公路大中修工程。" * 20
    page.route("**/sections/work_summary/", lambda route: route.fulfill(status=500, body="boom"))
    page.fill("textarea[name='work_summary-text']", typed)
    page.locator("#section-work_summary button.save-section").click()
    page.locator("#section-work_summary .request-error", has_text="服务器出错（500）").wait_for()
    assert page.locator("#section-work_summary button.save-section").is_enabled()
    assert page.input_value("textarea[name='work_summary-text']") == typed
    page.screenshot(path=str(shots / f"{screen}-01-save-failed.png"))
    page.unroute("**/sections/work_summary/")
    page.locator("#section-work_summary button.save-section").click()
    page.locator("#section-work_summary .msg-success").wait_for()

    # Two assessment forms at once; the connection drops on the first: message, controls back, 重试.
    _open_section(page, "assessments")
    scans = []
    for i in range(2):
        path = tmp_path / f"assessment-{i}.jpg"
        path.write_bytes(jpeg_bytes(900, 1200, text=f"assessment {i}"))
        scans.append(str(path))
    drops = {"left": 1}

    def drop_once(route):
        if drops["left"]:
            drops["left"] -= 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/sections/assessments/attachments/", drop_once)
    block = page.locator("#attachments-assessments")
    block.locator("select[name=doc_type]").select_option("assessment_form")
    block.locator("input[type=file]").set_input_files(scans)
    block.locator("form.upload-form button[type=submit]").click()
    block.locator(".upload-status", has_text="网络连接中断").wait_for()
    assert block.locator("form.upload-form button[type=submit]").inner_text() == "上传"
    assert block.locator("form.upload-form button[type=submit]").is_enabled()
    page.screenshot(path=str(shots / f"{screen}-02-upload-dropped.png"))
    block.locator("button.retry-upload", has_text="剩余 2 张").click()
    # Each stored upload is OCR-checked for names right away in tests (huey immediate): allow the time.
    page.locator("#attachments-assessments li.thumb").nth(1).wait_for(timeout=90000)
    assert dossier.attachments.filter(section="assessments").count() == 2
    page.screenshot(path=str(shots / f"{screen}-03-upload-retried.png"))

    # A standard one-inch photo (295×413) fits the photo slot; the ID card keeps the documents' minimum.
    _open_section(page, "basic_info")
    one_inch = tmp_path / "one-inch.jpg"
    one_inch.write_bytes(jpeg_bytes(295, 413, text="photo"))
    block = page.locator("#attachments-basic_info")
    block.locator("select[name=doc_type]").select_option("photo")
    block.locator("input[type=file]").set_input_files(str(one_inch))
    block.locator("form.upload-form button[type=submit]").click()
    page.locator('#attachments-basic_info li.thumb[data-doc-type="photo"]').wait_for(timeout=60000)
    block = page.locator("#attachments-basic_info")
    block.locator("select[name=doc_type]").select_option("id_front")
    block.locator("input[type=file]").set_input_files(str(one_inch))
    block.locator("form.upload-form button[type=submit]").click()
    page.locator("#attachments-basic_info .upload-error", has_text="分辨率过低").wait_for()
    page.screenshot(path=str(shots / f"{screen}-04-one-inch-photo.png"))

    # An 8 MB phone photo is downscaled in the browser and accepted (as it comes it exceeds 5 MB).
    photo = tmp_path / "IMG_20260301_101500.jpg"
    photo.write_bytes(_phone_photo())
    assert photo.stat().st_size > open_round.policy.attachments["max_bytes"]
    sizes: list[int] = []
    page.on(
        "request",
        lambda r: sizes.append(len(r.post_data_buffer or b"")) if r.url.endswith("/education/attachments/") else None,
    )
    _open_section(page, "education")
    block = page.locator("#attachments-education")
    block.locator("select[name=doc_type]").select_option("diploma")
    block.locator("input[type=file]").set_input_files(str(photo))
    block.locator("form.upload-form button[type=submit]").click()
    page.locator("#attachments-education li.thumb").first.wait_for(timeout=60000)
    page.locator("#attachments-education .upload-status", has_text="已压缩").wait_for()
    page.screenshot(path=str(shots / f"{screen}-05-phone-photo-downscaled.png"))
    stored = Attachment.objects.get(dossier=dossier, section="education", doc_type="diploma")
    assert (stored.width, stored.height) == (2400, 1800)
    assert sizes and max(sizes) < photo.stat().st_size / 3

    # The masking editor zooms, so a name box can be drawn with a finger on a phone.
    page.goto(f"{live_server.url}/masking/dossiers/{dossier.pk}/")
    card = page.locator(f"#mask-card-{stored.pk}")
    stage = card.locator(".mask-stage")
    stage.wait_for(timeout=90000)
    before = stage.bounding_box()["width"]
    card.locator(".mask-zoom button", has_text="放大").click()
    assert stage.bounding_box()["width"] == pytest.approx(2 * before, rel=0.05)
    page.screenshot(path=str(shots / f"{screen}-06-masking-zoomed.png"))


def test_return_navigation_and_confirmations(browser, live_server, contexts, open_round, demo_users, screen,
                                             artifacts_dir):  # fmt: skip
    shots = artifacts_dir / "applicant_phone"
    shots.mkdir(exist_ok=True)
    applicant = demo_users["demo_applicant"]
    dossier = _create_and_drive(
        open_round, applicant, ("李建国", "男", "19880512"), RECOMMENDED, "demo_unit", "demo_county"
    )
    dossier.refresh_from_db()
    if dossier.status != RECOMMENDED:
        pytest.skip("a public holiday keeps the demo publicity running today")

    # The county: approving asks first (cancel changes nothing); returning asks first too.
    county = _as(browser, live_server, "demo_county", screen, contexts)
    county.goto(f"{live_server.url}/review/dossier/{dossier.pk}/")
    county.locator("#actions button", has_text="开始县（市）审核").click()
    confirm_if_asked(county)
    county.locator("#dossier-status[data-status=county_review]").wait_for()
    county.locator("#actions button", has_text="审核通过").click()
    dialog = county.locator("#confirm-dialog[open]")
    dialog.wait_for()
    assert "不能撤销" in dialog.inner_text()
    county.screenshot(path=str(shots / f"{screen}-07-reviewer-confirm.png"))
    dialog.locator("#confirm-cancel").click()
    assert Dossier.objects.get(pk=dossier.pk).status == "county_review"
    county.locator("#return-form-box summary").click()
    county.fill("#return-form [name=reason_work_summary]", "工作总结请补充主持的项目。")
    county.fill("#return-form [name=reason_papers]", "论文请补传期刊封面。")
    county.locator("#return-form button[type=submit]").click()
    county.locator("#confirm-dialog[open]", has_text="按所填原因退回").wait_for()
    county.locator("#confirm-ok").click()
    county.locator("#open-return").wait_for()

    # The applicant: reasons first, each a link to its section; the navigation marks 退回 / 完成.
    me = _as(browser, live_server, "demo_applicant", screen, contexts)
    me.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    summary = me.locator("#return-summary")
    summary.wait_for()
    order = me.evaluate(
        "['.dossier-head', '#return-summary', '#section-nav', '#section-overview']"
        ".map(s => document.querySelector(s).getBoundingClientRect().top + window.scrollY)"
    )
    if screen == "desktop":
        assert order == sorted(order)
    else:  # the overview is not shown on the phone until chosen
        assert order[:3] == sorted(order[:3])
    nav = me.locator("#section-nav")
    assert nav.locator("li[data-section=work_summary]").get_attribute("data-state") == "returned"
    assert nav.locator("li[data-section=papers]").get_attribute("data-state") == "returned"
    assert nav.locator("li[data-section=masking]").get_attribute("data-state") == "done"
    assert "已完成" in me.locator("#section-masking h2").inner_text()
    assert me.evaluate("window.scrollY") == 0  # opened at the top, where the reasons are
    me.screenshot(path=str(shots / f"{screen}-08-return-reasons-first.png"))
    summary.locator("a[href='#section-work_summary']").click()
    me.locator("#section-work_summary .return-reasons", has_text="主持的项目").wait_for(state="visible")
    if screen == "phone":
        # One section at a time: only the chosen section is shown; 下一栏 moves on.
        visible = [s.get_attribute("data-section") for s in me.locator(".dossier-section").all() if s.is_visible()]
        assert visible == ["work_summary"]
        assert not me.locator("#section-overview").is_visible()
        me.locator("#section-work_summary .section-pager button[data-go=next]").click()
        me.locator("#section-continuing_education").wait_for(state="visible")
        assert not me.locator("#section-work_summary").is_visible()
        me.locator('#section-nav a[href="#section-work_summary"]').click()
    me.screenshot(path=str(shots / f"{screen}-09-section-after-return.png"))

    # Fix, then resubmit: the dialog names the submission count; the message names where it went.
    text = me.locator("textarea[name='work_summary-text']")
    text.fill(text.input_value() + "主持库尔勒至尉犁公路大中修工程。")
    me.locator("#section-work_summary button.save-section").click()
    me.locator("#section-work_summary .msg-success").wait_for()
    assert me.locator("#section-nav li[data-section=work_summary]").get_attribute("data-state") == "returned"
    me.locator('#section-nav a[href="#section-overview"]').click()
    me.locator("#submit-dossier").click()
    dialog = me.locator("#confirm-dialog[open]")
    dialog.wait_for()
    assert "第 2 次提交" in dialog.inner_text()
    me.screenshot(path=str(shots / f"{screen}-10-submit-confirm.png"))
    dialog.locator("#confirm-ok").click()
    # A resubmission checks, snapshots and notifies in the request (huey runs inline here): slow on a loaded box.
    me.locator(".msg-success", has_text="已提交至县（市）").wait_for(timeout=60000)
    me.locator("#dossier-status[data-status=recommended]").wait_for()
    me.screenshot(path=str(shots / f"{screen}-11-resubmitted.png"))
