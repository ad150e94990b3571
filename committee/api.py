"""Committee API. Expert endpoints return only pseudonyms and masked-file links (blind review)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from accounts.auth import signed_in_user
from committee.models import ExpertAssignment
from committee.selectors import assignment_of_expert, assignments_of_expert
from dossiers.sections import doc_type_label
from masking.selectors import masked_attachments

router = Router(tags=["committee"])


class MaterialOut(Schema):
    id: int
    section: str
    doc_type: str
    doc_label: str
    url: str


class ExpertAssignmentOut(Schema):
    id: int
    pseudonym: str
    round: str
    level: str
    kind: str
    materials: list[MaterialOut]


def _assignment_out(assignment: ExpertAssignment) -> dict[str, Any]:
    dossier = assignment.dossier
    # Callers fetched the assignment among the expert's own, so its dossier is theirs to see, masked.
    attachments = masked_attachments(dossier)
    return {
        "id": assignment.pk,
        "pseudonym": assignment.pseudonym,
        "round": dossier.round.name,
        "level": dossier.level_label,
        "kind": dossier.kind_label,
        "materials": [
            {
                "id": a.pk,
                "section": a.section,
                "doc_type": a.doc_type,
                "doc_label": doc_type_label(a.section, a.doc_type),
                "url": reverse("committee:expert_file", args=[assignment.pk, a.pk]),
            }
            for a in attachments
        ],
    }


@router.get("/expert/assignments", response=list[ExpertAssignmentOut])
def expert_assignments(request: HttpRequest) -> list[dict[str, Any]]:
    return [_assignment_out(a) for a in assignments_of_expert(signed_in_user(request))]


@router.get("/expert/assignments/{assignment_id}", response=ExpertAssignmentOut)
def expert_assignment(request: HttpRequest, assignment_id: int) -> dict[str, Any]:
    return _assignment_out(assignment_of_expert(signed_in_user(request), assignment_id))
