"""The self-check panel in a real browser: it refreshes by itself when the applicant saves a section."""

from __future__ import annotations

import pytest

from demo.setup import DEMO_PASSWORD
from dossiers import services as dossier_services
from dossiers.models import DossierSection
from tests.conftest import login
from tests.dossiers.conftest import fill_sections


@pytest.mark.django_db(transaction=True)
def test_panel_updates_live_after_saving_the_title_section(page, live_server, open_round, demo_users, artifacts_dir):
    applicant = demo_users["demo_applicant"]
    dossier = dossier_services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    fill_sections(dossier, applicant)
    DossierSection.objects.filter(dossier=dossier, key="current_title").delete()
    year = open_round.year

    login(page, live_server, applicant.username, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    panel = page.locator("#eligibility-panel")
    years_row = panel.locator('tr[data-rule="education_years"]')
    years_row.get_by_text("待填写").first.wait_for()
    assert "待填写" in panel.locator('[data-testid="eligibility-verdict"]').inner_text()

    section = page.locator("#section-current_title")
    section.locator("[name=current_title-has_title]").check()
    section.locator("[name=current_title-title_name]").fill("助理工程师")
    section.locator("[name=current_title-level]").select_option("junior")
    section.locator("[name=current_title-obtained]").fill(f"{year - 3}-01-01")
    section.locator("[name=current_title-appointed]").fill(f"{year - 3}-02-01")
    section.locator("[name=current_title-professional_years]").fill("12")
    section.locator("button.save-section").click()

    # No reload: the panel fetches itself again on the `dossier-saved` event.
    years_row.get_by_text("不通过").wait_for()
    assert "需 4 年" in years_row.inner_text()
    assert "不符合申报条件" in panel.locator('[data-testid="eligibility-verdict"]').inner_text()
    assert panel.locator('[data-testid="eligibility-earliest"]').inner_text().startswith(str(year + 1))
    panel.screenshot(path=str(artifacts_dir / "eligibility_panel_failing.png"))

    section = page.locator("#section-current_title")
    section.locator("[name=current_title-obtained]").fill(f"{year - 6}-01-01")
    section.locator("[name=current_title-appointed]").fill(f"{year - 6}-02-01")
    section.locator("button.save-section").click()
    years_row.get_by_text("通过", exact=True).wait_for()
    panel.get_by_text("符合申报条件", exact=True).wait_for()
    assert "380 元" in panel.inner_text()
