from __future__ import annotations

import io

import pytest

from demo.samples import REQUIRED_UPLOADS, sample_sections
from dossiers import services
from tests.dossiers.helpers import jpeg_bytes


@pytest.fixture
def applicant(demo_users):
    return demo_users["demo_applicant"]


@pytest.fixture
def dossier(open_round, applicant):
    return services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")


def fill_sections(dossier, actor) -> None:
    for key, data in sample_sections(dossier).items():
        services.section_save(dossier_id=dossier.pk, actor=actor, key=key, data=data)


def upload(dossier, actor, section: str, doc_type: str, content: bytes | None = None, name: str = "scan.jpg"):
    return services.attachment_upload(
        dossier_id=dossier.pk,
        actor=actor,
        section=section,
        doc_type=doc_type,
        upload=io.BytesIO(content if content is not None else jpeg_bytes()),
        original_name=name,
    )


def upload_required(dossier, actor) -> None:
    for section, doc_type in REQUIRED_UPLOADS:
        upload(dossier, actor, section, doc_type)


@pytest.fixture
def filled_dossier(dossier, applicant):
    fill_sections(dossier, applicant)
    upload_required(dossier, applicant)
    dossier.refresh_from_db()
    return dossier
