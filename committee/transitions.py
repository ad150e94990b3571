"""The committee's dossier state changes, all through the workflow action registry (policy transitions
committee_pass / committee_fail / certificate_issue / fraud_cancel): one place to call it from."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from dossiers.models import Dossier
from workflow.actions import act


def dossier_move(*, dossier: Dossier, action: str, actor: User | None, note: str = "", **params: Any) -> Dossier:
    """Apply a committee transition. System transitions (the vote's outcome) take no person as actor:
    the count that caused them is audited with its officer."""
    return act(actor=actor, dossier_id=dossier.pk, action=action, note=note, **params)
