"""What an expert reads of an assigned dossier (blind review, SPEC 2): the typed content of the sections that
matter for judging, redacted (committee.redaction), and the masked attachments the visibility gate allows
(masking.selectors). Nothing here names the applicant, the unit or a file's original name: views and the API
render only what these functions return."""

from __future__ import annotations

from dataclasses import dataclass, field

from committee.models import ExpertAssignment, ExpertOpinion
from committee.opinions import opinion_submit_check
from committee.redaction import Redactor, identity_of
from core.errors import DomainError
from dossiers.display import section_display
from dossiers.models import Dossier
from dossiers.sections import doc_type_label, withheld_from_experts
from masking.selectors import masked_attachments

# The sections an expert judges by (issue 12 point 5), in the notice's order. Identity, education and
# title sections are checked by the office, not judged: they are not shown.
REVIEW_SECTIONS = (
    "work_history",
    "achievements",
    "awards",
    "intellectual_property",
    "papers",
    "assessments",
    "work_summary",
    "continuing_education",
)


@dataclass
class ReviewSection:
    key: str
    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    row_headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class ReviewMaterial:
    id: int
    section: str
    section_title: str
    doc_type: str
    doc_label: str


def _section_title(dossier: Dossier, key: str) -> str:
    try:
        return str(dossier.round.policy.section(key)["title"])
    except KeyError:
        return key


def review_sections(dossier: Dossier) -> list[ReviewSection]:
    """The judged sections' typed content, every string passed through the dossier's redactor."""
    redactor = Redactor(identity_of(dossier))
    data = {s.key: s.data for s in dossier.sections.filter(key__in=REVIEW_SECTIONS)}
    result = []
    for key in REVIEW_SECTIONS:
        display = section_display(key, data.get(key))
        if display is None:
            continue
        result.append(
            ReviewSection(
                key=key,
                title=_section_title(dossier, key),
                fields=[(label, redactor.text(value)) for label, value in display.fields],
                row_headers=display.row_headers,
                rows=[[redactor.text(cell) for cell in row] for row in display.rows],
            )
        )
    return result


def review_materials(dossier: Dossier) -> list[ReviewMaterial]:
    return [
        ReviewMaterial(
            id=a.pk,
            section=a.section,
            section_title=_section_title(dossier, a.section),
            doc_type=a.doc_type,
            doc_label=doc_type_label(a.section, a.doc_type),
        )
        for a in masked_attachments(dossier)
    ]


def pending_material_count(dossier: Dossier, shown: int) -> int:
    """Review material not shown yet because its masking is unconfirmed (identity documents never count)."""
    return sum(1 for a in dossier.attachments.all() if not withheld_from_experts(a)) - shown


def opinion_of(assignment: ExpertAssignment) -> ExpertOpinion | None:
    # Loaded by assignments_listed (select_related, marked by its `dossier_voted`): no query. A cache
    # left by a save in this request is not trusted (it holds the value as given, not as stored).
    if hasattr(assignment, "dossier_voted") and "opinion" in assignment._state.fields_cache:
        return getattr(assignment, "opinion", None)
    return ExpertOpinion.objects.filter(assignment=assignment).first()


def opinion_refusal(assignment: ExpertAssignment) -> str:
    """Why the expert cannot write or revise an opinion now ('' when they can): the page shows it instead of
    the form, using the same check the service calls (with the vote read by the list, when it was)."""
    try:
        opinion_submit_check(assignment.expert, assignment, voted=getattr(assignment, "dossier_voted", None))
    except DomainError as exc:
        return exc.message
    return ""
