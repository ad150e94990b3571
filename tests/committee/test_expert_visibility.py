"""Blind review: everything an expert can receive is scanned for the applicant's identity; experts get
masked copies of assigned dossiers only, and nothing of dossiers not assigned to them."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.http import FileResponse
from django.test import Client
from PIL import Image

from accounts.models import Role, User
from committee.models import ExpertAssignment
from committee.services import expert_assign
from core.errors import NotFound, PermissionDenied
from demo.setup import DEMO_PASSWORD
from dossiers.models import Attachment, Dossier
from masking import services
from masking.detection import Identifiers, detect, load_image
from masking.models import AttachmentMasking
from masking.selectors import FileVariant, attachment_file_for
from tests.factories import UserFactory, give_role
from tests.masking.conftest import APPLICANT_ID, APPLICANT_NAME, APPLICANT_PHONE

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    # Sign in through the password backend when the demo password applies, else directly.
    if not client.login(username=user.username, password=DEMO_PASSWORD):
        client.force_login(user)
    return client


@pytest.fixture
def blind_setup(
    dossier: Dossier,
    upload: Callable[..., Attachment],
    certificate: Image.Image,
    demo_users: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> dict[str, Any]:
    """Two confirmed attachments (one masked by the proposal, one marked 'no masking') and one unconfirmed."""
    from tests.masking.conftest import document_image

    masked = upload(dossier, certificate)
    proposal = AttachmentMasking.objects.get(attachment=masked)
    # On commit, each masked copy is rechecked by the detector: experts only get copies that passed.
    with django_capture_on_commit_callbacks(execute=True):
        services.masking_confirm(
            actor=dossier.applicant, attachment_id=masked.pk, boxes=proposal.proposed_boxes, needs_masking=True
        )
    plain = upload(
        dossier,
        document_image([("公路养护技术报告", 40, 40, 30)]),
        section="achievements",
        doc_type="achievement_proof",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.masking_confirm(actor=dossier.applicant, attachment_id=plain.pk, boxes=[], needs_masking=False)
    unconfirmed = upload(dossier, certificate, section="assessments", doc_type="assessment_form")
    assignment = expert_assign(actor=demo_users["demo_prefecture"], dossier=dossier, expert=demo_users["demo_expert"])
    return {"dossier": dossier, "masked": masked, "plain": plain, "unconfirmed": unconfirmed, "assignment": assignment}


def _forbidden_strings(dossier: Dossier) -> list[str]:
    unit = dossier.unit
    strings = [
        APPLICANT_NAME,
        APPLICANT_ID,
        APPLICANT_PHONE,
        unit.name,
        dossier.serial_number,
        dossier.applicant.username,
    ]
    strings += [a.original_name for a in dossier.attachments.all()]
    return strings


def test_every_expert_response_is_free_of_the_applicants_identity(blind_setup, demo_users) -> None:
    dossier, assignment = blind_setup["dossier"], blind_setup["assignment"]
    assert assignment.pseudonym.startswith("申报人 ")
    client = _client(demo_users["demo_expert"])
    forbidden = _forbidden_strings(dossier)

    pages = [
        "/committee/review/",
        f"/committee/review/{assignment.pk}/",
        "/api/committee/review/assignments",
        f"/api/committee/review/assignments/{assignment.pk}",
    ]
    texts = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(_readable(response))
    assert assignment.pseudonym in texts[0] and assignment.pseudonym in texts[1]
    listed = json.loads(texts[3])["materials"]
    # Only the two confirmed attachments are offered.
    assert sorted(m["id"] for m in listed) == sorted([blind_setup["masked"].pk, blind_setup["plain"].pk])

    file_urls = [m["url"] for m in listed] + [m["url"] + "?download=1" for m in listed]
    file_urls += [f"/masking/attachments/{m['id']}/masked.jpg" for m in listed]
    for url in file_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/jpeg"
        disposition = response.get("Content-Disposition", "")
        assert isinstance(response, FileResponse)  # both file views stream the image
        body = b"".join(response.streaming_content)
        texts.append(disposition)
        # The file's bytes carry no text (EXIF, comments) naming the applicant.
        for s in forbidden:
            assert s.encode() not in body, (url, s)
        with Image.open(io.BytesIO(body)) as img:
            assert not img.getexif() and "comment" not in img.info
        # And its pixels: OCR of what the expert sees finds neither the name nor the ID number.
        if url == listed[0]["url"] or url == listed[1]["url"]:
            seen = detect(
                load_image(io.BytesIO(body)), Identifiers.build(names=[APPLICANT_NAME], id_number=APPLICANT_ID)
            )
            assert seen.matches == [], url

    for text in texts:
        for s in forbidden:
            assert s not in text, s


def test_experts_are_refused_originals_unassigned_dossiers_and_unconfirmed_files(blind_setup, demo_users) -> None:
    dossier, assignment = blind_setup["dossier"], blind_setup["assignment"]
    expert = demo_users["demo_expert"]
    client = _client(expert)
    masked, unconfirmed = blind_setup["masked"], blind_setup["unconfirmed"]
    refused = [
        f"/masking/attachments/{masked.pk}/original.jpg",
        f"/committee/review/{assignment.pk}/files/{unconfirmed.pk}.jpg",
        f"/masking/attachments/{unconfirmed.pk}/masked.jpg",
        f"/dossiers/attachments/{masked.pk}/file.jpg",
        f"/dossiers/{dossier.pk}/",
        f"/masking/dossiers/{dossier.pk}/",
        f"/api/masking/dossiers/{dossier.pk}/attachments",
        f"/api/masking/attachments/{masked.pk}",
    ]
    for url in refused:
        response = client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        for s in _forbidden_strings(dossier):
            assert s not in response.content.decode(errors="ignore"), (url, s)
    with pytest.raises(PermissionDenied):
        attachment_file_for(expert, masked, FileVariant.ORIGINAL)

    # Another expert, not assigned: the dossier does not exist for them.
    other = give_role(
        UserFactory.create(password=DEMO_PASSWORD), Role.EXPERT, demo_users["demo_expert"].roles.first().organization
    )
    other_client = Client()
    other_client.force_login(other)
    for url in [
        f"/committee/review/{assignment.pk}/",
        f"/committee/review/{assignment.pk}/files/{masked.pk}.jpg",
        f"/masking/attachments/{masked.pk}/masked.jpg",
        f"/api/committee/review/assignments/{assignment.pk}",
    ]:
        assert other_client.get(url).status_code == 404, url
    assert json.loads(other_client.get("/api/committee/review/assignments").content) == []


def test_originals_go_to_the_applicant_only_while_a_draft(blind_setup, demo_users) -> None:
    masked = blind_setup["masked"]
    applicant = _client(blind_setup["dossier"].applicant)
    assert applicant.get(f"/masking/attachments/{masked.pk}/original.jpg").status_code == 200
    assert applicant.get(f"/masking/attachments/{masked.pk}/masked.jpg").status_code == 200
    # A draft has not reached any reviewer; another county's officer never sees it.
    for name in ("demo_unit", "demo_county_qm"):
        assert _client(demo_users[name]).get(f"/masking/attachments/{masked.pk}/original.jpg").status_code == 404


def test_only_the_prefecture_office_assigns_experts(blind_setup, demo_users) -> None:
    with pytest.raises(PermissionDenied):
        expert_assign(actor=demo_users["demo_unit"], dossier=blind_setup["dossier"], expert=demo_users["demo_expert"])
    again = expert_assign(actor=None, dossier=blind_setup["dossier"], expert=demo_users["demo_expert"])
    assert again.pk == blind_setup["assignment"].pk
    assert ExpertAssignment.objects.count() == 1


# --- blind review of a received dossier: typed content redacted, identity documents never served ---------


@pytest.fixture
def blind(stage_round, demo_users, upload, certificate, django_capture_on_commit_callbacks):
    from tests.committee.blind import blind_dossier

    return blind_dossier(
        stage_round,
        demo_users["demo_applicant"],
        demo_users["demo_prefecture"],
        demo_users["demo_expert"],
        upload,
        certificate,
        django_capture_on_commit_callbacks,
    )


def _readable(response: Any) -> str:
    """The response as a person reads it: JSON decoded, so \\u-escaped names are scanned as names."""
    text = response.content.decode()
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _scan(text: str, forbidden: list[str], where: str) -> None:
    for s in forbidden:
        assert s not in text, (where, s)


def test_every_expert_page_and_api_response_is_scanned_for_identity(blind) -> None:
    from committee.redaction import EMPLOYER_MARK, NAME_MARK

    client = _client(blind.expert)
    a = blind.assignment.pk
    urls = [
        "/committee/review/",
        f"/committee/review/{a}/",
        "/api/committee/review/assignments",
        f"/api/committee/review/assignments/{a}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _readable(response)
        _scan(text, blind.forbidden(), url)
        assert blind.assignment.pseudonym in text, url
    page = client.get(f"/committee/review/{a}/").content.decode()
    # The content needed to judge is there, with the identifying parts replaced.
    assert "盐渍土路基处治难题" in page and "G218线改建工程" in page and "先进个人" in page
    assert NAME_MARK in page and EMPLOYER_MARK in page
    detail = json.loads(client.get(f"/api/committee/review/assignments/{a}").content)
    assert [s["key"] for s in detail["sections"]][:3] == ["work_history", "achievements", "awards"]
    assert sorted(m["id"] for m in detail["materials"]) == sorted(x.pk for x in blind.reviewed)
    # Every offered file is served, and its bytes carry nothing identifying either.
    for m in detail["materials"]:
        response = client.get(m["url"] + "?download=1")
        assert response.status_code == 200 and isinstance(response, FileResponse)
        body = b"".join(response.streaming_content)
        for s in blind.forbidden():
            assert s.encode() not in body
        _scan(response["Content-Disposition"], blind.forbidden(), m["url"])


def test_identity_documents_are_never_served_to_the_expert(blind, demo_users) -> None:
    client = _client(blind.expert)
    a = blind.assignment.pk
    listed = json.loads(client.get(f"/api/committee/review/assignments/{a}").content)["materials"]
    assert {m["id"] for m in listed} == {x.pk for x in blind.reviewed}
    for attachment in blind.identity:
        # Confirmed and rechecked clean like any review material: only its doc type keeps it from the expert.
        assert AttachmentMasking.objects.get(attachment=attachment).servable_to_experts
        for variant in (FileVariant.MASKED, FileVariant.ORIGINAL):
            with pytest.raises(NotFound):
                attachment_file_for(blind.expert, attachment, variant)
        for url in [
            f"/committee/review/{a}/files/{attachment.pk}.jpg",
            f"/committee/review/{a}/files/{attachment.pk}.jpg?download=1",
            f"/masking/attachments/{attachment.pk}/masked.jpg",
            f"/masking/attachments/{attachment.pk}/original.jpg",
            f"/dossiers/attachments/{attachment.pk}/file.jpg",
            f"/api/masking/attachments/{attachment.pk}",
        ]:
            response = client.get(url)
            assert response.status_code == 404, (url, response.status_code)
    # The officers of the chain still receive them (the gate withholds them from experts only).
    office = demo_users["demo_prefecture"]
    assert attachment_file_for(office, blind.identity[0]).variant == FileVariant.ORIGINAL


def test_documents_zip_and_pdf_routes_refuse_the_expert(blind, demo_users, django_capture_on_commit_callbacks) -> None:
    from documents.models import DocumentKind, GeneratedDocument
    from documents.services import evaluation_form_generate

    dossier = blind.dossier
    # The office prints the evaluation form (it carries the photo): the expert may not fetch that PDF.
    form = evaluation_form_generate(dossier=dossier, actor=demo_users["demo_prefecture"])
    assert GeneratedDocument.objects.filter(kind=DocumentKind.EVALUATION_FORM, dossier=dossier).exists()
    client = _client(blind.expert)
    refused = [
        f"/documents/dossier/{dossier.pk}/evaluation-form/",
        f"/documents/dossier/{dossier.pk}/commitment/",
        f"/documents/dossier/{dossier.pk}/ce-exemption/",
        f"/documents/files/{form.pk}/",
        f"/api/documents/dossiers/{dossier.pk}/evaluation-form",
        f"/api/documents/dossiers/{dossier.pk}/commitment",
        f"/api/documents/dossiers/{dossier.pk}/downloads",
        f"/api/documents/files/{form.pk}",
        f"/api/dossiers/{dossier.pk}",
        "/documents/batches/",
    ]
    for url in refused:
        response = client.get(url)
        assert response.status_code in (403, 404) or b"%PDF" not in response.content, url
        assert not response.get("Content-Type", "").startswith(("application/pdf", "application/zip")), url
        if not isinstance(response, FileResponse):
            _scan(_readable(response), blind.forbidden(), url)
    # A batch (ZIP of evaluation forms) of the dossier's unit: refused before anything is drawn.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/documents/batches",
            data=json.dumps({"round": dossier.round.slug, "organization": dossier.unit.code}),
            content_type="application/json",
        )
    assert response.status_code in (403, 404), response.content
