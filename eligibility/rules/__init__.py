"""Eligibility rules as policy data: parameters (parameters.py), compiled per round (ruleset.py), rules
(checks.py) and the evaluation of a profile (engine.py)."""

from eligibility.rules.checks import HARD_RULES, RULE_LABELS, Check
from eligibility.rules.engine import EligibilityResult, evaluate_parsed, evaluate_profile
from eligibility.rules.profile import Profile, parse_profile
from eligibility.rules.ruleset import RuleSet, compile_ruleset, ruleset_for

__all__ = [
    "HARD_RULES",
    "RULE_LABELS",
    "Check",
    "EligibilityResult",
    "Profile",
    "RuleSet",
    "compile_ruleset",
    "evaluate_parsed",
    "evaluate_profile",
    "parse_profile",
    "ruleset_for",
]
