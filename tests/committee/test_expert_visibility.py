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
from core.errors import PermissionDenied
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
        "/committee/expert/",
        f"/committee/expert/{assignment.pk}/",
        "/api/committee/expert/assignments",
        f"/api/committee/expert/assignments/{assignment.pk}",
    ]
    texts = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
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
        f"/committee/expert/{assignment.pk}/files/{unconfirmed.pk}.jpg",
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
        f"/committee/expert/{assignment.pk}/",
        f"/committee/expert/{assignment.pk}/files/{masked.pk}.jpg",
        f"/masking/attachments/{masked.pk}/masked.jpg",
        f"/api/committee/expert/assignments/{assignment.pk}",
    ]:
        assert other_client.get(url).status_code == 404, url
    assert json.loads(other_client.get("/api/committee/expert/assignments").content) == []


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
