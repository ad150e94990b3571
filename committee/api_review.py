"""Blind-review API for experts: the same reads and the same opinion service as the pages. Bodies carry
the pseudonym, redacted section text and masked-file links only; refusals are typed error bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from accounts.auth import signed_in_user
from committee.blind_review import opinion_of, opinion_refusal, review_materials, review_sections
from committee.models import ExpertAssignment
from committee.opinions import opinion_submit
from committee.selectors import assignment_of_expert, assignment_page_of_expert
from core.api_errors import ERRORS
from workflow.selectors import QUEUE_MAX_PAGE_SIZE, page_limit

router = Router(tags=["committee-review"])


class SectionOut(Schema):
    key: str
    title: str
    fields: list[tuple[str, str]]
    row_headers: list[str]
    rows: list[list[str]]


class MaterialOut(Schema):
    id: int
    section: str
    doc_type: str
    doc_label: str
    url: str


class OpinionOut(Schema):
    opinion: str
    # A number in the JSON, as the expert sent it (a Decimal would be serialised as a string).
    score: float


class ReviewSummaryOut(Schema):
    id: int
    pseudonym: str
    round: str
    level: str
    kind: str
    opinion: OpinionOut | None
    # Why an opinion cannot be written now ("" when it can).
    opinion_closed: str


class ReviewOut(ReviewSummaryOut):
    sections: list[SectionOut]
    materials: list[MaterialOut]


class OpinionIn(Schema):
    opinion: str
    score: Decimal


def _summary(assignment: ExpertAssignment) -> dict[str, Any]:
    dossier = assignment.dossier
    opinion = opinion_of(assignment)
    return {
        "id": assignment.pk,
        "pseudonym": assignment.pseudonym,
        "round": dossier.round.name,
        "level": dossier.level_label,
        "kind": dossier.kind_label,
        "opinion": {"opinion": opinion.opinion, "score": opinion.score} if opinion else None,
        "opinion_closed": opinion_refusal(assignment),
    }


def _detail(assignment: ExpertAssignment) -> dict[str, Any]:
    dossier = assignment.dossier
    return {
        **_summary(assignment),
        "sections": [vars(s) for s in review_sections(dossier)],
        "materials": [
            {
                "id": m.id,
                "section": m.section,
                "doc_type": m.doc_type,
                "doc_label": m.doc_label,
                "url": reverse("committee:review_file", args=[assignment.pk, m.id]),
            }
            for m in review_materials(dossier)
        ],
    }


@router.get("/assignments", response={200: list[ReviewSummaryOut], **ERRORS}, summary="我的评审任务（匿名）")
def review_assignments(request: HttpRequest, page: int = 1, limit: int = QUEUE_MAX_PAGE_SIZE) -> list[dict[str, Any]]:
    """By pseudonym, `limit` a page (at most 200): ?page=2 for the next ones; a page past the end answers the
    last page."""
    return [_summary(a) for a in assignment_page_of_expert(signed_in_user(request), page=page, limit=page_limit(limit))]


@router.get("/assignments/{assignment_id}", response={200: ReviewOut, **ERRORS}, summary="评审材料（隐去身份信息）")
def review_assignment(request: HttpRequest, assignment_id: int) -> dict[str, Any]:
    return _detail(assignment_of_expert(signed_in_user(request), assignment_id))


@router.put(
    "/assignments/{assignment_id}/opinion", response={200: ReviewSummaryOut, **ERRORS}, summary="填写评审意见和评分"
)
def review_opinion(request: HttpRequest, assignment_id: int, payload: OpinionIn) -> dict[str, Any]:
    expert = signed_in_user(request)
    assignment = assignment_of_expert(expert, assignment_id)
    opinion_submit(actor=expert, assignment=assignment, opinion=payload.opinion, score=payload.score)
    return _summary(assignment)
