"""The eligibility rules: each a small function of (rule set, profile) returning a Check with a Chinese reason
that names the numbers. Our reading of each clause is written beside the rule that applies it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dossiers.vocabularies.education import EDUCATION_RANK
from dossiers.vocabularies.special_assignments import assignment_phrase
from eligibility.rules.profile import Profile
from eligibility.rules.ruleset import (
    ASSESSMENT_LABELS,
    CE_TYPE_LABELS,
    EDUCATION_LABELS,
    EMPLOYER_TYPE_LABELS,
    TITLE_LABELS,
    UNIT_LEVEL_LABELS,
    Requirement,
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
    passed: bool
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
# Reading (SPEC 5 and 7; 人社部发〔2019〕16号 as default of 新人社发〔2022〕28号):
# - Years are counted up to the policy's cut-off day of the round year (12-31): a person who obtained the
#   title on 2019-12-31 has exactly 4 years on 2023-12-31 and qualifies; one who obtained it on 2020-01-01
#   is one day short and does not (the requirement is met when add_years(start, required) <= cut-off).
# - counted_from=title: years since the current title of the required level was obtained.
#   counted_from=graduation: years of work since the qualifying education, counted from the later of the
#   graduation date and the start of work ("毕业后从事本专业技术工作满 N 年").
# - Every education row is a possible path; the one giving the earliest year is used.
# - Deferral (notice 五(一)10, "每出现1次…顺延1年申报"): each 基本合格 adds 1 year, each 不合格 2 years, for
#   every assessment of a year from the year the counted period started (the year the current title was
#   obtained: that year's assessment is made while holding it) up to the round year. Deferrals add up.


@dataclass(slots=True)
class YearsPath:
    education: str
    start: dt.date
    base_years: int
    deferral_years: int
    basic_pass: int
    fail: int
    needed: dt.date  # the day on which the requirement is met
    earliest_year: int

    @property
    def required(self) -> int:
        return self.base_years + self.deferral_years


@dataclass(slots=True)
class YearsAnalysis:
    requirement: Requirement | None
    path: YearsPath | None  # None: no education/title can ever satisfy the requirement
    problem: str  # why there is no path


def _deferral(rs: RuleSet, p: Profile, from_year: int) -> tuple[int, int, int]:
    basic_pass = fail = 0
    for year, result in p.assessments:
        if from_year <= year <= p.round_year:
            if result == "basic_pass":
                basic_pass += 1
            elif result == "fail":
                fail += 1
    years = basic_pass * rs.deferral.get("basic_pass", 0) + fail * rs.deferral.get("fail", 0)
    return years, basic_pass, fail


def analyse_years(rs: RuleSet, p: Profile) -> YearsAnalysis:
    req = rs.requirements.get((p.target_level, p.kind))
    if req is None:
        return YearsAnalysis(None, None, f"本批次未规定{rs.target_label(p.target_level, p.kind)}的学历与年限条件")
    if req.counted_from == "title":
        title_label = TITLE_LABELS.get(req.title_level or "", req.title_level or "")
        if p.title_level is None or p.title_obtained is None:
            return YearsAnalysis(req, None, f"需现任{title_label}职称，未填写现任职称")
        if p.title_level != req.title_level:
            return YearsAnalysis(
                req, None, f"需现任{title_label}职称，现任为{TITLE_LABELS.get(p.title_level, p.title_level)}"
            )
    best: YearsPath | None = None
    cutoff_md = (rs.cutoff_month, rs.cutoff_day)
    for education, graduated in p.education:
        base = req.years_by_education.get(education)
        if base is None:
            continue
        if req.counted_from == "title":
            assert p.title_obtained is not None  # a title-counted requirement without a title returned above
            start = p.title_obtained
        else:
            start = graduated if p.started_work is None or p.started_work < graduated else p.started_work
        deferral, basic_pass, fail = _deferral(rs, p, start.year)
        needed = add_years(start, base + deferral)
        if graduated > needed:  # the education itself must also be held by then
            needed = graduated
        earliest = needed.year if (needed.month, needed.day) <= cutoff_md else needed.year + 1
        earliest = max(earliest, p.round_year)
        # The earliest year decides; on a tie the higher education is the one worth naming in the reason.
        if (
            best is None
            or earliest < best.earliest_year
            or (
                earliest == best.earliest_year
                and EDUCATION_RANK.get(education, -1) > EDUCATION_RANK.get(best.education, -1)
            )
        ):
            best = YearsPath(education, start, base, deferral, basic_pass, fail, needed, earliest)
    if best is None:
        accepted = sorted(req.years_by_education, key=EDUCATION_RANK.__getitem__)
        have = "、".join(EDUCATION_LABELS.get(e, e) for e, _ in p.education) or "无"
        needed_labels = "、".join(EDUCATION_LABELS[e] for e in accepted)
        target = rs.target_label(p.target_level, p.kind)
        return YearsAnalysis(req, None, f"{target}需具备{needed_labels}学历之一；所填学历：{have}")
    return YearsAnalysis(req, best, "")


def check_education_years(rs: RuleSet, p: Profile, analysis: YearsAnalysis) -> Check:
    clause = rs.clauses["requirements"]
    path, req = analysis.path, analysis.requirement
    if path is None or req is None:
        return Check("education_years", False, analysis.problem, clause)
    cutoff = rs.cutoff(p.round_year)
    held = full_years(path.start, cutoff) if path.start <= cutoff else 0
    detail = f"{EDUCATION_LABELS[path.education]}学历 {path.base_years} 年"
    if path.deferral_years:
        detail += f"，含年度考核顺延 {path.deferral_years} 年"
    if req.counted_from == "title":
        what = f"任现职（{TITLE_LABELS[req.title_level or '']}，{path.start.isoformat()} 起算）年限"
    else:
        what = f"{EDUCATION_LABELS[path.education]}毕业后从事专业技术工作（{path.start.isoformat()} 起算）年限"
    reason = f"{what}截至 {cutoff.isoformat()} 为 {held} 年，需 {path.required} 年（{detail}）"
    passed = path.earliest_year <= p.round_year
    if not passed:
        reason += f"，最早可于 {path.earliest_year} 年申报"
    return Check("education_years", passed, reason, clause)


def check_assessment(rs: RuleSet, p: Profile, analysis: YearsAnalysis, years_passed: bool) -> Check:
    clause = rs.clauses["assessment_deferral"]
    path = analysis.path
    if path is None:
        deferral, basic_pass, fail = _deferral(rs, p, p.title_obtained.year if p.title_obtained else 0)
        since = ""
    else:
        deferral, basic_pass, fail = path.deferral_years, path.basic_pass, path.fail
        by_title = analysis.requirement is not None and analysis.requirement.counted_from == "title"
        since = f"{'任现职' if by_title else '参加工作'}以来（{path.start.year} 年起）"
    counted = f"{since}年度考核基本合格 {basic_pass} 次、不合格 {fail} 次"
    if deferral == 0:
        return Check("assessment", True, f"{counted}，无需顺延", clause)
    reason = (
        f"{counted}，顺延 {deferral} 年（基本合格每次 {rs.deferral.get('basic_pass', 0)} 年，"
        f"不合格每次 {rs.deferral.get('fail', 0)} 年）"
    )
    if years_passed:
        return Check("assessment", True, reason + "，顺延后仍满足年限要求", clause)
    return Check("assessment", False, reason + "，顺延后年限不足", clause)


# --- continuing education (notice 五(一)12) ---------------------------------------------------------------
#
# Reading: "公需科目30课时/年、专业科目60课时/年" is a per-year minimum for each year of the window; the
# window ends with the round year and counts back: junior "近两年" = round_year-1 … round_year; mid public
# "近五年" = round_year-4 … round_year (2019-2023 for 2023, as the notice spells out), professional "近三年"
# = round_year-2 … round_year (2021-2023). Several certificates of one year and type add up. An approved
# exemption (附件4) replaces the requirement.


def check_continuing_education(rs: RuleSet, p: Profile) -> Check:
    clause = rs.clauses["continuing_education"]
    if p.kind not in rs.ce_kinds:
        return Check("continuing_education", True, f"{rs.kind_labels.get(p.kind, p.kind)}不要求继续教育证明", clause)
    if p.ce_exempt:
        # Said as the applicant's claim: the approved form (附件4) is a required upload, checked for completeness.
        return Check(
            "continuing_education", True, "申报继续教育免试：须上传免试审批表（附件4），免于继续教育学时要求", clause
        )
    windows = rs.ce_years.get(p.target_level)
    if not windows:
        return Check(
            "continuing_education",
            True,
            f"{rs.level_labels.get(p.target_level, p.target_level)}无继续教育年限要求",
            clause,
        )
    shortfalls: list[str] = []
    summary: list[str] = []
    for ce_type in ("public", "professional"):
        years = windows.get(ce_type, 0)
        if years <= 0:
            continue
        need = rs.ce_hours[ce_type]
        first = p.round_year - years + 1
        summary.append(f"{CE_TYPE_LABELS[ce_type]} {first}—{p.round_year} 年每年 {need:g} 学时")
        for year in range(first, p.round_year + 1):
            got = p.ce_hours.get((year, ce_type), 0.0)
            if got < need:
                shortfalls.append(f"{year} 年{CE_TYPE_LABELS[ce_type]} {got:g} 学时（需 {need:g}）")
    if shortfalls:
        return Check("continuing_education", False, "继续教育学时不足：" + "；".join(shortfalls), clause)
    return Check("continuing_education", True, "继续教育符合要求：" + "，".join(summary), clause)


# --- fraud ban (notice 五(一)14 and 八(二)) ----------------------------------------------------------------
#
# Reading: a finding confirmed in round R cancels that round's application ("不予受理确认申报或取消已确认的
# 资格") and bars the person "从申报年度下一年度起3年内": rounds R+1, R+2, R+3. The first round open again
# is R+4. So for round 2023 a finding of 2020 (3 years back) still bars; one of 2019 (4 years back) no longer.


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
            f"{r} 年经查实弄虚作假，{r + 1}—{r + n} 年不得申报"
            + ("（且当年申报不予受理）" if r == p.round_year else "")
            for r in sorted(barring)
        ]
        last = max(r + n for r in barring)
        return Check("fraud_ban", False, "；".join(parts) + f"，最早可于 {last + 1} 年申报", clause)
    past = [r for r in p.fraud_years if r + n < p.round_year]
    if past:
        return Check(
            "fraud_ban",
            True,
            "；".join(f"{r} 年弄虚作假的限制期（{r + 1}—{r + n} 年）已满" for r in sorted(past)),
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
# working in 且末县 or 若羌县, in a unit below county level, or applying for a junior title.


def defence_exemption_grounds(rs: RuleSet, p: Profile) -> list[str]:
    grounds = []
    assignments = [a for a in dict.fromkeys(p.special_assignments) if a in rs.defence_assignments]
    if assignments:
        grounds.append("、".join(assignment_phrase(a) for a in assignments))
    if p.county in rs.defence_counties:
        grounds.append(f"在{p.county}工作")
    if p.unit_level in rs.defence_unit_levels:
        grounds.append(f"在{UNIT_LEVEL_LABELS.get(p.unit_level, p.unit_level)}基层单位工作")
    if p.target_level in rs.defence_levels:
        grounds.append(f"申报{rs.level_labels.get(p.target_level, p.target_level)}（初级）")
    return grounds


def check_defence_exemption(rs: RuleSet, p: Profile, grounds: list[str]) -> Check:
    clause = rs.clauses["defence_exemption"]
    if grounds:
        return Check("defence_exemption", True, "免于答辩：" + "；".join(grounds), clause)
    return Check("defence_exemption", True, "不符合免于答辩情形，需参加现场答辩", clause)


def assessment_label(result: str) -> str:
    return ASSESSMENT_LABELS.get(result, result)
