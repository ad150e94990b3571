"""A dossier at 评审委员会已接收材料 with identifying typed content and confirmed attachments of every kind
an expert must or must not receive, assigned to the demo expert: what the blind-review tests scan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from accounts.models import User
from accounts.selectors import applicant_unit
from committee.models import ExpertAssignment
from committee.services import expert_assign
from dossiers.models import Attachment, Dossier
from masking import services
from masking.models import AttachmentMasking
from rounds.models import Round
from tests.committee.stage import id_number
from tests.documents.conftest import make_dossier, walk_to
from tests.masking.conftest import document_image

NAME = "李建国"
FORMER_NAME = "李小龙"
PHONE = "13912345678"
ID_NUMBER = id_number(777)
PAST_EMPLOYER = "库尔勒公路工程处"
AWARD_EMPLOYER = "巴州路桥建设集团有限公司"
# Withheld whatever their masking says: never review material.
IDENTITY_DOCS = (
    ("basic_info", "id_front"),
    ("basic_info", "id_back"),
    ("basic_info", "photo"),
    ("commitment", "signed_commitment"),
)


@dataclass
class Blind:
    dossier: Dossier
    assignment: ExpertAssignment
    expert: User
    reviewed: list[Attachment]
    identity: list[Attachment]

    def forbidden(self) -> list[str]:
        """Everything that names or locates the applicant."""
        d = self.dossier
        return [
            NAME,
            FORMER_NAME,
            ID_NUMBER,
            PHONE,
            d.unit.name,
            PAST_EMPLOYER,
            AWARD_EMPLOYER,
            d.serial_number,
            d.applicant.username,
            *(a.original_name for a in d.attachments.all()),
        ]


def _fill_identifying_content(dossier: Dossier) -> None:
    unit = dossier.unit.name
    updates: dict[str, dict[str, Any]] = {
        "basic_info": {"phone": PHONE, "former_names": FORMER_NAME},
        "work_history": {
            "rows": [
                {"start": "2012-07-01", "end": "2016-12-31", "unit": PAST_EMPLOYER, "position": "施工员"},
                {"start": "2017-01-01", "end": None, "unit": unit, "position": "项目技术负责人"},
            ]
        },
        "achievements": {"text": f"在{unit}主持G218线改建工程路基施工技术管理，联系人{NAME}，电话{PHONE}。"},
        "awards": {
            "none": False,
            "rows": [
                {
                    "name": f"{AWARD_EMPLOYER}先进个人",
                    "grade": "州级",
                    "issuer": AWARD_EMPLOYER,
                    "awarded_on": "2021-05-01",
                    "rank": "第 1 名",
                }
            ],
        },
        "work_summary": {
            "text": f"我叫{NAME}（曾用名{FORMER_NAME}），身份证号{ID_NUMBER}，先后在{PAST_EMPLOYER}、{unit}工作，"
            "长期从事公路工程施工技术管理，解决盐渍土路基处治难题。"
        },
    }
    for key, data in updates.items():
        section, _ = dossier.sections.get_or_create(key=key, defaults={"data": {}})
        section.data = {**section.data, **data}
        section.save()


def blind_dossier(
    round_: Round,
    applicant: User,
    office: User,
    expert: User,
    upload: Callable[..., Attachment],
    certificate: Image.Image,
    on_commit: Any,
) -> Blind:
    """`on_commit` is pytest-django's django_capture_on_commit_callbacks: each confirmation's recheck of the
    masked copy runs on commit, and experts only get copies that passed it."""

    def confirm(attachment: Attachment, boxes: list[list[int]], needs_masking: bool) -> None:
        with on_commit(execute=True):
            services.masking_confirm(
                actor=applicant, attachment_id=attachment.pk, boxes=boxes, needs_masking=needs_masking
            )

    dossier = make_dossier(
        round_=round_,
        applicant=applicant,
        unit=applicant_unit(applicant),
        name=NAME,
        id_number=ID_NUMBER,
        with_photo=False,
    )
    _fill_identifying_content(dossier)
    masked = upload(dossier, certificate)
    confirm(masked, AttachmentMasking.objects.get(attachment=masked).proposed_boxes, True)
    plain = upload(
        dossier,
        document_image([("公路养护技术报告", 40, 40, 30)]),
        section="achievements",
        doc_type="achievement_proof",
    )
    confirm(plain, [], False)
    identity = []
    for section, doc_type in IDENTITY_DOCS:
        # Confirmed as needing no masking: only the doc type keeps them from the expert.
        attachment = upload(dossier, document_image([("证件", 40, 40, 30)]), section=section, doc_type=doc_type)
        confirm(attachment, [], False)
        identity.append(attachment)
    dossier = walk_to(dossier)
    assignment = expert_assign(actor=office, dossier=dossier, expert=expert)
    return Blind(dossier, assignment, expert, [masked, plain], identity)
