"""A draft dossier of the demo applicant (李建国) with basic info, and a helper that uploads through
the dossiers service so the real signal → huey task → OCR chain runs (huey is immediate in tests)."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pytest
from PIL import Image
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import User
from dossiers.models import Attachment, Dossier, DossierSection
from rounds.models import Round

APPLICANT_NAME = "李建国"
APPLICANT_ID = "652801198503121234"
APPLICANT_PHONE = "13912345678"


@pytest.fixture
def dossier(open_round: Round, demo_users: dict[str, User]) -> Dossier:
    from dossiers.services import dossier_create

    applicant = demo_users["demo_applicant"]
    created = dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    DossierSection.objects.create(
        dossier=created,
        key="basic_info",
        data={"name": APPLICANT_NAME, "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE, "sex": "男"},
    )
    return created


def document_image(lines: list[tuple[str, int, int, int]], size: tuple[int, int] = (900, 420)) -> Image.Image:
    """A white page with (text, x, y, font_size) lines."""
    from PIL import ImageDraw, ImageFont

    from demo.corpus import FONT_PATH

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for text, x, y, font_size in lines:
        draw.text((x, y), text, font=ImageFont.truetype(FONT_PATH, font_size), fill=(20, 20, 20))
    return image


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


@pytest.fixture
def upload(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Callable[..., Attachment]:
    from dossiers.services import attachment_upload

    def _upload(
        dossier: Dossier, image: Image.Image, *, section: str = "current_title", doc_type: str = "title_certificate"
    ) -> Attachment:
        with django_capture_on_commit_callbacks(execute=True):
            return attachment_upload(
                dossier_id=dossier.pk,
                actor=dossier.applicant,
                section=section,
                doc_type=doc_type,
                upload=io.BytesIO(jpeg_bytes(image)),
                original_name=f"{APPLICANT_NAME}-证书-{random.randint(0, 999)}.jpg",
            )

    return _upload


@pytest.fixture
def certificate() -> Image.Image:
    return document_image(
        [
            ("专业技术职务任职资格证书", 200, 30, 40),
            (f"姓名：{APPLICANT_NAME}    性别：男", 80, 130, 32),
            (f"身份证号：{APPLICANT_ID}", 80, 200, 28),
            ("资格名称：工程师  专业：公路与桥梁", 80, 270, 28),
        ]
    )
