"""The applicant's whole journey in Debian's Chromium: register, create a dossier in the open demo round,
fill all 15 sections, upload real JPGs (and see a renamed PNG refused), confirm name masking, watch the
completeness view turn green, submit. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from demo.samples import REQUIRED_UPLOADS, sample_sections
from dossiers.models import Dossier
from dossiers.sections import SECTIONS
from tests.dossiers.helpers import jpeg_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Journey-pass-2023"


def set_field(page, name: str, value: Any) -> None:
    locator = page.locator(f'[name="{name}"]')
    kind = locator.first.evaluate("e => e.tagName + ':' + (e.type || '')")
    if kind == "INPUT:radio":
        page.check(f'[name="{name}"][value="{value}"]')
    elif kind == "INPUT:checkbox":
        locator.set_checked(bool(value))
    elif kind.startswith("SELECT"):
        locator.select_option(str(value))
    else:
        locator.fill("" if value is None else str(value))


def fill_section(page, key: str, data: dict[str, Any]) -> None:
    spec = SECTIONS[key]
    card = page.locator(f"#section-{key}")
    for name, value in data.items():
        if name == spec.rows_field and spec.has_rows:
            continue
        set_field(page, f"{key}-{name}", value)
    if spec.has_rows:
        prefix = f"{key}-{spec.rows_field}"
        rows = data.get(spec.rows_field) or []
        existing = card.locator("tbody tr.formset-row").count()
        for _ in range(len(rows) - existing):
            card.locator("button.add-row").click()
        for i, row in enumerate(rows):
            for name, value in row.items():
                set_field(page, f"{prefix}-{i}-{spec.row_renames.get(name, name)}", value)
    card.locator("button.save-section").click()
    saved = page.locator(f"#section-{key} .msg-success")
    try:
        saved.wait_for()
    except Exception:
        errors = page.locator(f"#section-{key} .field-error, #section-{key} .errors").all_inner_texts()
        pytest.fail(f"section {key} was not saved: {errors}")


def upload_file(page, key: str, doc_type: str, path: Path) -> None:
    block = page.locator(f"#attachments-{key}")
    before = block.locator("li.thumb").count()
    block.locator("select[name=doc_type]").select_option(doc_type)
    block.locator("input[type=file]").set_input_files(str(path))
    block.locator("form.upload-form button[type=submit]").click()
    page.locator(f"#attachments-{key} li.thumb").nth(before).wait_for(timeout=60000)


def test_applicant_journey(page, live_server, open_round, orgs, artifacts_dir, tmp_path):
    shots = artifacts_dir / "applicant_journey"
    shots.mkdir(exist_ok=True)

    # Register as an applicant of 库尔勒交通建设工程有限公司.
    page.goto(f"{live_server.url}/accounts/register/")
    page.fill("[name=username]", "journey_applicant")
    page.fill("[name=full_name]", "李建国")
    page.fill("[name=phone]", "13899990000")
    page.select_option("[name=unit]", label="库尔勒交通建设工程有限公司")
    page.fill("[name=password]", PASSWORD)
    page.fill("[name=password_confirm]", PASSWORD)
    page.click("button[type=submit]")
    # Registration answers a new and a taken name alike (nothing to learn about existing accounts): sign in.
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.fill("[name=username]", "journey_applicant")
    page.fill("[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dossiers/")
    page.screenshot(path=str(shots / "01-registered.png"), full_page=True)

    # Create a mid-level evaluation dossier in the open demo round.
    page.select_option("[name=application]", value=f"{open_round.pk}|mid|evaluation")
    page.click("text=新建申报 >> nth=-1")
    page.wait_for_url("**/dossiers/*/")
    dossier = Dossier.objects.get(applicant__username="journey_applicant")
    assert dossier.serial_number.startswith(f"BZ{open_round.year}-")

    # A bad ID number is refused with a clear message and nothing is saved.
    data = sample_sections(dossier)
    bad_basic = {**data["basic_info"], "id_number": data["basic_info"]["id_number"][:-1] + "0"}
    fill_section_expect_error = bad_basic
    for name, value in fill_section_expect_error.items():
        if name != "special_assignments":
            set_field(page, f"basic_info-{name}", value)
    page.locator("#section-basic_info button.save-section").click()
    page.locator("#section-basic_info .field-error", has_text="身份证号码校验不通过").wait_for()
    page.screenshot(path=str(shots / "02-bad-id-number.png"), full_page=False)

    for key, section in data.items():
        fill_section(page, key, section)
    page.screenshot(path=str(shots / "03-sections-saved.png"), full_page=True)

    # A PNG renamed to .jpg is refused by content, in Chinese.
    fake = tmp_path / "renamed.jpg"
    fake.write_bytes(png_bytes())
    block = page.locator("#attachments-basic_info")
    block.locator("select[name=doc_type]").select_option("id_front")
    block.locator("input[type=file]").set_input_files(str(fake))
    block.locator("form.upload-form button[type=submit]").click()
    page.locator("#attachments-basic_info .upload-error", has_text="实际为 PNG 格式").wait_for()

    for i, (key, doc_type) in enumerate(REQUIRED_UPLOADS):
        path = tmp_path / f"scan-{i}.jpg"
        path.write_bytes(jpeg_bytes(900, 1200, text=f"{key} {doc_type}"))
        upload_file(page, key, doc_type, path)
    assert dossier.attachments.count() == len(REQUIRED_UPLOADS)
    page.screenshot(path=str(shots / "04-uploaded.png"), full_page=True)

    # Everything but section 15 is complete; the masking page confirms each image (no name on it).
    page.reload()
    missing = page.locator("#completeness tr.bad")
    assert [missing.nth(i).get_attribute("data-section") for i in range(missing.count())] == ["masking"]
    page.goto(f"{live_server.url}/masking/dossiers/{dossier.pk}/")
    for attachment in dossier.attachments.all():
        card = page.locator(f"#mask-card-{attachment.pk}")
        card.locator("input[type=radio][value=no]").wait_for(timeout=90000)
        card = page.locator(f"#mask-card-{attachment.pk}")
        card.locator("input[type=radio][value=no]").check()
        card.locator('[data-action="confirm"]').click()
        page.locator(f'#mask-card-{attachment.pk} [data-status="confirmed"]').wait_for(timeout=30000)
    page.screenshot(path=str(shots / "05-masking-confirmed.png"), full_page=True)

    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    page.locator("#completeness-state", has_text="全部完整，可以提交").wait_for()
    assert page.locator("#completeness tr.bad").count() == 0
    page.screenshot(path=str(shots / "06-complete.png"), full_page=True)

    page.click("#submit-dossier")
    dialog = page.locator("#confirm-dialog[open]")
    assert "第 1 次提交" in dialog.inner_text() and "不可修改" in dialog.inner_text()
    dialog.locator("#confirm-ok").click()
    page.locator("#dossier-status[data-status=submitted]").wait_for()
    page.screenshot(path=str(shots / "07-submitted.png"), full_page=True)
    dossier.refresh_from_db()
    assert dossier.status == "submitted" and dossier.submission_count == 1
    assert page.locator("button.save-section").count() == 0  # read-only now
