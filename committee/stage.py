"""Where the committee stage starts and which states belong to it (names from the policy's workflow block)."""

from __future__ import annotations

from django.db.models import QuerySet

from dossiers.models import Dossier
from dossiers.states import CANCELLED, CERTIFICATE_ISSUED, COMMITTEE_RECEIVED, NOT_PASSED, PASSED
from eligibility.models import normalise_id_number
from rounds.models import Round

# 评审委员会已接收材料: fees, paper, defence, review and the vote all happen in this state.
RECEIVED = COMMITTEE_RECEIVED
CERTIFIED = CERTIFICATE_ISSUED
# The vote's outcomes, as the results publicity lists them.
VOTED = (PASSED, NOT_PASSED)
# States a dossier can be in once the committee has it (a cancelled one has left the stage).
AT_COMMITTEE = (RECEIVED, PASSED, NOT_PASSED, CERTIFIED)
# What the committee needs every policy to define (registered in committee.apps).
REQUIRED_STATES = (*AT_COMMITTEE, CANCELLED)


def committee_dossiers(round_: Round) -> QuerySet[Dossier]:
    return Dossier.objects.filter(round=round_, status__in=AT_COMMITTEE)


def id_number_of(dossier: Dossier) -> str:
    """The applicant's ID number as entered in basic_info (normalised), '' when not entered."""
    section = dossier.sections.filter(key="basic_info").first()
    return normalise_id_number(str((section.data if section else {}).get("id_number") or ""))
