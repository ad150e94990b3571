"""The eligibility rules: each a small function of (rule set, profile) returning a Check with a Chinese reason
that names the numbers. Our reading of each clause is written beside the rule that applies it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dossiers.vocabularies.education import EDUCATION_RANK
from dossiers.vocabularies.special_assignments import SpecialAssignment, assignment_phrase
from eligibility.rules.profile import Profile
from eligibility.rules.ruleset import (
    ASSESSMENT_LABELS,
    CE_TYPE_LABELS,
    EDUCATION_LABELS,
    EMPLOYER_TYPE_LABELS,
    TITLE_LABELS,
    UNIT_LEVEL_LABELS,
    Requirement,
    Route,
    RuleSet,
)

# Stable rule identifiers (the `rule` field of the command's output) and their Chinese names.
RULE_LABELS: dict[str, str] = {
    "exclusion": "评审范围",
    "application": "申报级别与类型",
    "education_years": "学历与任职年限",
    "assessment": "年度考核顺延",
    "continuing_education": "继续教育",
    "fraud_ban": "弄虚作假限制申报",
    "social_insurance": "社保缴费",
    "defence_exemption": "答辩免试",
}
# Rules that decide eligibility; the others inform (defence exemption never blocks anyone).
HARD_RULES = frozenset(RULE_LABELS) - {"defence_exemption"}


@dataclass(slots=True)
class Check:
    rule: str
    # None: an officer decides (SPEC 7 `passed: null`, listed under `manual_review`).
    passed: bool | None
    reason: str
    clause: str = ""
    # True while the dossier section the rule reads is not filled in yet (self-check only).
    pending: bool = False

    @property
    def label(self) -> str:
        return RULE_LABELS.get(self.rule, self.rule)

    @property
    def hard(self) -> bool:
        return self.rule in HARD_RULES

    @property
    def failed(self) -> bool:
        return self.passed is False

    @property
    def manual(self) -> bool:
        return self.passed is None

    def as_contract(self) -> dict[str, object]:
        return {"rule": self.rule, "passed": self.passed, "reason": self.reason}


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later; 29 February becomes 28 February in a common year
    (民法典 第二百零三条: without a corresponding day the period ends on the last day of the month)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(start: dt.date, end: dt.date) -> int:
    """Whole years from `start` to `end` (end inclusive in the sense of add_years(start, n) <= end)."""
    years = end.year - start.year - (1 if (end.month, end.day) < (start.month, start.day) else 0)
    return max(years, 0)


# --- exclusions (notice 一: 离退休人员、公务员及参照公务员法管理的事业单位人员不得参加) -------------------

_EXCLUSION_REASONS = {
    "retired": "离退休人员不得参加",
    "civil_servant": "公务员不得参加",
    "managed_as_civil_servant": "参照公务员法管理的事业单位人员不得参加",
}


def permanent_exclusions(rs: RuleSet, p: Profile) -> list[str]:
    found = []
    if p.retired and "retired" in rs.exclusions:
        found.append("retired")
    if p.civil_servant and "civil_servant" in rs.exclusions:
        found.append("civil_servant")
    if p.managed_as_civil_servant and "managed_as_civil_servant" in rs.exclusions:
        found.append("managed_as_civil_servant")
    return found


def check_exclusion(rs: RuleSet, p: Profile) -> Check:
    found = permanent_exclusions(rs, p)
    if found:
        return Check("exclusion", False, "；".join(_EXCLUSION_REASONS[f] for f in found), rs.clauses["exclusions"])
    return Check(
        "exclusion", True, "非离退休人员、非公务员、非参照公务员法管理的事业单位人员", rs.clauses["exclusions"]
    )


# --- the level/kind must be one the round accepts (policy `applications`) --------------------------------


def check_application(rs: RuleSet, p: Profile) -> Check:
    target = rs.target_label(p.target_level, p.kind)
    if (p.target_level, p.kind) in rs.offered:
        return Check(
            "application",
            True,
            f"本批次受理{target}，评审费 {rs.fees.get((p.target_level, p.kind), 0)} 元",
            rs.fees_clause,
        )
    return Check("application", False, f"本批次不受理{target}", rs.fees_clause)


# --- education and years, lengthened by assessment deferrals -------------------------------------------
#
# Reading (SPEC 5 and 7; every value and its source is in the policy's `requirements`, see policies/POLICY.md):
# - Years are counted up to the policy's cut-off day of the round year (12-31): a person who obtained the
#   title on 2019-12-31 has exactly 4 years on 2023-12-31 and qualifies; one who obtained it on 2020-01-01
#   is one day short and does not (the requirement is met when add_years(start, required) <= cut-off).
# - Each education has its own routes: counted from graduation ("毕业后从事本专业技术工作满 N 年", from the
#   later of the graduation date and the start of work) or from the current title of a named level. Every
#   (education, route) is a possible path; the one giving the earliest year is used.
# - Deferral (notice 五(一)10, "每出现1次…顺延1年申报"): each 基本合格 adds 1 year, each 不合格 2 years, for the
#   assessments of the years after the year the current title was obtained and before the round year (the
#   round year's assessment does not exist during filing); not for 初次确定 (policy `assessment_deferral`).
# - Where no route is met and the requirement names a manual review (授予), the rule returns passed=None.


@dataclass(slots=True)
class YearsPath:
    education: str
    route: Route
    start: dt.date
    deferral_years: int
    basic_pass: int
    fail: int
    needed: dt.date  # the day on which the requirement is met
    earliest_year: int

    @property
    def base_years(self) -> int:
        return self.route.years

    @property
    def required(self) -> int:
        return self.base_years + self.deferral_years


@dataclass(slots=True)
class Deferral:
    years: int
    basic_pass: int
    fail: int
    first_year: int  # the assessment years counted: first_year … last_year
    last_year: int
    applies: bool


@dataclass(slots=True)
class YearsAnalysis:
    requirement: Requirement | None
    path: YearsPath | None  # None: no education/title can ever satisfy the requirement
    problem: str  # why there is no path
    deferral: Deferral
    manual: str = ""  # an officer decides: what they verify


def deferral_for(rs: RuleSet, p: Profile) -> Deferral:
    """Assessment deferral of the current title (policy `assessment_deferral`)."""
    if p.kind not in rs.deferral_kinds or p.title_obtained is None:
        return Deferral(0, 0, 0, 0, -1, False)
    first = p.title_obtained.year + (0 if rs.deferral_counts_title_year else 1)
    last = p.round_year - (0 if rs.deferral_counts_round_year else 1)
    basic_pass = fail = 0
    for year, result in p.assessments:
        if first <= year <= last:
            if result == "basic_pass":
                basic_pass += 1
            elif result == "fail":
                fail += 1
    years = basic_pass * rs.deferral.get("basic_pass", 0) + fail * rs.deferral.get("fail", 0)
    return Deferral(years, basic_pass, fail, first, last, True)


def _route_start(route: Route, p: Profile, graduated: dt.date) -> dt.date | None:
    if route.counted_from == "title":
        if p.title_level != route.title_level or p.title_obtained is None:
            return None
        return p.title_obtained
    return graduated if p.started_work is None or p.started_work < graduated else p.started_work


def _route_wants(route: Route, education: str) -> str:
    if route.counted_from == "title":
        title = TITLE_LABELS.get(route.title_level or "", "")
        return f"{EDUCATION_LABELS[education]}学历需现任{title}职称满 {route.years} 年"
    return f"{EDUCATION_LABELS[education]}学历毕业后从事专业技术工作满 {route.years} 年"


def _no_path_problem(rs: RuleSet, p: Profile, req: Requirement) -> str:
    target = rs.target_label(p.target_level, p.kind)
    held = [e for e, _ in p.education if req.routes.get(e)]
    if held:
        current = TITLE_LABELS.get(p.title_level or "", "") if p.title_level else ""
        now = f"现任{current}" if current else "未填写现任职称"
        wants = "；".join(dict.fromkeys(_route_wants(r, e) for e in held for r in req.routes[e]))
        return f"申报{target}：{wants}，{now}"
    accepted = sorted((e for e, routes in req.routes.items() if routes), key=EDUCATION_RANK.__getitem__)
    have = "、".join(EDUCATION_LABELS.get(e, e) for e, _ in p.education) or "无"
    needed_labels = "、".join(EDUCATION_LABELS[e] for e in accepted) or "（无）"
    return f"{target}需具备{needed_labels}学历之一；所填学历：{have}"


def _better(candidate: YearsPath, best: YearsPath | None) -> bool:
    """The earliest year decides; on a tie the higher education is the one worth naming in the reason."""
    if best is None or candidate.earliest_year < best.earliest_year:
        return True
    return candidate.earliest_year == best.earliest_year and EDUCATION_RANK.get(
        candidate.education, -1
    ) > EDUCATION_RANK.get(best.education, -1)


def analyse_years(rs: RuleSet, p: Profile) -> YearsAnalysis:
    deferral = deferral_for(rs, p)
    req = rs.requirements.get((p.target_level, p.kind))
    if req is None:
        problem = f"本批次未规定{rs.target_label(p.target_level, p.kind)}的学历与年限条件"
        return YearsAnalysis(None, None, problem, deferral)
    best: YearsPath | None = None
    cutoff_md = (rs.cutoff_month, rs.cutoff_day)
    for education, graduated in p.education:
        for route in req.routes.get(education, ()):
            start = _route_start(route, p, graduated)
            if start is None:
                continue
            needed = max(add_years(start, route.years + deferral.years), graduated)  # the education is held too
            earliest = needed.year if (needed.month, needed.day) <= cutoff_md else needed.year + 1
            candidate = YearsPath(
                education,
                route,
                start,
                deferral.years,
                deferral.basic_pass,
                deferral.fail,
                needed,
                max(earliest, p.round_year),
            )
            if _better(candidate, best):
                best = candidate
    if best is None:
        return YearsAnalysis(req, None, _no_path_problem(rs, p, req), deferral, manual=req.manual_review)
    if best.earliest_year > p.round_year and req.manual_review:
        return YearsAnalysis(req, best, "", deferral, manual=req.manual_review)
    return YearsAnalysis(req, best, "", deferral)


def check_education_years(rs: RuleSet, p: Profile, analysis: YearsAnalysis) -> Check:
    clause = rs.clauses["requirements"]
    path, req = analysis.path, analysis.requirement
    if analysis.manual and req is not None:
        return Check("education_years", None, f"{analysis.manual}（{req.source}）", clause)
    if path is None or req is None:
        return Check("education_years", False, analysis.problem, req.source if req else clause)
    cutoff = rs.cutoff(p.round_year)
    held = full_years(path.start, cutoff) if path.start <= cutoff else 0
    detail = f"{EDUCATION_LABELS[path.education]}学历 {path.base_years} 年"
    if path.deferral_years:
        detail += f"，含年度考核顺延 {path.deferral_years} 年"
    if path.route.counted_from == "title":
        what = f"任现职（{TITLE_LABELS[path.route.title_level or '']}，{path.start.isoformat()} 起算）年限"
    else:
        what = f"{EDUCATION_LABELS[path.education]}毕业后从事专业技术工作（{path.start.isoformat()} 起算）年限"
    reason = f"{what}截至 {cutoff.isoformat()} 为 {held} 年，需 {path.required} 年（{detail}）"
    passed = path.earliest_year <= p.round_year
    if not passed:
        reason += f"，最早可于 {path.earliest_year} 年申报"
    return Check("education_years", passed, reason, path.route.source)


def check_assessment(rs: RuleSet, p: Profile, analysis: YearsAnalysis, years_passed: bool | None) -> Check:
    clause = rs.clauses["assessment_deferral"]
    d = analysis.deferral
    if not d.applies:
        why = (
            f"{rs.kind_labels.get(p.kind, p.kind)}不适用年度考核顺延"
            if p.kind not in rs.deferral_kinds
            else "无现任职称，不适用年度考核顺延"
        )
        return Check("assessment", True, why, clause)
    if d.first_year > d.last_year:
        since = f"取得现职称（{d.first_year - 1} 年）后尚无计入顺延的年度考核"
        return Check("assessment", True, f"{since}，无需顺延", clause)
    years = f"{d.first_year} 年" if d.first_year == d.last_year else f"{d.first_year}—{d.last_year} 年"
    counted = f"任现职以来（{years}）年度考核基本合格 {d.basic_pass} 次、不合格 {d.fail} 次"
    if d.years == 0:
        return Check("assessment", True, f"{counted}，无需顺延", clause)
    reason = (
        f"{counted}，顺延 {d.years} 年（基本合格每次 {rs.deferral.get('basic_pass', 0)} 年，"
        f"不合格每次 {rs.deferral.get('fail', 0)} 年）"
    )
    if years_passed is None:
        return Check("assessment", True, reason + "，由人工核定年限时一并考虑", clause)
    if years_passed:
        return Check("assessment", True, reason + "，顺延后仍满足年限要求", clause)
    return Check("assessment", False, reason + "，顺延后年限不足", clause)


# --- continuing education (notice 五(一)12; annex 4) -------------------------------------------------------
#
# Reading: "公需科目30课时/年、专业科目60课时/年" is a per-year minimum for each year of the window; the
# window ends with the round year and counts back: junior "近两年" = round_year-1 … round_year; mid public
# "近五年" = round_year-4 … round_year (2019-2023 for 2023, as the notice spells out), professional "近三年"
# = round_year-2 … round_year (2021-2023). Several certificates of one year and type add up. Years before the
# year the person started work are not owed (our reading, policy `owed_from_started_work`). An approved
# exemption (附件4) replaces the requirement only for the assignments annex 4 names (its notes 1-3:
# "访惠聚" village work, 驻村管寺, 南疆学前双语教育干部支教, ongoing or returned; note 3 forbids other grounds).


def _ce_exemption(rs: RuleSet, p: Profile) -> tuple[bool, str]:
    """(valid, reason) for a ticked exemption."""
    grounds = [a for a in dict.fromkeys(p.special_assignments) if a in rs.ce_exemption_assignments]
    if grounds:
        named = "、".join(assignment_phrase(a) for a in grounds)
        # Said as a claim: the approval form (附件4) is a required upload, checked by completeness, not here.
        return True, f"{named}，申报继续教育免试（须上传附件4 审批表），免于继续教育学时要求"
    allowed = "、".join(a.label for a in SpecialAssignment if a.value in rs.ce_exemption_assignments)
    return False, (
        f"继续教育免试（附件4）仅适用于{allowed}工作人员（在岗或已返回），所填工作经历中没有上述工作，免试不成立"
    )


def _ce_shortfalls(rs: RuleSet, p: Profile, windows: dict[str, int]) -> tuple[list[str], list[str]]:
    shortfalls: list[str] = []
    summary: list[str] = []
    owed_from = p.started_work.year if rs.ce_owed_from_started_work and p.started_work else None
    for ce_type in ("public", "professional"):
        years = windows.get(ce_type, 0)
        if years <= 0:
            continue
        need = rs.ce_hours[ce_type]
        first = p.round_year - years + 1
        if owed_from is not None and owed_from > first:
            first = owed_from
        if first > p.round_year:
            summary.append(f"{CE_TYPE_LABELS[ce_type]}：参加工作晚于评审年度，无需提供")
            continue
        summary.append(f"{CE_TYPE_LABELS[ce_type]} {first}—{p.round_year} 年每年 {need:g} 学时")
        for year in range(first, p.round_year + 1):
            got = p.ce_hours.get((year, ce_type), 0.0)
            if got < need:
                shortfalls.append(f"{year} 年{CE_TYPE_LABELS[ce_type]} {got:g} 学时（需 {need:g}）")
    if owed_from is not None and owed_from > p.round_year - max(windows.values(), default=0) + 1:
        summary.append(f"{owed_from} 年参加工作，此前年份不要求")
    return shortfalls, summary


def check_continuing_education(rs: RuleSet, p: Profile) -> Check:
    clause = rs.clauses["continuing_education"]
    if p.kind not in rs.ce_kinds:
        return Check("continuing_education", True, f"{rs.kind_labels.get(p.kind, p.kind)}不要求继续教育证明", clause)
    exemption_note = ""
    if p.ce_exempt:
        valid, why = _ce_exemption(rs, p)
        if valid:
            return Check("continuing_education", True, why, clause)
        exemption_note = why + "；"
    windows = rs.ce_years.get(p.target_level)
    if not windows:
        level = rs.level_labels.get(p.target_level, p.target_level)
        return Check("continuing_education", True, f"{exemption_note}{level}无继续教育年限要求", clause)
    shortfalls, summary = _ce_shortfalls(rs, p, windows)
    if shortfalls:
        return Check(
            "continuing_education", False, exemption_note + "继续教育学时不足：" + "；".join(shortfalls), clause
        )
    return Check("continuing_education", True, exemption_note + "继续教育符合要求：" + "，".join(summary), clause)


# --- fraud ban (notice 五(一)14 and 八(二)) ----------------------------------------------------------------
#
# Reading: R is the round year (申报年度) of the application found fraudulent. The finding cancels that
# application ("不予受理确认申报或取消已确认的资格") and bars the person "从申报年度下一年度起3年内": rounds R+1,
# R+2, R+3. The first round open again is R+4. So for round 2023 a fraudulent application of 2020 still bars;
# one of 2019 no longer.


def fraud_bar_until(rs: RuleSet, p: Profile) -> int | None:
    """Last barred round year, or None when no finding bars the round year."""
    last = None
    for found_in in p.fraud_years:
        ends = found_in + rs.fraud_ban_years
        if found_in <= p.round_year <= ends and (last is None or ends > last):
            last = ends
    return last


def check_fraud_ban(rs: RuleSet, p: Profile) -> Check:
    clause = rs.clauses["fraud_ban"]
    n = rs.fraud_ban_years
    barring = [r for r in p.fraud_years if r <= p.round_year <= r + n]
    if barring:
        parts = [
            f"{r} 年度申报经查实弄虚作假，{r + 1}—{r + n} 年度不得申报"
            + ("（本年度申报一并取消）" if r == p.round_year else "")
            for r in sorted(barring)
        ]
        last = max(r + n for r in barring)
        return Check("fraud_ban", False, "；".join(parts) + f"，最早可于 {last + 1} 年申报", clause)
    past = [r for r in p.fraud_years if r + n < p.round_year]
    if past:
        return Check(
            "fraud_ban",
            True,
            "；".join(f"{r} 年度申报弄虚作假的限制期（{r + 1}—{r + n} 年度）已满" for r in sorted(past)),
            clause,
        )
    return Check("fraud_ban", True, "无弄虚作假记录", clause)


# --- social insurance (notice 五(一)2: 企业需上传近6个月以上…缴费证明) --------------------------------------


def check_social_insurance(rs: RuleSet, p: Profile) -> Check:
    clause = rs.clauses["social_insurance"]
    employer = EMPLOYER_TYPE_LABELS.get(p.employer_type, p.employer_type)
    if p.employer_type not in rs.si_employer_types:
        return Check("social_insurance", True, f"{employer}人员，不要求社保缴费证明", clause)
    months = p.social_insurance_months
    if months is None:
        return Check(
            "social_insurance",
            False,
            f"{employer}人员需提供至少 {rs.si_min_months} 个月的社保缴费证明，未填写缴费月数",
            clause,
        )
    if months < rs.si_min_months:
        return Check(
            "social_insurance", False, f"{employer}人员社保缴费 {months} 个月，需至少 {rs.si_min_months} 个月", clause
        )
    return Check(
        "social_insurance", True, f"{employer}人员社保缴费 {months} 个月，满足至少 {rs.si_min_months} 个月", clause
    )


# --- defence exemption (notice 六(一)(二)); informs, never blocks ----------------------------------------
#
# Reading: any of the five special assignments the person took part in (past or present) exempts; so does
# working in 且末县 or 若羌县, in a unit "县级以下" (county-level units included: "以下" includes the level
# itself), applying for a junior title, or applying for 初次确定 (a determination, not an evaluation: there is
# nothing to defend). The levels, unit levels and kinds are policy `defence_exemption`.


def defence_exemption_grounds(rs: RuleSet, p: Profile) -> list[str]:
    grounds = []
    assignments = [a for a in dict.fromkeys(p.special_assignments) if a in rs.defence_assignments]
    if assignments:
        grounds.append("、".join(assignment_phrase(a) for a in assignments))
    if p.county in rs.defence_counties:
        grounds.append(f"在{p.county}工作")
    if p.unit_level in rs.defence_unit_levels:
        level = UNIT_LEVEL_LABELS.get(p.unit_level, p.unit_level)
        grounds.append(f"在{level}单位工作（属“县级以下基层单位”，含县级）")
    if p.target_level in rs.defence_levels:
        grounds.append(f"申报{rs.level_labels.get(p.target_level, p.target_level)}（初级）")
    if p.kind in rs.defence_kinds:
        grounds.append(f"{rs.kind_labels.get(p.kind, p.kind)}不需答辩")
    return grounds


def check_defence_exemption(rs: RuleSet, p: Profile, grounds: list[str]) -> Check:
    clause = rs.clauses["defence_exemption"]
    if grounds:
        return Check("defence_exemption", True, "免于答辩：" + "；".join(grounds), clause)
    return Check("defence_exemption", True, "不符合免于答辩情形，需参加现场答辩", clause)


def assessment_label(result: str) -> str:
    return ASSESSMENT_LABELS.get(result, result)
