"""Reads for the review pages: queues, counts, history, return reasons and submission diffs.

Every query starts from dossiers.access: a reviewer never sees a dossier outside their organisations.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound
from documents.models import DocumentKind, GeneratedDocument
from dossiers.access import dossiers_in_scope_of_reviewer, reviewer_levels, visible_dossier
from dossiers.display import field_path_label, field_value_label, section_display
from dossiers.models import Attachment, Dossier, Submission
from dossiers.sections import doc_type_label, is_unit_record
from dossiers.selectors import attachments_by_section, section_data
from dossiers.states import RETURNED, RETURNED_FINAL, UNIT_PUBLICITY
from rounds.models import Round
from workflow.actions import available_actions, level_of_state
from workflow.models import AttachmentCheck, Notification, Publicity, Transition


@dataclass
class QueueFilters:
    status: str = ""
    unit: str = ""  # organisation code
    level: str = ""
    kind: str = ""
    days_left: int | None = None  # at most this many days left on the dossier's current clock
    mine: bool = True  # only dossiers waiting for one of my levels


@dataclass
class QueueRow:
    dossier: Dossier
    waiting_level: str | None
    days_left: int | None
    deadline_label: str
    actions: list[str] = field(default_factory=list)


def _clock(dossier: Dossier, today: dt.date, publicity_ends: dict[int, dt.date]) -> tuple[dt.date | None, str]:
    """The date the dossier's current step must be done by, and what that date is."""
    if dossier.status == RETURNED and dossier.return_deadline:
        return timezone.localdate(dossier.return_deadline), "修改截止"
    if dossier.status == UNIT_PUBLICITY and dossier.pk in publicity_ends:
        return publicity_ends[dossier.pk], "公示结束"
    policy = dossier.round.policy
    if dossier.status in (policy.workflow.get("levels") or {}):
        return policy.window("review").end, "审核截止"
    return None, ""


def reviewer_queue(user: User, filters: QueueFilters | None = None, *, today: dt.date | None = None) -> list[QueueRow]:
    filters = filters or QueueFilters()
    today = today or timezone.localdate()
    qs = dossiers_in_scope_of_reviewer(user).select_related("round", "unit", "applicant", "unit__registration_county")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unit:
        qs = qs.filter(unit__code=filters.unit)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    my_levels = {level for level, _ in reviewer_levels(user)}
    dossiers = list(qs.order_by("submitted_at", "pk"))
    publicity_ends = _publicity_ends([d.pk for d in dossiers if d.status == UNIT_PUBLICITY])
    rows: list[QueueRow] = []
    for dossier in dossiers:
        level = level_of_state(dossier, dossier.status)
        if filters.mine and not filters.status and level not in my_levels:
            continue
        deadline, label = _clock(dossier, today, publicity_ends)
        days_left = (deadline - today).days if deadline else None
        if filters.days_left is not None and (days_left is None or days_left > filters.days_left):
            continue
        rows.append(QueueRow(dossier=dossier, waiting_level=level, days_left=days_left, deadline_label=label))
    return rows


def next_in_queue(user: User, current: Dossier, *, today: dt.date | None = None) -> Dossier | None:
    """The dossier after `current` in the reviewer's own queue (待我处理, the queue's order), or None.

    After an action `current` has usually left the queue: the next one is then the first dossier of the
    queue that came after it in the same order (submission time, then id), so the clerk carries on in place.
    """
    rows = [row.dossier for row in reviewer_queue(user, today=today) if row.dossier.pk != current.pk]
    if not rows:
        return None
    position = (current.submitted_at or timezone.now(), current.pk)
    later = [d for d in rows if (d.submitted_at or timezone.now(), d.pk) > position]
    return later[0] if later else rows[0]


def _publicity_ends(dossier_ids: list[int]) -> dict[int, dt.date]:
    ends: dict[int, dt.date] = {}
    for publicity in (
        Publicity.objects.filter(dossiers__in=dossier_ids).order_by("start", "id").prefetch_related("dossiers")
    ):
        for d in publicity.dossiers.all():
            ends[d.pk] = publicity.end
    return ends


def status_counts(user: User) -> list[tuple[str, str, int]]:
    """(state, label, count) for every state holding dossiers in the reviewer's scope."""
    counts = Counter(dossiers_in_scope_of_reviewer(user).values_list("round__slug", "status"))
    labels: dict[str, str] = {}
    totals: Counter[str] = Counter()
    policies = {r.slug: r.policy for r in Round.objects.filter(slug__in={slug for slug, _ in counts})}
    for (slug, status), n in counts.items():
        totals[status] += n
        labels[status] = policies[slug].state_label(status)
    order = list(next(iter(policies.values())).workflow["states"]) if policies else []
    return sorted(
        ((s, labels[s], n) for s, n in totals.items()), key=lambda row: order.index(row[0]) if row[0] in order else 99
    )


def dossiers_named(by_id: dict[int, Any]) -> list[tuple[Dossier, Any]]:
    """(dossier with its applicant, value) for each id of `by_id`: messages name people, never ids."""
    dossiers = Dossier.objects.select_related("applicant").in_bulk(list(by_id))
    return [(dossiers[pk], value) for pk, value in by_id.items() if pk in dossiers]


def reviewer_dossier(user: User, dossier_id: int) -> Dossier:
    """A dossier the user may open on the review pages (reviewer in scope or its applicant); else 404."""
    try:
        return visible_dossier(user, dossier_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def dossier_history(dossier: Dossier) -> QuerySet[Transition]:
    return dossier.transitions.select_related("actor", "dossier__round").order_by("id")


def dossier_actions(user: User, dossier: Dossier) -> list[str]:
    """Names of the steps this user may take now (their check() passes; the same the pages offer)."""
    return [action.name for action in available_actions(user, dossier)]


def dossier_publicities(dossier: Dossier) -> QuerySet[Publicity]:
    return dossier.publicities.order_by("-start", "-id")


def publicity_documents(dossier: Dossier) -> list[tuple[Any, str]]:
    """The 推荐单位公示 and 公示结果 files attached to the dossier (notice 五(一)13), with a link each."""
    docs = GeneratedDocument.objects.filter(
        dossier=dossier, kind__in=[DocumentKind.PUBLICITY_NOTICE, DocumentKind.PUBLICITY_RESULT]
    ).order_by("kind", "-created_at")
    return [(doc, reverse("documents:download", args=[doc.pk])) for doc in docs]


def unit_publicities(user: User) -> QuerySet[Publicity]:
    units = [org for level, org in reviewer_levels(user) if level == "unit"]
    return Publicity.objects.filter(unit__in=units).prefetch_related("dossiers__applicant").order_by("-start", "-id")


def publicity_for_reviewer(user: User, publicity_id: int) -> Publicity:
    publicity = unit_publicities(user).filter(pk=publicity_id).first()
    if publicity is None:
        raise Http404("未找到该公示，或您无权查看。")
    return publicity


# ---- returns as the applicant sees them --------------------------------------------------------------


@dataclass
class ReturnInfo:
    transition: Transition
    level: str
    deadline: dt.datetime | None
    by_section: dict[str, list[str]]
    # The return ended the application (at the last allowed submission): no resubmission.
    final: bool = False

    @property
    def seconds_left(self) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - timezone.now()).total_seconds()))

    @property
    def hours_left(self) -> int | None:
        seconds = self.seconds_left
        return None if seconds is None else math.ceil(seconds / 3600)


def open_return(dossier: Dossier) -> ReturnInfo | None:
    """The return the applicant must act on now, or the one that ended the application (None otherwise)."""
    final = dossier.status == RETURNED_FINAL
    if dossier.status != RETURNED and not final:
        return None
    record = dossier.transitions.filter(action="return").order_by("-id").first()
    if record is None:
        return None
    by_section: dict[str, list[str]] = {}
    for item in record.reasons:
        by_section.setdefault(item.get("section", ""), []).append(item.get("reason", ""))
    return ReturnInfo(
        transition=record,
        level=dossier.returned_by_level,
        deadline=None if final else dossier.return_deadline,
        by_section=by_section,
        final=final,
    )


def return_reasons_for_section(dossier: Dossier, section_key: str) -> list[str]:
    info = open_return(dossier)
    return info.by_section.get(section_key, []) if info else []


# ---- submissions: what changed -----------------------------------------------------------------------


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i + 1}]"))
        if not value:
            out[prefix] = []
        return out
    return {prefix: value}


@dataclass
class Change:
    section: str
    title: str
    path: str
    before: Any
    after: Any


@dataclass
class SubmissionDiff:
    before: Submission | None
    after: Submission
    changes: list[Change]


def _section_titles(dossier: Dossier) -> dict[str, str]:
    return {s["key"]: s["title"] for s in dossier.round.policy.sections}


def _attachment_view(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Attachments keyed by section and file hash, so a re-upload of the same image is no change; each key
    starts with the material's name in words (the doc type's label, never its key)."""
    result: dict[str, Any] = {}
    for a in snapshot.get("attachments") or []:
        section = a.get("section", "")
        label = doc_type_label(section, a["doc_type"]) if a.get("doc_type") else "附件"
        result.setdefault(section, {})[f"{label}:{str(a.get('sha256', ''))[:10]}"] = a.get("original_name", "")
    return result


def snapshot_diff(dossier: Dossier, before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    titles = _section_titles(dossier)
    changes: list[Change] = []
    old_sections = (before or {}).get("sections") or {}
    new_sections = after.get("sections") or {}
    for key in [k for k in titles if k in old_sections or k in new_sections]:
        a = _flatten(old_sections.get(key, {}))
        b = _flatten(new_sections.get(key, {}))
        for path in sorted(set(a) | set(b)):
            if a.get(path) != b.get(path):
                before_value = None if path not in a else field_value_label(key, path, a[path])
                after_value = None if path not in b else field_value_label(key, path, b[path])
                changes.append(Change(key, titles[key], field_path_label(key, path), before_value, after_value))
    old_files, new_files = _attachment_view(before or {}), _attachment_view(after)
    for key in sorted(set(old_files) | set(new_files)):
        removed = set(old_files.get(key, {})) - set(new_files.get(key, {}))
        added = set(new_files.get(key, {})) - set(old_files.get(key, {}))
        for item in sorted(removed):
            changes.append(
                Change(key, titles.get(key, "附件"), f"附件：{item.split(':')[0]}", old_files[key][item], None)
            )
        for item in sorted(added):
            changes.append(
                Change(key, titles.get(key, "附件"), f"附件：{item.split(':')[0]}", None, new_files[key][item])
            )
    return changes


def submission_diffs(dossier: Dossier) -> list[SubmissionDiff]:
    """Each submission against the one before it (the first against nothing), newest first."""
    submissions = list(dossier.submissions.order_by("number"))
    diffs = []
    previous: Submission | None = None
    for sub in submissions:
        if previous is not None:
            diffs.append(
                SubmissionDiff(
                    before=previous, after=sub, changes=snapshot_diff(dossier, previous.snapshot, sub.snapshot)
                )
            )
        previous = sub
    return list(reversed(diffs))


# ---- notifications -----------------------------------------------------------------------------------


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("dossier")


# ---- the review page's materials: sections, attachments, the reviewer's checklist ----------------------


@dataclass
class ReviewAttachment:
    attachment: Attachment
    label: str
    checked: bool

    @property
    def pk(self) -> int:
        return self.attachment.pk


@dataclass
class ReviewSection:
    key: str
    number: int
    title: str
    display: Any
    attachments: list[ReviewAttachment]
    standard_reasons: list[str]


def review_sections(user: User, dossier: Dossier) -> list[ReviewSection]:
    """Every section in the notice's order with its values, its attachments (each with this reviewer's tick)
    and the policy's standard return reasons for it."""
    data = section_data(dossier)
    by_section = attachments_by_section(dossier)
    ticked = set(
        AttachmentCheck.objects.filter(reviewer=user, attachment__dossier=dossier).values_list(
            "attachment_id", flat=True
        )
    )
    policy = dossier.round.policy
    return [
        ReviewSection(
            key=meta["key"],
            number=meta["number"],
            title=meta["title"],
            display=section_display(meta["key"], data.get(meta["key"])),
            attachments=[
                ReviewAttachment(a, _review_label(meta["key"], a.doc_type), a.pk in ticked)
                for a in by_section.get(meta["key"], [])
            ],
            standard_reasons=policy.return_reasons(meta["key"]),
        )
        for meta in policy.sections
    ]


def _review_label(section: str, doc_type: str) -> str:
    """The attachment's label; the unit's signed publicity records are marked as the unit's (notice 五(二))."""
    return doc_type_label(section, doc_type) + ("（推荐单位上传）" if is_unit_record(section, doc_type) else "")


def checklist_progress(sections: list[ReviewSection]) -> tuple[int, int]:
    """(ticked, total) attachments of the review page."""
    items = [a for s in sections for a in s.attachments]
    return sum(a.checked for a in items), len(items)
