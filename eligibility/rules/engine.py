"""Run every rule on a profile and combine the verdicts (the one implementation used by the command,
the API, the dossier self-check and the benchmark)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eligibility.rules.checks import (
    RULE_LABELS,
    Check,
    analyse_years,
    check_application,
    check_assessment,
    check_continuing_education,
    check_defence_exemption,
    check_education_years,
    check_exclusion,
    check_fraud_ban,
    check_social_insurance,
    defence_exemption_grounds,
    fraud_bar_until,
    permanent_exclusions,
)
from eligibility.rules.profile import Profile, parse_profile
from eligibility.rules.ruleset import RuleSet, ruleset_for
from rounds.policy import Policy

RULE_ORDER = list(RULE_LABELS)
# Rules whose outcome feeds the earliest eligible year (SPEC 7: the time-based conditions).
TIME_BASED_RULES = frozenset({"education_years", "assessment", "fraud_ban"})


@dataclass
class EligibilityResult:
    eligible: bool
    checks: list[Check]
    fee: int
    defence_exempt: bool
    earliest_year: int | None
    pending: list[Check] = field(default_factory=list)

    @property
    def hard_failures(self) -> list[Check]:
        """Hard rules that fail on the data given (rules still waiting for data are not failures)."""
        return [c for c in self.checks if c.hard and c.failed and not c.pending]

    @property
    def manual_review(self) -> list[Check]:
        """Checks an officer must decide (passed is None)."""
        return [c for c in self.checks if c.manual and not c.pending]

    @property
    def complete(self) -> bool:
        return not self.pending

    def as_contract(self) -> dict[str, Any]:
        """The JSON object of SPEC 7."""
        return {
            "eligible": self.eligible,
            "checks": [c.as_contract() for c in self.checks],
            "fee": self.fee,
            "defence_exempt": self.defence_exempt,
            "earliest_year": self.earliest_year,
            "manual_review": [c.rule for c in self.manual_review],
        }


def evaluate_parsed(rs: RuleSet, p: Profile, *, pending: Mapping[str, str] | None = None) -> EligibilityResult:
    """Evaluate a parsed profile. `pending` maps rule → reason for rules whose input is not filled in yet;
    those rules are reported as waiting ("待填写") instead of being evaluated on placeholder data."""
    pending = pending or {}
    checks: list[Check] = []
    waiting: list[Check] = []

    def add(check: Check) -> None:
        if check.rule in pending:
            check = Check(check.rule, False, f"待填写：{pending[check.rule]}", check.clause, pending=True)
            waiting.append(check)
        checks.append(check)

    add(check_exclusion(rs, p))
    add(check_application(rs, p))
    analysis = analyse_years(rs, p)
    years_check = check_education_years(rs, p, analysis)
    add(years_check)
    add(check_assessment(rs, p, analysis, years_check.passed))
    add(check_continuing_education(rs, p))
    add(check_fraud_ban(rs, p))
    add(check_social_insurance(rs, p))
    grounds = defence_exemption_grounds(rs, p)
    add(check_defence_exemption(rs, p, grounds))

    # SPEC 7: eligible when no check failed; a check an officer must decide (passed None) does not block.
    eligible = not any(c.failed for c in checks if c.hard)

    earliest: int | None
    if permanent_exclusions(rs, p) or "exclusion" in pending or any(r in pending for r in TIME_BASED_RULES):
        earliest = None
    elif analysis.path is None and not analysis.manual:
        # No education or title the person holds can ever meet the requirement: no year to name.
        earliest = None
    else:
        # Under manual review the years are the officer's to decide: nothing known defers the round year.
        earliest = p.round_year if analysis.manual or analysis.path is None else analysis.path.earliest_year
        barred_until = fraud_bar_until(rs, p)
        if barred_until is not None:
            earliest = max(earliest, barred_until + 1)
    return EligibilityResult(
        eligible=eligible and not waiting,
        checks=checks,
        fee=rs.fees.get((p.target_level, p.kind), 0),
        defence_exempt=bool(grounds) and "defence_exemption" not in pending,
        earliest_year=earliest,
        pending=waiting,
    )


def evaluate_profile(policy: Policy, profile: dict[str, Any]) -> EligibilityResult:
    """Evaluate a schema-valid profile dict against a round's policy."""
    return evaluate_parsed(ruleset_for(policy), parse_profile(profile))
