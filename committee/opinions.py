"""Each assigned expert's written opinion and score, before the meeting (blind review)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from accounts.models import User
from accounts.services import audit
from committee.models import ExpertAssignment, ExpertOpinion, VoteCount
from committee.stage import RECEIVED
from core.errors import IllegalTransition, PermissionDenied, ValidationFailed

MAX_SCORE = Decimal(100)


def opinion_submit_check(actor: User | None, assignment: ExpertAssignment, *, voted: bool | None = None) -> None:
    """`voted`: whether the dossier has a vote count, when a list page already read it (None: asked here)."""
    if actor is None or assignment.expert_id != actor.pk:
        raise PermissionDenied("只能填写分配给本人的评审意见。")
    if voted is None:
        voted = VoteCount.objects.filter(dossier=assignment.dossier).exists()
    if assignment.dossier.status != RECEIVED or voted:
        raise IllegalTransition("该申报已表决，评审意见不能再修改。")


@transaction.atomic
def opinion_submit(*, actor: User, assignment: ExpertAssignment, opinion: str, score: str | Decimal) -> ExpertOpinion:
    opinion_submit_check(actor, assignment)
    if not opinion.strip():
        raise ValidationFailed("请填写评审意见。", details={"field": "opinion"})
    try:
        value = Decimal(str(score))
    except InvalidOperation as exc:
        raise ValidationFailed("评分应为 0—100 之间的数字。", details={"field": "score"}) from exc
    if not 0 <= value <= MAX_SCORE:
        raise ValidationFailed("评分应为 0—100 之间的数字。", details={"field": "score"})
    record, created = ExpertOpinion.objects.update_or_create(
        assignment=assignment, defaults={"opinion": opinion.strip(), "score": value}
    )
    audit(actor, "opinion_submitted", record, pseudonym=assignment.pseudonym, revised=not created)
    return record
