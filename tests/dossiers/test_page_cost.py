"""The dossier page draws its unbound section forms from a per-process memo (dossiers.views.FORM_BODIES), and a
draft's whole section cards from another (SECTION_CARDS, with each page's own CSRF token put in): it must show
exactly what a fresh rendering shows, the latest saved data and attachments at once, each dossier its own data,
and forms whose token the server accepts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from dossiers import services
from dossiers.models import Dossier
from dossiers.sections import FORM_SECTIONS, SECTIONS, SectionContext, context_for
from dossiers.views import _DOSSIER_STAND_IN, FORM_BODIES, SECTION_CARDS, SectionEditor
from tests.dossiers.conftest import fill_sections, upload

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[A-Za-z0-9]+')


def _page(client, dossier: Dossier) -> str:
    response = client.get(f"/dossiers/{dossier.pk}/")
    assert response.status_code == 200
    # Each rendering masks the CSRF secret afresh: the only part of the page that differs between two GETs.
    return TOKEN.sub(r"\1-", response.content.decode())


@pytest.fixture(autouse=True)
def _empty_memo():
    FORM_BODIES.clear()
    SECTION_CARDS.clear()
    yield
    FORM_BODIES.clear()
    SECTION_CARDS.clear()


def test_page_from_the_memo_is_the_page_rendered_afresh(client, applicant, dossier):
    fill_sections(dossier, applicant)
    client.force_login(applicant)
    fresh = _page(client, dossier)
    assert FORM_BODIES._bodies and SECTION_CARDS._bodies  # the first rendering filled them
    assert _page(client, dossier) == fresh
    # What the forms show: the saved values, a row per saved row, the assessment years.
    saved = {s.key: s.data for s in dossier.sections.all()}
    assert saved["work_summary"]["text"][:30] in fresh
    assert saved["education"]["rows"][0]["school"] in fresh
    assert f'name="education-rows-TOTAL_FORMS" value="{len(saved["education"]["rows"])}"' in fresh
    assert fresh.count('class="section-form"') == len(FORM_SECTIONS)


def test_a_save_shows_at_once(client, applicant, dossier):
    client.force_login(applicant)
    services.section_save(dossier_id=dossier.pk, actor=applicant, key="other_attachments", data={"note": "第一稿说明"})
    assert "第一稿说明" in _page(client, dossier)
    services.section_save(dossier_id=dossier.pk, actor=applicant, key="other_attachments", data={"note": "第二稿说明"})
    page = _page(client, dossier)
    assert "第二稿说明" in page and "第一稿说明" not in page
    # Saved through the page (htmx): the section comes back drawn from what is now stored.
    url = f"/dossiers/{dossier.pk}/sections/other_attachments/"
    swapped = client.post(url, {"other_attachments-note": "第三稿说明"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="第三稿说明"' in swapped and "第二稿说明" not in swapped
    assert "第三稿说明" in _page(client, dossier)


def test_an_upload_and_a_deletion_show_at_once(client, applicant, dossier):
    client.force_login(applicant)
    _page(client, dossier)
    attachment = upload(dossier, applicant, "papers", "paper", name="论文第一页.jpg")
    assert "论文第一页.jpg" in _page(client, dossier)
    services.attachment_delete(attachment_id=attachment.pk, actor=applicant)
    assert "论文第一页.jpg" not in _page(client, dossier)


def _nav_state(page: str, key: str) -> str:
    found = re.search(rf'<li data-section="{key}" data-state="(\w+)"', page)
    assert found, key
    return found.group(1)


def test_the_overview_follows_each_save_and_each_dossier(client, applicant, dossier, demo_users, open_round):
    """The section navigation and the completeness card come from the memo too (keyed by what they show)."""
    client.force_login(applicant)
    before = _page(client, dossier)
    assert _nav_state(before, "other_attachments") == "missing"
    missing_before = int(re.search(r'id="completeness-state">(\d+)', before).group(1))
    services.section_save(dossier_id=dossier.pk, actor=applicant, key="other_attachments", data={"note": "说明"})
    after = _page(client, dossier)
    assert _nav_state(after, "other_attachments") == "done"
    assert int(re.search(r'id="completeness-state">(\d+)', after).group(1)) == missing_before - 1
    # Another draft in the same state shares the entries, with its own number in every URL.
    other_applicant = demo_users["demo_applicant2"]
    other = services.dossier_create(actor=other_applicant, round_=open_round, level="mid", kind="evaluation")
    client.force_login(other_applicant)
    theirs = _page(client, other)
    assert _nav_state(theirs, "other_attachments") == "missing"
    for url in ("nav/", "completeness/", "submit/"):
        assert f"/dossiers/{other.pk}/{url}" in theirs and f"/dossiers/{other.pk}/{url}" not in after
    assert f"/dossiers/{dossier.pk}/" not in theirs and str(_DOSSIER_STAND_IN) not in theirs


def test_a_card_from_the_memo_carries_a_token_the_server_accepts(applicant, dossier):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(applicant)
    browser.get(f"/dossiers/{dossier.pk}/")  # fills the memo
    page = browser.get(f"/dossiers/{dossier.pk}/").content.decode()  # the cards come from it
    form = page[page.index('id="section-other_attachments"') :]
    token = re.search(r'csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', form).group(1)
    url = f"/dossiers/{dossier.pk}/sections/other_attachments/"
    assert browser.post(url, {"other_attachments-note": "无令牌"}).status_code == 403
    assert browser.post(url, {"csrfmiddlewaretoken": "x" * 64, "other_attachments-note": "伪造"}).status_code == 403
    saved = browser.post(url, {"csrfmiddlewaretoken": token, "other_attachments-note": "带令牌的说明"})
    assert saved.status_code == 302
    assert dossier.sections.get(key="other_attachments").data["note"] == "带令牌的说明"


def test_each_dossier_shows_its_own_data(client, applicant, dossier, demo_users, open_round):
    other_applicant = demo_users["demo_applicant2"]
    other = services.dossier_create(actor=other_applicant, round_=open_round, level="mid", kind="evaluation")
    services.section_save(dossier_id=dossier.pk, actor=applicant, key="other_attachments", data={"note": "甲的说明"})
    services.section_save(
        dossier_id=other.pk, actor=other_applicant, key="other_attachments", data={"note": "乙的说明"}
    )
    client.force_login(applicant)
    mine = _page(client, dossier)
    client.force_login(other_applicant)
    theirs = _page(client, other)
    assert "甲的说明" in mine and "乙的说明" not in mine
    assert "乙的说明" in theirs and "甲的说明" not in theirs
    # The empty sections are one memo entry (form and whole card) for both; the URLs in each <form> tag stay
    # the dossier's own, and the stand-in number drawn into the shared cards never shows.
    assert f'action="/dossiers/{other.pk}/sections/papers/"' in theirs
    assert f'action="/dossiers/{other.pk}/sections/papers/attachments/"' in theirs
    assert f"/dossiers/{dossier.pk}/" not in theirs
    assert f'action="/dossiers/{dossier.pk}/sections/papers/attachments/"' in mine
    assert str(_DOSSIER_STAND_IN) not in mine + theirs


def test_a_refused_post_is_drawn_with_its_errors_and_never_remembered(client, applicant, dossier):
    client.force_login(applicant)
    response = client.post(
        f"/dossiers/{dossier.pk}/sections/basic_info/", {"basic_info-id_number": "123"}, HTTP_HX_REQUEST="true"
    )
    assert "身份证号码" in response.content.decode() and "field-error" in response.content.decode()
    assert 'value="123"' in response.content.decode()
    page = _page(client, dossier)
    assert 'value="123"' not in page and "field-error" not in page


def test_an_unbound_form_draws_the_same_whatever_its_context(applicant, dossier):
    """The memo's key leaves the section context out: no section form may draw a field from it."""
    fill_sections(dossier, applicant)
    dossier = Dossier.objects.get(pk=dossier.pk)
    saved = {s.key: s.data for s in dossier.sections.all()}
    base = context_for(dossier)
    other = SectionContext(
        policy=base.policy, is_enterprise=not base.is_enterprise, today=base.today + dt.timedelta(days=400)
    )
    for key in FORM_SECTIONS:
        if key == "assessments":
            continue  # its default rows are the years owed: in the key, as rows (editor_initial)
        first = SectionEditor(dossier, SECTIONS[key], saved.get(key), context=base).body_html()
        assert SectionEditor(dossier, SECTIONS[key], saved.get(key), context=other).body_html() == first, key


def _display_from_built_forms(key, data):
    """section_display as it was written before: labels and choices from a form built for the purpose."""
    from dossiers.display import SectionDisplay, _display, spec_none_label

    spec = SECTIONS[key]
    display = SectionDisplay()
    for name, form_field in spec.form_class(context=None).fields.items():
        if name == "none" and data.get("none"):
            display.fields.append((spec_none_label(key), "无"))
        elif name != "none":
            display.fields.append((str(form_field.label), _display(form_field, data.get(name))))
    if spec.row_form_class is not None:
        row_fields = spec.row_form_class(context=None).fields
        display.row_headers = [str(f.label) for f in row_fields.values()]
        for row in data.get(spec.rows_field) or []:
            values = {spec.row_renames.get(k, k): v for k, v in row.items()}
            display.rows.append([_display(f, values.get(name)) for name, f in row_fields.items()])
    return display


def test_summaries_read_from_the_declared_fields_say_what_a_built_form_said(applicant, dossier):
    from dossiers.display import section_display

    fill_sections(dossier, applicant)
    saved = {s.key: s.data for s in dossier.sections.all()}
    saved["education"]["rows"].append({**saved["education"]["rows"][0], "level": ""})  # an empty choice: 无
    saved["awards"] = {"none": True, "rows": []}
    for key in FORM_SECTIONS:
        assert section_display(key, saved[key]) == _display_from_built_forms(key, saved[key]), key
    education = section_display("education", saved["education"])
    assert education is not None and education.rows[-1][0] == "无"
    assert "大学本科" in str(section_display("education", {"rows": [{"level": "bachelor"}]}))
