"""In Chromium: the dossier page's documents panel, the printed form's QR opened as a phone would, and the
batch page's htmx progress polling until the ZIP can be downloaded."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection

from demo.setup import DEMO_PASSWORD
from documents.models import BatchJob
from documents.services import batch_job_run
from tests.conftest import login
from tests.documents.conftest import make_dossier, walk_to
from tests.documents.pdf_tools import decode_qr, render_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_applicant_prints_the_form_and_its_qr_opens_the_verification_page(
    page, live_server, settings, open_round, orgs, demo_users, tmp_path, artifacts_dir
):
    settings.SITE_URL = live_server.url
    applicant = demo_users["demo_applicant"]
    dossier = make_dossier(round_=open_round, applicant=applicant, unit=orgs["U-KRLJT"])
    login(page, live_server, "demo_applicant", DEMO_PASSWORD)

    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    assert page.locator("#evaluation-form-waiting").is_visible()

    walk_to(dossier)
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    link = page.locator("#evaluation-form-link")
    assert link.is_visible()
    page.screenshot(path=str(artifacts_dir / "documents-panel.png"), full_page=True)
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(response.body())

    (url,) = decode_qr(render_page(pdf, 1))
    assert re.fullmatch(rf"{re.escape(live_server.url)}/documents/verify/[A-Z2-9]{{16}}/", url)
    page.goto(url)
    assert page.locator("#verdict").get_attribute("data-valid") == "true"
    assert page.locator("#id-number").inner_text() == "6528**********1234"
    assert page.locator("#current-status").inner_text() == "评审委员会已接收材料"
    page.screenshot(path=str(artifacts_dir / "documents-verify-valid.png"), full_page=True)

    forged = url.replace(url[-6:-1], "ZZZZZ" if url[-6:-1] != "ZZZZZ" else "YYYYY")
    answer = page.goto(forged)
    assert answer is not None and answer.status == 404
    assert page.locator("#verdict").get_attribute("data-valid") == "false"
    assert "无效" in page.locator("#verdict").inner_text()
    page.screenshot(path=str(artifacts_dir / "documents-verify-forged.png"), full_page=True)


def test_batch_page_shows_progress_until_the_zip_is_ready(
    page, live_server, open_round, orgs, demo_users, artifacts_dir
):
    dossier = walk_to(make_dossier(round_=open_round, applicant=demo_users["demo_applicant"], unit=orgs["U-KRLJT"]))
    job = BatchJob.objects.create(
        round=open_round, organization=dossier.unit, created_by=demo_users["demo_unit"], total=1
    )
    login(page, live_server, "demo_unit", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/documents/batches/{job.pk}/")
    assert "0 / 1" in page.locator("#batch-progress").inner_text()

    # The worker runs while the page is open; htmx polling (every 2 s) must bring the result in.
    def run_batch() -> None:
        try:
            batch_job_run(job_id=job.pk)
        finally:
            connection.close()  # this thread's own: left open, it kept the test database from being dropped

    worker = threading.Thread(target=run_batch)
    worker.start()
    worker.join()
    page.locator("#batch-download").wait_for(state="visible", timeout=10000)
    assert page.locator("#batch-progress").get_attribute("data-status") == "done"
    assert "1 / 1" in page.locator("#batch-progress").inner_text()
    page.screenshot(path=str(artifacts_dir / "documents-batch-done.png"), full_page=True)
    with page.expect_download() as download_info:
        page.locator("#batch-download").click()
    assert download_info.value.suggested_filename.endswith(".zip")
