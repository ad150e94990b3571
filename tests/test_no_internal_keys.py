"""No internal key (a snake_case word) and no untranslated English on screen or on paper (issue 13, point 10).

Renders the main pages of every role on a dossier that went through a submission, a return with an
attachment replaced and a resubmission (so the comparison page has an attachment change), a refused bulk
step (its message), the admin site, and the printed evaluation form of a dossier with awards and papers
(pypdf text of every page). Each text is read as a user sees it: tags, scripts and styles dropped; labels
that appear on hover or in dialogs (placeholder, title, aria-label, alt, data-confirm) kept.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin as django_admin
from django.test import Client
from django.urls import reverse

from documents.services import evaluation_form_generate
from dossiers import services as dossier_services
from dossiers.models import Attachment, Dossier, DossierSection
from dossiers.sections import doc_type_label
from masking.services import masking_confirm
from tests.documents.conftest import walk_to
from tests.documents.pdf_tools import page_texts
from tests.dossiers.conftest import fill_sections, upload, upload_required
from tests.dossiers.helpers import jpeg_bytes
from workflow import actions
from workflow.models import Publicity

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
WORD = re.compile(r"[A-Za-z]{2,}")
# Codes and units people write in Latin letters: dossier and certificate numbers (BZ2026-…, CN65-1000/U),
# file formats, sizes, and the platform's annex names.
# The applicant's own file names (scan.jpg) are their data, shown as uploaded.
CODES = re.compile(r"\b[A-Z]+[-0-9][\w/()-]*|[\w.+-]+@[\w.-]+|https?://\S+|[\w.-]+\.(?:jpe?g|JPE?G|pdf|docx|xlsx)\b")
ALLOWED = {"PDF", "JPG", "ZIP", "MB", "KB", "CN", "ISSN", "ID", "QR", "A4", "Word", "Excel"}
VISIBLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "data-confirm", "data-caption", "value"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        named = dict(attrs)
        for name, value in attrs:
            # A value is shown only on input buttons; elsewhere (button, option, input) it is what the form sends.
            if name == "value" and not (tag == "input" and named.get("type") in ("submit", "button")):
                continue
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def leaks(text: str) -> list[str]:
    """Internal keys and English words a reader would see in `text`."""
    cleaned = CODES.sub(" ", text)
    found = SNAKE.findall(cleaned)
    found += [w for w in WORD.findall(SNAKE.sub(" ", cleaned)) if w not in ALLOWED]
    return sorted(set(found))


def test_the_scanner_finds_what_the_issue_names():
    assert leaks("附件 achievement_proof") == ["achievement_proof"]
    assert leaks("公示期不少于 5 个工作日（notice 五(二)）") == ["notice"]
    assert leaks(visible_text("<th>awarded_on</th>")) == ["awarded_on"]
    assert leaks(visible_text('<button value="x">Return to the applicant</button>')) == [
        "Return",
        "applicant",
        "the",
        "to",
    ]
    assert leaks(visible_text('<input name="reason_basic_info" value="draft"><p>BZ2026-000001 · 12 MB · PDF</p>')) == []


@pytest.fixture
def journey(open_round, demo_users, django_capture_on_commit_callbacks) -> Dossier:
    """A dossier submitted, returned with reasons, its achievement proof replaced, resubmitted."""
    applicant = demo_users["demo_applicant"]
    dossier = dossier_services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    fill_sections(dossier, applicant)
    upload_required(dossier, applicant)
    for attachment in dossier.attachments.all():
        masking_confirm(actor=applicant, attachment_id=attachment.pk, boxes=[], needs_masking=False)
    with django_capture_on_commit_callbacks(execute=True):
        actions.act(actor=applicant, dossier_id=dossier.pk, action="submit")
        actions.act(
            actor=demo_users["demo_unit"],
            dossier_id=dossier.pk,
            action="return",
            reasons=[{"section": "achievements", "reason": "业绩成果缺少证明材料"}],
        )
        old = dossier.attachments.get(doc_type="achievement_proof")
        dossier_services.attachment_delete(attachment_id=old.pk, actor=applicant)
        new = upload(dossier, applicant, "achievements", "achievement_proof", jpeg_bytes(color="darkgreen"))
        masking_confirm(actor=applicant, attachment_id=new.pk, boxes=[], needs_masking=False)
        actions.act(actor=applicant, dossier_id=dossier.pk, action="resubmit")
    dossier.refresh_from_db()
    return dossier


def _pages(client: Client, user, urls: list[str]) -> dict[str, str]:
    client.force_login(user)
    pages = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        pages[url] = visible_text(response.content.decode())
    return pages


def test_pages_of_every_role_show_no_internal_key_or_english(client, journey, demo_users):
    dossier = journey
    attachment = Attachment.objects.filter(dossier=dossier).first()
    assert attachment is not None
    pages: dict[str, str] = {}
    for url in ("/", reverse("accounts:login"), reverse("accounts:register")):
        pages[url] = visible_text(Client().get(url).content.decode())
    pages |= _pages(
        client,
        demo_users["demo_applicant"],
        [reverse("dossiers:list"), reverse("dossiers:detail", args=[dossier.pk]), reverse("workflow:notifications")],
    )
    pages |= _pages(
        client,
        demo_users["demo_unit"],
        [
            reverse("workflow:queue"),
            reverse("workflow:queue") + "?all=1",
            reverse("workflow:detail", args=[dossier.pk]),
            reverse("workflow:submissions", args=[dossier.pk]),
            reverse("workflow:publicity_list"),
            reverse("documents:roster"),
            reverse("documents:batches"),
        ],
    )
    for username in ("demo_county", "demo_prefecture"):
        pages |= {
            f"{username}:{k}": v for k, v in _pages(client, demo_users[username], [reverse("workflow:queue")]).items()
        }
    found = {url: leaks(text) for url, text in pages.items() if leaks(text)}
    assert found == {}
    comparison = pages[reverse("workflow:submissions", args=[dossier.pk])]
    assert f"附件：{doc_type_label('achievements', 'achievement_proof')}" in comparison


def test_bulk_refusal_names_the_applicant(client, journey, demo_users, open_round):
    other = dossier_services.dossier_create(
        actor=demo_users["demo_applicant2"], round_=open_round, level="mid", kind="evaluation"
    )
    client.force_login(demo_users["demo_unit"])
    response = client.post(
        reverse("workflow:bulk"), {"action": "unit_accept", "ids": [journey.pk, other.pk]}, follow=True
    )
    text = visible_text(response.content.decode())
    assert leaks(text) == []
    assert f"#{journey.pk}" not in text and "申报 #" not in text
    assert "李建国" in text  # the applicant by name (accepted, or refused with the reason)


def test_publicity_pages_and_errors_speak_chinese(client, journey, demo_users):
    unit = demo_users["demo_unit"]
    actions.act(actor=unit, dossier_id=journey.pk, action="unit_accept")
    client.force_login(unit)
    response = client.post(
        reverse("workflow:publicity_new"),
        {"ids": [journey.pk], "start": "2026-01-05", "working_days": "2", "contact": "人事科"},
    )
    text = visible_text(response.content.decode())
    assert "通知五(二)" in text and leaks(text) == []
    from django.utils import timezone

    from workflow.services import publicity_start

    publicity = publicity_start(dossier_ids=[journey.pk], actor=unit, start=timezone.localdate(), contact="人事科")
    assert isinstance(publicity, Publicity)
    for url in (
        reverse("workflow:publicity_detail", args=[publicity.pk]),
        reverse("workflow:detail", args=[journey.pk]),
    ):
        assert leaks(visible_text(client.get(url).content.decode())) == [], url


def test_admin_pages_are_chinese(client, db):
    from accounts.models import User

    admin = User.objects.create_superuser(username="root", password="Secret-pass-123", email="root@example.invalid")
    client.force_login(admin)

    urls = [reverse("admin:index")]
    for model in django_admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    for url in urls:
        page = client.get(url).content.decode()
        # App and model names, column headers, the page heading (rows hold data: audit actions are codes).
        # Django's own screen-reader-only headers ("Model name", "Add link") are Django's catalogue, not ours.
        if url == reverse("admin:index"):
            shown = re.findall(r'<a href="/admin/[^"]*"[^>]*>([^<]*)</a>()', page)
        else:  # a changelist: its heading and column headers (its rows are data, e.g. user names)
            shown = re.findall(r'<h1>([^<]*)</h1>|<div class="text">(?:<a [^>]*>|<span>)?([^<]*)', page)
        text = " ".join(" ".join(parts) for parts in shown)
        assert leaks(text) == [], url


def test_printed_evaluation_form_shows_captions_not_keys(open_round, demo_users):
    applicant = demo_users["demo_applicant2"]
    dossier = dossier_services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    fill_sections(dossier, applicant)
    DossierSection.objects.filter(dossier=dossier, key="awards").update(
        data={
            "none": False,
            "rows": [
                {
                    "name": "自治州公路养护先进个人",
                    "grade": "州级",
                    "issuer": "巴州交通运输局",
                    "awarded_on": "2021-05-01",
                    "rank": "第 1 名",
                }
            ],
        }
    )
    dossier = walk_to(dossier)
    document = evaluation_form_generate(dossier=dossier, actor=applicant)
    with document.file.open("rb") as handle:
        texts = page_texts(handle.read())
    # The verification code is printed in groups of four random letters and digits (a group may be letters
    # only, e.g. "HWRX"): it is a code people type, not a label.
    code = document.verification_code
    for group in (code[i : i + 4] for i in range(0, len(code), 4)):
        texts = [text.replace(group, "") for text in texts]
    whole = re.sub(r"\s+", "", "".join(texts))  # table cells wrap their captions
    assert "获奖时间" in whole and "发表时间" in whole and "刊号（ISSN/CN）及期次" in whole
    assert [leaks(text) for text in texts] == [[] for _ in texts]
