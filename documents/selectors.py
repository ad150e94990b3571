"""Reads for documents: which dossiers a roster or batch covers, who may download what, verification."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Exists, JSONField, Model, OuterRef, Q, QuerySet, Subquery

from accounts.models import Organization, User
from core.prefetch import prefetched
from documents.content import DossierContent
from documents.models import DocumentKind, FileFormat, GeneratedDocument
from dossiers.access import ReviewLevel, dossier_visible_to, dossiers_under, reviewer_levels, units_under
from dossiers.models import Dossier, DossierSection
from dossiers.states import CERTIFICATE_ISSUED, COMMITTEE_RECEIVED, NOT_AT_COMMITTEE, NOT_PASSED, PASSED
from rounds.models import Round

# The committee's verdict as the roster's 是否通过 column prints it, keyed by state. Each state named here is
# required of every policy on start (documents.apps), so the column never claims a state that does not exist.
PASSED_STATES: dict[str, str] = {PASSED: "是", NOT_PASSED: "否", CERTIFICATE_ISSUED: "是"}


def reached_committee_q() -> Q:
    """Dossiers at 评审委员会已接收材料 or beyond (any later state the committee adds)."""
    # The dossier's history is read through its reverse relation `transitions` (recorded by the workflow
    # app, above this one), so documents imports nothing of workflow. A correlated EXISTS: each dossier's own
    # transitions on their dossier index (an IN over every dossier ever received read all those transitions:
    # 8 ms of the applicant's dossier page at 100,000 dossiers).
    transition = cast(type[Model], Dossier._meta.get_field("transitions").related_model)
    through_committee = Exists(transition._default_manager.filter(dossier=OuterRef("pk"), to_state=COMMITTEE_RECEIVED))
    return Q(status=COMMITTEE_RECEIVED) | (Q(through_committee) & ~Q(status__in=NOT_AT_COMMITTEE))


def has_reached_committee(dossier: Dossier) -> bool:
    return Dossier.objects.filter(pk=dossier.pk).filter(reached_committee_q()).exists()


def passed_label(status: str) -> str:
    """是否通过 for one dossier: the single place the roster reads the committee's verdict from."""
    return PASSED_STATES.get(status, "")


def dossiers_of_organization(round_: Round, organization: Organization | None) -> QuerySet[Dossier]:
    """A round's dossiers employed by a unit, registered in a county, under a prefecture, or all (None)."""
    return dossiers_under(organization).filter(round=round_)


def committee_dossiers(round_: Round, organization: Organization | None) -> QuerySet[Dossier]:
    return dossiers_of_organization(round_, organization).filter(reached_committee_q())


@dataclass(frozen=True)
class RosterRow:
    name: str
    sex: str
    ethnicity: str
    political_status: str
    id_number: str
    current_title: str
    current_title_obtained: str
    target_title: str
    unit_name: str
    passed: str
    remark: str


def _section_data(key: str) -> Subquery:
    return Subquery(
        DossierSection.objects.filter(dossier=OuterRef("pk"), key=key).values("data")[:1], output_field=JSONField()
    )


def roster_rows(*, round_: Round, organization: Organization | None, chunk_size: int = 2000) -> Iterator[RosterRow]:
    """One row per dossier that reached the committee, ordered by unit then serial number; streamed."""
    policy = round_.policy
    empty = policy.text("empty_field_marker")
    level_labels = {key: policy.level_label(key) for key in policy.data["levels"]}
    remarks = {key: str(v["roster_remark"]) for key, v in policy.data["kinds"].items()}
    qs = (
        committee_dossiers(round_, organization)
        .annotate(basic=_section_data("basic_info"), title=_section_data("current_title"))
        .order_by("unit__code", "serial_number")
        .values_list("status", "level", "kind", "unit__name", "applicant__full_name", "basic", "title")
    )

    def text(value: Any) -> str:
        value = "" if value is None else str(value).strip()
        return value or empty

    for status, level, kind, unit_name, full_name, basic, title in qs.iterator(chunk_size=chunk_size):
        basic = basic or {}
        title = title or {}
        has_title = title.get("has_title", bool(title.get("title_name")))
        yield RosterRow(
            name=text(basic.get("name") or full_name),
            sex=text(basic.get("sex")),
            ethnicity=text(basic.get("ethnicity")),
            political_status=text(basic.get("political_status")),
            id_number=text(basic.get("id_number")),
            current_title=text(title.get("title_name")) if has_title else empty,
            current_title_obtained=text(title.get("obtained")) if has_title else empty,
            target_title=level_labels.get(level, level),
            unit_name=unit_name,
            passed=passed_label(status),
            remark=remarks.get(kind, ""),
        )


# --- who may see what ----------------------------------------------------------------------------


def is_officer_of_chain(user: User, dossier: Dossier) -> bool:
    return user.is_authenticated and dossier.applicant_id != user.pk and dossier_visible_to(user, dossier)


def officer_organizations(user: User) -> list[Organization]:
    """Organisations an officer may export rosters / run batches for: where they review, and below."""
    result: list[Organization] = []
    for level, org in reviewer_levels(user):
        if org not in result:
            result.append(org)
        below: QuerySet[Organization] = Organization.objects.none()
        if level != ReviewLevel.UNIT:
            counties = Organization.objects.filter(kind=Organization.Kind.COUNTY, parent=org)
            below = (counties | units_under(org)).order_by("kind", "code")
        result.extend(o for o in below if o not in result)
    return result


def officer_may_cover(user: User, organization: Organization) -> bool:
    return organization in officer_organizations(user)


def document_visible_to(user: User, document: GeneratedDocument) -> bool:
    if not user.is_authenticated:
        return False
    if document.dossier is not None:
        return dossier_visible_to(user, document.dossier)
    if document.organization is not None:
        return officer_may_cover(user, document.organization)
    return document.created_by_id == user.pk


def latest_documents(dossier: Dossier) -> dict[tuple[str, str], GeneratedDocument]:
    """The newest stored file per (kind, format) of a dossier (publicity notice and result, in PDF and DOCX)."""
    latest: dict[tuple[str, str], GeneratedDocument] = {}
    for doc in GeneratedDocument.objects.filter(dossier=dossier).exclude(kind=DocumentKind.EVALUATION_FORM):
        latest.setdefault((doc.kind, doc.file_format), doc)
    return latest


def _saved_section(dossier: Dossier, key: str) -> dict[str, Any]:
    """One section's saved data: from the sections the page has read already (dossier_contents_loaded), else
    one query for that section alone."""
    loaded = prefetched(dossier, "sections")
    if loaded is not None:
        return next((s.data for s in loaded if s.key == key), None) or {}
    return DossierSection.objects.filter(dossier=dossier, key=key).values_list("data", flat=True).first() or {}


def dossier_downloads(user: User, dossier: Dossier) -> dict[str, Any]:
    """What the documents panel offers this viewer for this dossier."""
    if not dossier_visible_to(user, dossier):
        return {"visible": False}
    is_applicant = dossier.applicant_id == user.pk
    # The committee and the unit's publicity files come after a first submission: nothing to read before.
    submitted = dossier.submission_count > 0
    at_committee = submitted and has_reached_committee(dossier)
    latest = latest_documents(dossier) if submitted else {}
    stored = [
        latest[(kind, fmt)]
        for kind in (DocumentKind.PUBLICITY_NOTICE, DocumentKind.PUBLICITY_RESULT)
        for fmt in (FileFormat.PDF, FileFormat.DOCX)
        if (kind, fmt) in latest
    ]
    ce = _saved_section(dossier, "continuing_education")
    return {
        "visible": True,
        "evaluation_form_allowed": at_committee or not is_applicant,
        "evaluation_form_waiting": is_applicant and not at_committee,
        "stored": stored,
        "ce_exempt": bool(ce.get("exempt")),
    }


# Documents the public verification page vouches for (the same code path for both).
VERIFIABLE_KINDS = (DocumentKind.EVALUATION_FORM, DocumentKind.CERTIFICATE)


def verification_lookup(code: str) -> GeneratedDocument | None:
    normalised = code.replace("-", "").strip().upper()
    if not normalised.isalnum():
        return None
    return (
        GeneratedDocument.objects.select_related("dossier", "dossier__round", "dossier__unit", "round")
        .filter(kind__in=VERIFIABLE_KINDS, verification_code=normalised)
        .first()
    )


def mask_name(name: str) -> str:
    """李建国 → 李*国, 阿依古丽·买买提 → 阿******提: enough to match a paper form, not to publish a name."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def verification_summary(document: GeneratedDocument) -> dict[str, Any]:
    """What the public verification page may show: no full ID number, phone, address or dossier content."""
    dossier = document.dossier
    assert dossier is not None  # evaluation forms always belong to a dossier
    content = DossierContent(dossier)
    newest = (
        GeneratedDocument.objects.filter(dossier=dossier, kind=document.kind)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "document_kind": document.get_kind_display(),
        "certificate_number": document.meta.get("certificate_number", ""),
        "printed_at": document.created_at,
        "serial_number": dossier.serial_number,
        "round_name": dossier.round.name,
        "applicant_name": mask_name(content.name),
        "id_number": content.masked_id_number,
        "unit_name": dossier.unit.name,
        "level_label": dossier.level_label,
        "kind_label": dossier.kind_label,
        "status": dossier.status,
        "status_label": dossier.status_label,
        "is_latest_print": newest == document.pk,
    }
