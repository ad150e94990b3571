"""The committee stage in Debian's Chromium, from 评审委员会已接收材料 to a verifiable certificate:
the office imports the bank's XLSX of fees, scans a form's QR to receive the paper, schedules the defence;
a panel member scores it (the exempt applicant's average checked by hand); the office draws the committee
and a review group, holds the meeting (quorum shown), the experts vote by secret ballot (one dossier one
yes short of 2/3 fails), the office counts and seals the minutes (hash verified), publicises the results,
confirms them after the publicity and issues the certificate, whose QR verification URL and public lookup
by number both answer. Screenshots go to test-artifacts/committee_journey/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import Browser, BrowserContext, Page

from committee.fees import fee_for
from committee.meetings import ballot_cast
from committee.models import Certificate, DefenceScore, Meeting, Minutes, ResultsPublicity
from committee.stage import id_number_of
from demo.setup import DEMO_PASSWORD
from documents.models import DocumentKind, GeneratedDocument
from documents.services import evaluation_form_generate
from dossiers.models import Dossier
from tests.committee.stage import make_expert, open_committee_windows, received_dossier
from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPERT_PASSWORD = "Secret-pass-123"  # tests.factories.UserFactory's


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _as(browser: Browser, live_server, username: str, password: str, contexts: list[BrowserContext]) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm before a count or a ballot
    login(page, live_server, username, password)
    return page


def _success(page: Page, text: str) -> None:
    """The step went through: htmx followed HX-Redirect and the page shows the flash message."""
    page.locator(".msg-success", has_text=text).wait_for()
    page.wait_for_load_state("networkidle")


def test_committee_journey(browser, live_server, contexts, open_round, orgs, demo_users, artifacts_dir, tmp_path):
    shots = artifacts_dir / "committee_journey"
    shots.mkdir(exist_ok=True)
    round_ = open_committee_windows(open_round)
    today = timezone.localdate()
    # Two defended mid-level applicants of 库尔勒交通建设; one of 且末县公路养护站, exempt under 六(一).
    strong = received_dossier(round_, orgs["U-KRLJT"], name="钱多多")
    weak = received_dossier(round_, orgs["U-KRLJT"], name="孙少少")
    exempt = received_dossier(round_, orgs["U-QMYH"], name="吴免免", exempt=True)
    experts = [make_expert(orgs["BZ"]) for _ in range(6)]
    url = live_server.url
    office = _as(browser, live_server, "demo_prefecture", DEMO_PASSWORD, contexts)

    # 1. The board: every dossier waiting for its fee.
    office.goto(f"{url}/committee/office/{round_.slug}/")
    office.locator("#step-counts [data-step=待缴费]", has_text="3").wait_for()
    office.screenshot(path=str(shots / "01-board.png"), full_page=True)

    # 2. Fees: the bank's XLSX (by serial, by ID number, and one unknown row).
    office.goto(f"{url}/committee/office/{round_.slug}/fees/")
    book = Workbook()
    sheet = book.active
    sheet.append(["缴费编号", "身份证号码", "缴费金额", "交易日期", "交易流水号"])
    sheet.append([fee_for(strong).serial, "", 380, today.isoformat(), "B-001"])
    sheet.append(["", id_number_of(weak), 380, today.isoformat(), "B-002"])
    sheet.append([fee_for(exempt).serial, "", 380, today.isoformat(), "B-003"])
    sheet.append(["F-UNKNOWN", "", 380, today.isoformat(), "B-004"])
    bank = tmp_path / "bank.xlsx"
    book.save(bank)
    office.set_input_files("#fee-import-form input[type=file]", str(bank))
    office.locator("#fee-import-form button[type=submit]").click()
    office.locator("#import-summary [data-count=applied]", has_text="3").wait_for()
    assert office.locator("#import-rows tr[data-outcome=unmatched]").count() == 1
    office.screenshot(path=str(shots / "02-fee-import.png"), full_page=True)

    # 3. Paper: the scanner types the QR's URL into the field; the page jumps to the dossier.
    form = evaluation_form_generate(dossier=strong, actor=demo_users["demo_prefecture"])
    office.goto(f"{url}/committee/office/{round_.slug}/paper/")
    office.fill("#scan-code", f"{settings.SITE_URL}/documents/verify/{form.verification_code}/")
    office.press("#scan-code", "Enter")
    office.locator(f"#dossier-{strong.pk}.found").wait_for()
    office.screenshot(path=str(shots / "03-paper-scanned.png"), full_page=True)
    for dossier in (strong, weak, exempt):
        office.locator(f"#dossier-{dossier.pk} .paper-form button").click()
        office.locator(f"#dossier-{dossier.pk}", has_text="已收到").wait_for()
        office.wait_for_load_state("networkidle")

    # 4. Defence: the office schedules it; a panel member scores both defended applicants.
    office.goto(f"{url}/committee/office/{round_.slug}/defence/")
    office.fill("#defence-form [name=held_on]", today.isoformat())
    office.fill("#defence-form [name=place]", "州交通运输局 3 楼会议室")
    for expert in experts[:2]:
        office.check(f"#defence-form [name=panel][value='{expert.user_id}']")
    office.locator("#defence-form button[type=submit]").click()
    _success(office, "答辩场次已安排")
    judge = _as(browser, live_server, experts[0].user.username, EXPERT_PASSWORD, contexts)
    judge.goto(f"{url}/committee/vote/")
    judge.locator("#my-defence-sessions a").first.click()
    for dossier, points in ((strong, ("27", "35", "18", "9")), (weak, ("20", "28", "14", "7"))):
        box = judge.locator(f"#sheet-{dossier.pk}")
        for key, value in zip(("theory", "practice", "answers", "expression"), points, strict=True):
            box.locator(f"[name=item_{key}]").fill(value)
        box.locator("button[type=submit]").click()
        judge.locator(f"#sheet-{dossier.pk} button", has_text="修改评分").wait_for()
        judge.wait_for_load_state("networkidle")
    judge.screenshot(path=str(shots / "04-defence-scored.png"), full_page=True)
    # By hand: 钱多多 89, 孙少少 69 → the exempt applicant of the same year, specialty and level gets 79.00.
    expected = ((Decimal(89) + Decimal(69)) / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    office.goto(f"{url}/committee/office/{round_.slug}/defence/")
    row = office.locator(f"#defence-outcomes tr[data-dossier='{exempt.pk}']")
    assert row.get_attribute("data-basis") == "exempt_average"
    assert row.locator(".score").inner_text().strip() == str(expected) == "79.00"
    assert DefenceScore.objects.count() == 2
    office.screenshot(path=str(shots / "05-exempt-average.png"), full_page=True)

    # 5. The draws: the committee (all six), then a review group of three for the two defended dossiers.
    office.goto(f"{url}/committee/office/{round_.slug}/draws/")
    office.fill("#committee-draw-form [name=size]", "6")
    office.fill("#committee-draw-form [name=seed]", "journey-2023")
    office.locator("#committee-draw-form button[type=submit]").click()
    _success(office, "评审委员会已抽取")
    office.locator("#group-draw-form button[type=submit]").click()
    _success(office, "评议组已抽取")
    assert office.locator("#draw-records .replay-ok").count() == 2
    office.screenshot(path=str(shots / "06-draws.png"), full_page=True)

    # 6. The meeting: attendance (quorum shown), the vote opened.
    office.goto(f"{url}/committee/office/{round_.slug}/meetings/")
    office.fill("#meeting-form [name=place]", "州评委会会议室")
    office.uncheck(f"#meeting-form [name=dossiers][value='{exempt.pk}']")  # voted on another day
    office.locator("#meeting-form button[type=submit]").click()
    office.locator("#attendance-form").wait_for()
    for expert in experts:
        office.check(f"#attendance-form [name=present][value='{expert.pk}']")
    office.locator("#attendance-form button[type=submit]").click()
    office.locator("#quorum[data-ok='1']").wait_for()
    office.locator("#voting-open-form button[type=submit]").click()
    _success(office, "已开始表决")
    meeting = Meeting.objects.get()

    # 7. One expert votes in the browser; the other five by the same service. 孙少少: 3 yes of 6 (4 needed).
    voter = judge
    voter.goto(f"{url}/committee/vote/")
    for dossier, choice in ((strong, "yes"), (weak, "no")):
        form_row = voter.locator(f"tr[data-dossier='{dossier.pk}']")
        form_row.locator(f"input[value={choice}]").check()
        form_row.locator("button[type=submit]").click()
        voter.locator(f"tr[data-dossier='{dossier.pk}'] .voted").wait_for()
        voter.wait_for_load_state("networkidle")
    voter.locator(f"tr[data-dossier='{weak.pk}'] .voted").wait_for()
    voter.screenshot(path=str(shots / "07-ballot.png"), full_page=True)
    for i, expert in enumerate(experts[1:]):
        ballot_cast(actor=expert.user, meeting=meeting, dossier=strong, choice="yes")
        ballot_cast(actor=expert.user, meeting=meeting, dossier=weak, choice="yes" if i < 3 else "no")

    # 8. The count, then the sealed minutes with their hash checked.
    office.goto(f"{url}/committee/office/meetings/{meeting.pk}/")
    for dossier, result in ((strong, "通过"), (weak, "未通过")):
        office.locator(f"#vote-table tr[data-dossier='{dossier.pk}'] .count-form button").click()
        office.locator(f"#vote-table tr[data-dossier='{dossier.pk}'] .result", has_text=result).wait_for()
        office.wait_for_load_state("networkidle")
    assert office.locator(f"#vote-table tr[data-dossier='{strong.pk}'] .result").inner_text() == "通过"
    assert office.locator(f"#vote-table tr[data-dossier='{weak.pk}'] .result").inner_text() == "未通过"
    office.locator("#minutes-seal-form button[type=submit]").click()
    office.locator("#minutes .seal-ok").wait_for()
    minutes = Minutes.objects.get()
    assert office.locator("#minutes .sha").first.inner_text() == minutes.sha256 and minutes.intact
    office.screenshot(path=str(shots / "08-minutes-sealed.png"), full_page=True)
    assert Dossier.objects.get(pk=weak.pk).status == "not_passed"

    # 9. Results publicity; after it ends the office confirms and issues the certificate.
    office.goto(f"{url}/committee/office/{round_.slug}/results/")
    office.locator("#publicity-start-form button[type=submit]").click()
    _success(office, "评审结果公示已开始")
    publicity = ResultsPublicity.objects.get()
    after = timezone.make_aware(dt.datetime.combine(publicity.ends_on + dt.timedelta(days=1), dt.time(9, 0)))
    with time_machine.travel(after, tick=True):
        office.goto(f"{url}/committee/office/{round_.slug}/results/")
        office.locator("#results-confirm-form button[type=submit]").click()
        office.locator("#results-confirmed").wait_for()
        office.locator(f"#results-table tr[data-dossier='{strong.pk}'] .certificate-form button").click()
        _success(office, "电子证书已发放")
        office.locator(f"#results-table tr[data-dossier='{strong.pk}'] .certificate-link").wait_for()
        office.screenshot(path=str(shots / "09-certificate-issued.png"), full_page=True)
    certificate = Certificate.objects.get()
    assert certificate.dossier_id == strong.pk

    # 10. The certificate's QR carries its verification URL: the public page answers, as does the lookup.
    pdf = GeneratedDocument.objects.get(kind=DocumentKind.CERTIFICATE, verification_code=certificate.verification_code)
    qr_url = pdf.meta["verify_url"]
    assert qr_url.startswith(settings.SITE_URL)
    public = browser.new_context(locale="zh-CN")
    contexts.append(public)
    anyone = public.new_page()
    anyone.goto(url + qr_url.removeprefix(settings.SITE_URL.rstrip("/")))
    anyone.locator("body", has_text="钱*多").wait_for()
    anyone.screenshot(path=str(shots / "10-verification-page.png"), full_page=True)
    anyone.goto(f"{url}/committee/certificates/")
    anyone.fill("#lookup-form [name=number]", certificate.number)
    anyone.locator("#lookup-form button[type=submit]").click()
    anyone.locator("#lookup-result[data-valid='1']").wait_for()
    anyone.locator("#lookup-result a", has_text="查看验证页").click()
    anyone.wait_for_url(f"**/documents/verify/{certificate.verification_code}/")
    anyone.screenshot(path=str(shots / "11-lookup.png"), full_page=True)
