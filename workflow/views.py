"""Review pages: thin views over workflow.selectors (reads) and workflow.services (writes)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.auth import signed_in_user
from accounts.models import Organization
from core.errors import DomainError, ValidationFailed
from core.memo import HtmlMemo
from core.pages import page_of, refusals_shown
from core.text import optional_int
from documents.services import owed_documents_settle
from dossiers import services as dossier_services
from dossiers.access import ReviewLevel, dossiers_in_scope_of_reviewer, reviewer_levels, roles_remembered
from dossiers.models import Dossier, Kind, Level
from dossiers.sections import UNIT_RECORD_TYPES
from dossiers.selectors import dossier_of_applicant, missing_unit_records
from dossiers.states import UNIT_PUBLICITY
from workflow import actions, selectors, services
from workflow.notifications import notifications_mark_read

LEVEL_LABELS = {
    "unit": gettext_lazy("Recommending unit"),
    "county": gettext_lazy("County (city)"),
    "prefecture": gettext_lazy("Prefecture committee office"),
}


def _require_reviewer(request: HttpRequest) -> list[tuple[str, Organization]]:
    levels = reviewer_levels(signed_in_user(request))
    if not levels:
        raise DjangoPermissionDenied(_("Only reviewers may open the review queue."))
    return levels


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _version(request: HttpRequest) -> int | None:
    # A malformed version is refused (ValidationFailed), not read as "no version" (which skips the check).
    return optional_int(request.POST.get("version"), label="版本号")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    # The page asks about the user's review levels and roles at several places (scope, bulk menu): once.
    with roles_remembered():
        return _queue(request)


def _queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    levels = _require_reviewer(request)
    filters = selectors.QueueFilters(
        status=request.GET.get("status", ""),
        unit=request.GET.get("unit", ""),
        level=request.GET.get("level", ""),
        kind=request.GET.get("kind", ""),
        days_left=_int_or_none(request.GET.get("days_left")),
        mine=request.GET.get("all") != "1",
    )
    scope = selectors.queue_scope(user)
    queue_page = selectors.queue_page(user, filters, page=request.GET.get("page"), scope=scope, actionable=True)
    rows = queue_page.rows
    units = selectors.units_with_dossiers_in_scope(user, scope)
    counts = selectors.status_counts(user, scope)
    return render(
        request,
        "workflow/queue.html",
        {
            "rows": rows,
            "row_html": [_queue_row_html(row) for row in rows],
            "filters_html": _queue_filters_html(filters, counts, units),
            "page_obj": queue_page.page,
            "my_levels": [(LEVEL_LABELS[lvl], org) for lvl, org in levels],
            # Returns stay one by one (each carries its own reasons); recommendations may go in bulk.
            "bulk_actions": actions.bulk_menu(user, [row.dossier for row in rows]),
            "recommendation_text": rows[0].dossier.round.policy.text("recommendation_opinion") if rows else "",
            "is_unit_reviewer": any(lvl == "unit" for lvl, _ in levels),
        },
    )


# The queue's rows as drawn, per distinct content: a clerk opens the same rows page after page, and drawing
# 50 rows through the template engine was half of the page's time. About 8 MB a process at most.
QUEUE_ROWS = HtmlMemo(max_chars=4_000_000)


def _queue_row_html(row: selectors.QueueRow) -> SafeString:
    """One row (workflow/_queue_row.html); its key is every value the row shows, in the page's language."""
    d = row.dossier
    key = (
        get_language(),
        d.pk,
        d.status,
        d.serial_number,
        d.applicant.display_name,
        d.unit.name,
        d.level_label,
        d.kind_label,
        d.status_label,
        d.submission_count,
        row.days_left,
        row.deadline_label,
    )
    return QUEUE_ROWS.drawn(key, lambda: render_to_string("workflow/_queue_row.html", {"d": d, "row": row}))


# The state counts and the filter form as drawn, per distinct content: their unit list is a few hundred
# options, which the template engine drew on every page. About 4 MB a process at most.
QUEUE_FILTERS = HtmlMemo(max_chars=2_000_000)


def _queue_filters_html(
    filters: selectors.QueueFilters, counts: list[tuple[str, str, int]], units: list[tuple[str, str]]
) -> SafeString:
    """The counts card and the filter form (workflow/_queue_filters.html); its key is every value they show
    (the choices of level and kind too, though fixed, so the key stays complete), in the page's language."""
    key = (
        get_language(),
        dataclasses.astuple(filters),
        tuple(counts),
        tuple(units),
        tuple(Level.choices),
        tuple(Kind.choices),
    )
    return QUEUE_FILTERS.drawn(
        key,
        lambda: render_to_string(
            "workflow/_queue_filters.html",
            {"filters": filters, "counts": counts, "units": units, "levels": Level.choices, "kinds": Kind.choices},
        ),
    )


@login_required
@require_POST
@refusals_shown(back="workflow:queue")
def bulk(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    action = request.POST.get("action", "")
    ids = [i for i in (_int_or_none(v) for v in request.POST.getlist("ids")) if i is not None]
    if not ids:
        raise ValidationFailed(_("Tick the dossiers first."))
    if actions.ACTION_CLASSES.get(action) is actions.StartPublicityAction:
        # One publicity for the ticked dossiers: its own form asks for the dates and the contact.
        query = "&".join(f"ids={i}" for i in ids)
        return HttpResponseRedirect(f"{reverse('workflow:publicity_new')}?{query}")
    done, refused = actions.bulk_act(dossier_ids=ids, action=action, actor=signed_in_user(request))
    if done:
        label = actions.dossier_action(done[0], action).label
        names = "、".join(d.applicant.display_name for d in done)
        messages.success(
            request,
            _("Done for %(count)d (%(action)s): %(names)s.") % {"count": len(done), "action": label, "names": names},
        )
    for dossier, refusal in selectors.dossiers_named(refused):
        messages.error(
            request,
            _("%(name)s (%(number)s) not done: %(reason)s")
            % {"name": dossier.applicant.display_name, "number": dossier.serial_number, "reason": refusal.message},
        )
    return redirect("workflow:queue")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    with roles_remembered():  # every step's check asks for the same roles: read them once for the page
        dossier = selectors.reviewer_dossier(user, pk)
        owed_documents_settle(dossier=dossier)  # a publicity file still owed (its job never ran) is drawn now
        # The page's panels (documents, eligibility, masking) ask about roles too while it renders.
        return render(request, "workflow/detail.html", _detail_context(user, dossier))


def _detail_context(user: Any, dossier: Any) -> dict[str, Any]:
    allowed = actions.available_actions(user, dossier)
    forms = {a.form for a in allowed}
    sections = selectors.review_sections(user, dossier)
    ticked, total = selectors.checklist_progress(sections)
    return {
        "dossier": dossier,
        "history": selectors.dossier_history(dossier),
        # Exactly what execute() would accept now: plain steps as buttons, the others as their forms.
        "actions": [a for a in allowed if not a.form],
        "can_return": "return" in forms,
        # At the last allowed submission the return form warns that a return ends the application.
        "final_return_warning": (
            actions.final_return_warning(dossier)
            if "return" in forms and actions.return_ends_application(dossier)
            else ""
        ),
        "unit_records": _unit_records_context(user, dossier),
        "can_publicise": "publicity" in forms,
        "can_recommend": "recommend" in forms,
        # Steps not offered yet, with the reason (the same message execute() would answer).
        "pending": actions.pending_actions(user, dossier),
        "publicities": list(selectors.dossier_publicities(dossier)),
        "documents": selectors.publicity_documents(dossier),
        "sections": sections,
        "checked_count": ticked,
        "attachment_count": total,
        "next_dossier": selectors.next_in_queue(user, dossier),
        "open_return": selectors.open_return(dossier),
        "diffs": selectors.submission_diffs(dossier),
        "opinion": services.recommendation_opinion(dossier),
        "recommendation_text": dossier.round.policy.text("recommendation_opinion"),
        "today": timezone.localdate(),
    }


def _unit_records_context(user: Any, dossier: Any) -> dict[str, Any] | None:
    """The signed publicity records (annex 1, 2) the unit uploads before recommending (notice 五(二))."""
    if dossier.round.policy.workflow.get("levels", {}).get(dossier.status) != ReviewLevel.UNIT:
        return None
    if not any(level == ReviewLevel.UNIT and org.pk == dossier.unit_id for level, org in reviewer_levels(user)):
        return None
    return {"missing": missing_unit_records(dossier), "types": UNIT_RECORD_TYPES}


@login_required
@require_POST
@refusals_shown(back="workflow:detail")
def unit_record_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit files a signed publicity record (annex 1 / annex 2) with section 13."""
    user = signed_in_user(request)
    dossier = selectors.reviewer_dossier(user, pk)
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed("请选择要上传的 JPG 图片。")
    dossier_services.unit_record_upload(
        dossier_id=dossier.pk,
        actor=user,
        doc_type=request.POST.get("doc_type", ""),
        upload=upload,
        original_name=upload.name or "",
    )
    messages.success(request, "已上传，归入申报材料第 13 栏（其他附件或证明材料）。")
    return redirect("workflow:detail", pk=dossier.pk)


@login_required
@require_POST
@refusals_shown(back="workflow:detail")
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """Any plain step of the round (and 同意推荐) on one dossier, by name; the action checks everything."""
    user = signed_in_user(request)
    dossier = selectors.reviewer_dossier(user, pk)
    name = request.POST.get("action", "")
    action = actions.dossier_action(dossier, name)
    if action.form not in ("", "recommend"):
        raise ValidationFailed(_("This step is not offered here."))
    dossier = action.execute(user, dossier.pk, version=_version(request))
    messages.success(request, _("Done. Status now: %(status)s.") % {"status": dossier.status_label})
    return redirect("workflow:detail", pk=dossier.pk)


@login_required
@require_POST
@refusals_shown(back="workflow:detail")
def return_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    dossier = selectors.reviewer_dossier(user, pk)
    reasons = [
        {
            "section": s["key"],
            "reason": _section_reason(request, s["key"], dossier.round.policy.return_reasons(s["key"])),
        }
        for s in dossier.round.policy.sections
    ]
    dossier = actions.act(
        actor=user,
        dossier_id=dossier.pk,
        action="return",
        reasons=reasons,
        note=request.POST.get("note", ""),
        version=_version(request),
        confirm_final=request.POST.get("confirm_final") == "1",
    )
    deadline = timezone.localtime(dossier.return_deadline) if dossier.return_deadline else None
    if deadline:
        messages.success(
            request,
            _("Returned to the applicant; changes due by %(deadline)s.") % {"deadline": f"{deadline:%Y-%m-%d %H:%M}"},
        )
    else:
        messages.success(request, f"已退回申报人，已达提交次数上限，申报终止（{dossier.status_label}）。")
    return redirect("workflow:detail", pk=dossier.pk)


def _section_reason(request: HttpRequest, key: str, standard: list[str]) -> str:
    """The picked standard reasons of a section (only the policy's own texts) and the free text, as one reason."""
    picked = [text for text in request.POST.getlist(f"standard_{key}") if text in standard]
    free = request.POST.get(f"reason_{key}", "").strip()
    return "；".join([*picked, *([free] if free else [])])


@login_required
def next_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """The dossier after this one in the reviewer's queue (its order); back to the queue when none is left."""
    user = signed_in_user(request)
    nxt = selectors.next_in_queue(user, selectors.reviewer_dossier(user, pk))
    if nxt is None:
        messages.info(request, _("No other dossier is waiting in your queue."))
        return redirect("workflow:queue")
    return redirect("workflow:detail", pk=nxt.pk)


@login_required
@require_POST
def attachment_check(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Tick or untick an attachment on the reviewer's checklist (the page posts it in the background)."""
    try:
        checked = services.attachment_check_set(
            actor=signed_in_user(request), attachment_id=attachment_id, checked=request.POST.get("checked") == "1"
        )
    except DomainError as exc:
        return JsonResponse({"error": exc.message}, status=404)
    return JsonResponse({"checked": checked})


@login_required
@require_POST
@refusals_shown(back="dossiers:detail")
def dossier_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant's 提交 / 修改后重新提交 button on the dossier page (URL /dossiers/<pk>/submit/)."""
    user = signed_in_user(request)
    dossier = dossier_of_applicant(user, pk)
    dossier = actions.act(
        actor=user, dossier_id=dossier.pk, action=actions.submit_action_name(dossier), version=_version(request)
    )
    # Said from where the dossier now waits: a resubmission goes back to the level that returned it.
    where = LEVEL_LABELS.get(actions.level_of_state(dossier, dossier.status) or "unit", "推荐单位")
    messages.success(
        request, f"已提交至{where}（第 {dossier.submission_count} 次提交）。提交后材料不可修改，请留意审核进度。"
    )
    return redirect("dossiers:detail", pk=dossier.pk)


@login_required
def submissions(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = selectors.reviewer_dossier(signed_in_user(request), pk)
    return render(
        request,
        "workflow/submissions.html",
        {
            "dossier": dossier,
            "diffs": selectors.submission_diffs(dossier),
            "submissions": dossier.submissions.order_by("number"),
        },
    )


# ---- publicity ---------------------------------------------------------------------------------------


@login_required
def publicity_list(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    return render(
        request,
        "workflow/publicity_list.html",
        {
            "publicities": (page := page_of(selectors.unit_publicities(signed_in_user(request)), request, 20)),
            "page_obj": page,
            "today": timezone.localdate(),
        },
    )


@login_required
def publicity_new(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    user = signed_in_user(request)
    source = request.POST if request.method == "POST" else request.GET
    ids = [i for i in (_int_or_none(v) for v in source.getlist("ids")) if i is not None]
    in_scope = dossiers_in_scope_of_reviewer(user).filter(pk__in=ids).select_related("applicant", "round")
    dossiers = list(in_scope)
    if len(dossiers) != len(set(ids)) or not dossiers:
        messages.error(
            request, _("Tick dossiers of your unit under unit review in the review queue, then start the publicity.")
        )
        return redirect("workflow:queue")
    policy = dossiers[0].round.policy
    context: dict[str, Any] = {
        "dossiers": dossiers,
        "min_days": policy.publicity_min_working_days,
        "start": source.get("start") or timezone.localdate().isoformat(),
        "working_days": source.get("working_days") or policy.publicity_min_working_days,
        "contact": source.get("contact", ""),
    }
    if request.method == "POST":
        try:
            start = dt.date.fromisoformat(request.POST.get("start", ""))
        except ValueError:
            messages.error(request, _("Enter a valid first day of the publicity."))
            return render(request, "workflow/publicity_new.html", context)
        try:
            publicity = services.publicity_start(
                dossier_ids=[d.pk for d in dossiers],
                actor=user,
                start=start,
                contact=request.POST.get("contact", ""),
                working_days=optional_int(request.POST.get("working_days"), label="公示天数（工作日）"),
            )
        except DomainError as exc:  # shown above the form, which keeps what was typed
            messages.error(request, exc.message)
            return render(request, "workflow/publicity_new.html", context)
        messages.success(
            request,
            _("Publicity started: %(start)s to %(end)s (%(days)d working days).")
            % {
                "start": f"{publicity.start:%Y-%m-%d}",
                "end": f"{publicity.end:%Y-%m-%d}",
                "days": publicity.working_days,
            },
        )
        return redirect("workflow:publicity_detail", pk=publicity.pk)
    return render(request, "workflow/publicity_new.html", context)


@login_required
@refusals_shown(back="workflow:publicity_detail")
def publicity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    user = signed_in_user(request)
    publicity = selectors.publicity_for_reviewer(user, pk)
    if request.method == "POST":
        if request.POST.get("step") == "result":
            services.publicity_result_record(
                publicity_id=publicity.pk,
                actor=user,
                objections=request.POST.get("objections", ""),
                objection_upheld=request.POST.get("upheld") == "1",
            )
            messages.success(request, _("Publicity result recorded; its file has been drawn."))
        elif request.POST.get("step") == "recommend":
            _recommend_all(request, publicity.dossiers.filter(status=UNIT_PUBLICITY).select_related("applicant"))
        return redirect("workflow:publicity_detail", pk=publicity.pk)
    today = timezone.localdate()
    return render(
        request,
        "workflow/publicity_detail.html",
        {
            "publicity": publicity,
            "dossiers": publicity.dossiers.select_related("applicant", "round").order_by("pk"),
            "ended": publicity.has_ended(today),
            "today": today,
            "recommendation_text": publicity.round.policy.text("recommendation_opinion"),
        },
    )


def _recommend_all(request: HttpRequest, dossiers: Iterable[Dossier]) -> None:
    """同意推荐 for each dossier of one publicity; a refusal of one is reported and does not stop the rest."""
    user = signed_in_user(request)
    done, refused = [], []
    for dossier in dossiers:
        try:
            actions.act(actor=user, dossier_id=dossier.pk, action="recommend")
            done.append(dossier.applicant.display_name)
        except DomainError as exc:
            refused.append(f"{dossier.applicant.display_name}（{dossier.serial_number}）：{exc.message}")
    for message in refused:
        messages.error(request, message)
    if done:
        messages.success(request, _("Recommended: %(names)s.") % {"names": "、".join(done)})


# ---- notifications -----------------------------------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = page_of(selectors.notifications_of(signed_in_user(request)), request)
    return render(request, "workflow/notifications.html", {"items": items, "page_obj": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    one = _int_or_none(request.POST.get("id"))
    if request.POST.get("id") and one is None:
        one = 0  # an id that is not a number marks nothing (not every notification)
    notifications_mark_read(user=signed_in_user(request), notification_id=one)
    target = request.POST.get("next", "")
    # Only back into this site: "//evil.example" or "https://evil.example" would make this an open redirect.
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("workflow:notifications")
    return redirect(target)
