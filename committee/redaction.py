"""Redaction of typed dossier text for blind review (SPEC 2, issue 12 point 5).

Experts read the typed content of the sections that matter for judging, but not who wrote it: the applicant's
names (current and former, also inside the work summary), ID numbers, phone numbers, e-mail addresses and every
employer's name (the current unit and each unit of the work history, wherever it appears — awards and
achievements included) are replaced by a neutral marker. Known values are matched tolerantly (spaces or dots
between characters, a company name without its legal form); ID, phone and e-mail shapes are removed even when
they are not the applicant's, because a third party's number can identify the applicant just as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accounts.models import Organization
from core.text import names_listed
from dossiers.models import Dossier

NAME_MARK = "〔姓名已隐去〕"
ID_MARK = "〔证件号已隐去〕"
PHONE_MARK = "〔电话已隐去〕"
EMAIL_MARK = "〔邮箱已隐去〕"
EMPLOYER_MARK = "〔单位已隐去〕"

# Separators people put inside a name or number: spaces, the middle dot of minority names, hyphens.
_NAME_SEPARATORS = r"[\s·•・.．]*"
_DIGIT_SEPARATORS = r"[\s\-－]*"
# Legal forms dropped to find a company written without them ("某某交通建设工程有限公司" → "某某交通建设工程").
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")
# A core shorter than this is too likely an ordinary word to redact on its own.
_MIN_CORE = 4
_NAME_PART_SPLIT = re.compile(r"[\s·•・.．]+")

# Shapes redacted whoever they belong to.
_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_SHAPE = re.compile(r"(?<!\d)(?:\+?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)")
_LANDLINE_SHAPE = re.compile(r"(?<!\d)0\d{2,3}[\s\-]?\d{7,8}(?!\d)")
_EMAIL_SHAPE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


@dataclass(frozen=True)
class Identity:
    """What identifies one applicant in typed text."""

    names: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    employers: tuple[str, ...] = ()


def _clean(values: Iterable[Any]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        text = str(value or "").strip()
        if text and text != "无":
            seen.setdefault(text, None)
    return tuple(seen)


def _rows(sections: dict[str, dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [row for row in sections.get(key, {}).get("rows") or [] if isinstance(row, dict)]


def is_enterprise_name(name: str) -> bool:
    """A company's name (an award issued by a company is issued by an employer, usually the applicant's)."""
    return name.endswith((*_LEGAL_FORMS, "集团"))


def identity_of(dossier: Dossier) -> Identity:
    """The applicant's identifiers as the dossier and the account know them. Employers: the current unit,
    every unit of the work history, companies that issued an award, and every employer unit registered on
    the platform (a past employer may be named in the achievements without a work-history row)."""
    keys = ("basic_info", "work_history", "awards")
    sections = {s.key: s.data or {} for s in dossier.sections.filter(key__in=keys)}
    basic = sections.get("basic_info", {})
    applicant = dossier.applicant
    issuers = [str(row.get("issuer") or "") for row in _rows(sections, "awards")]
    registered = Organization.objects.filter(kind=Organization.Kind.UNIT).values_list("name", flat=True)
    return Identity(
        names=_clean([basic.get("name"), applicant.full_name, *names_listed(basic.get("former_names"))]),
        id_numbers=_clean([basic.get("id_number")]),
        phones=_clean([basic.get("phone"), applicant.phone]),
        employers=_clean(
            [
                dossier.unit.name,
                *(row.get("unit") for row in _rows(sections, "work_history")),
                *(issuer for issuer in issuers if is_enterprise_name(issuer)),
                *registered,
            ]
        ),
    )


def _spaced(text: str, separators: str) -> str:
    """A pattern for `text` that also matches it with separators between its characters."""
    return separators.join(re.escape(ch) for ch in text if not ch.isspace())


def _name_patterns(name: str) -> list[str]:
    parts = [p for p in _NAME_PART_SPLIT.split(name) if p]
    patterns = [_NAME_SEPARATORS.join(_spaced(p, _NAME_SEPARATORS) for p in parts)]
    if len(parts) > 1:
        # 阿依古丽·买买提: each part is a name on its own (the given name alone, the father's name alone).
        patterns += [_spaced(p, _NAME_SEPARATORS) for p in parts if len(p) >= 2]
    return patterns


def _employer_variants(name: str) -> list[str]:
    variants = [name]
    for form in _LEGAL_FORMS:
        if name.endswith(form) and len(name) - len(form) >= _MIN_CORE:
            variants.append(name[: -len(form)])
            break
    return variants


def _known_pattern(identity: Identity) -> list[tuple[re.Pattern[str], str]]:
    """Known values, longest first so a company name goes before a name inside it."""
    entries: list[tuple[str, str]] = []
    for employer in identity.employers:
        entries += [(_spaced(v, r"\s*"), EMPLOYER_MARK) for v in _employer_variants(employer)]
    for name in identity.names:
        entries += [(p, NAME_MARK) for p in _name_patterns(name)]
    entries += [(_spaced(n, _DIGIT_SEPARATORS), ID_MARK) for n in identity.id_numbers]
    entries += [(_spaced(p, _DIGIT_SEPARATORS), PHONE_MARK) for p in identity.phones]
    entries.sort(key=lambda e: len(e[0]), reverse=True)
    return [(re.compile(pattern, re.IGNORECASE), mark) for pattern, mark in entries]


class Redactor:
    """Compiled once per dossier, applied to every string shown to its experts."""

    def __init__(self, identity: Identity) -> None:
        self.known = _known_pattern(identity)

    def text(self, value: str) -> str:
        for pattern, mark in self.known:
            value = pattern.sub(mark, value)
        value = _EMAIL_SHAPE.sub(EMAIL_MARK, value)
        value = _ID_SHAPE.sub(ID_MARK, value)
        value = _MOBILE_SHAPE.sub(PHONE_MARK, value)
        return _LANDLINE_SHAPE.sub(PHONE_MARK, value)

    def value(self, value: Any) -> Any:
        """Strings redacted inside any JSON-like structure; other values as they are."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def redact_text(text: str, identity: Identity) -> str:
    return Redactor(identity).text(text)
