"""Who reads the fraud register (notice 八(二)) and what each reader sees. The prefecture office sees the
cases of its prefecture (found on its dossiers or recorded by its officers); region-level officers (the
office role held at the region) and administrators see the whole register; nobody else sees any of it.
The eligibility rules read the whole register regardless (eligibility.selectors.fraud_years_for)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Organization, Role, User
from accounts.selectors import organizations_for_role, user_has_role
from core.errors import PermissionDenied
from dossiers.access import dossiers_under
from eligibility.models import FraudFinding
from rounds.models import Round
from rounds.selectors import share_rounds

REFUSAL = "只有州评委会办公室和自治区职称主管部门可以查看弄虚作假记录。"


def reads_whole_register(user: User) -> bool:
    if user.is_superuser or user_has_role(user, Role.ADMINISTRATOR):
        return True
    return any(o.kind == Organization.Kind.REGION for o in organizations_for_role(user, Role.PREFECTURE_OFFICER))


def can_read_register(user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return reads_whole_register(user) or bool(organizations_for_role(user, Role.PREFECTURE_OFFICER))


def fraud_register(user: User | None) -> QuerySet[FraudFinding]:
    """The findings `user` may read, newest round first; PermissionDenied for anyone else."""
    if user is None or not can_read_register(user):
        raise PermissionDenied(REFUSAL)
    findings = FraudFinding.objects.select_related("dossier", "dossier__round", "recorded_by")
    if reads_whole_register(user):
        return findings.order_by("-round_year", "-created_at")
    scope = Q(pk__in=[])
    for office in organizations_for_role(user, Role.PREFECTURE_OFFICER):
        scope |= Q(dossier__in=dossiers_under(office).values("pk"))
        scope |= Q(recorded_by__roles__role=Role.PREFECTURE_OFFICER, recorded_by__roles__organization=office)
    return findings.filter(scope).distinct().order_by("-round_year", "-created_at")


def ban_years_for(findings: list[FraudFinding]) -> dict[int, tuple[int, int] | None]:
    """ban_years_of for a list (one page of the register): the rounds of the findings without a dossier are
    read once by year, each round's policy decoded once, not once per row."""
    share_rounds([f.dossier for f in findings if f.dossier])
    years = {f.round_year for f in findings if not f.dossier}
    by_year: dict[int, Round] = {}
    for round_ in Round.objects.filter(year__in=years).order_by("pk"):
        by_year.setdefault(round_.year, round_)
    return {f.pk: _ban(f, f.dossier.round if f.dossier else by_year.get(f.round_year)) for f in findings}


def _ban(finding: FraudFinding, round_: Round | None) -> tuple[int, int] | None:
    if round_ is None:
        return None
    years = int(round_.policy.eligibility_value("fraud_ban")["years"])
    return finding.round_year + 1, finding.round_year + years


def ban_years_of(finding: FraudFinding) -> tuple[int, int] | None:
    """The years the finding bars (from the year after its round year, for the policy's number of years),
    read from the policy of the round it was found in; None when no round of that year is loaded."""
    round_ = finding.dossier.round if finding.dossier else Round.objects.filter(year=finding.round_year).first()
    if round_ is None:
        return None
    years = int(round_.policy.eligibility_value("fraud_ban")["years"])
    return finding.round_year + 1, finding.round_year + years
