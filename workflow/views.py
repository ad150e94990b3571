"""Review pages: thin views over workflow.selectors (reads) and workflow.services (writes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.auth import signed_in_user
from accounts.models import Organization
from core.errors import DomainError
from dossiers import services as dossier_services
from dossiers.access import reviewer_levels
from dossiers.models import Kind, Level
from dossiers.sections import UNIT_RECORD_TYPES
from dossiers.selectors import missing_unit_records
from workflow import selectors, services
from workflow.engine import available_actions
from workflow.models import Notification

LEVEL_LABELS = {"unit": "推荐单位", "county": "县（市）", "prefecture": "州评委会办公室"}
# Actions the queue may apply to several dossiers at once (notice 四(三) does not forbid batch handling
# of acceptance; returns and recommendations stay one by one because each carries its own reasons/result).
BULK_ACTIONS = {
    "unit_accept": "开始审核",
    "start_publicity": "开始单位公示",
    "county_accept": "开始县（市）审核",
    "county_approve": "审核通过，报送州级",
    "prefecture_accept": "形式审核通过，评委会接收材料",
}


def _require_reviewer(request: HttpRequest) -> list[tuple[str, Organization]]:
    levels = reviewer_levels(signed_in_user(request))
    if not levels:
        raise DjangoPermissionDenied("只有审核人员可以访问审核队列。")
    return levels


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _version(request: HttpRequest) -> int | None:
    return _int_or_none(request.POST.get("version"))


@login_required
def queue(request: HttpRequest) -> HttpResponse:
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
    rows = selectors.reviewer_queue(user, filters)
    in_scope = selectors.dossiers_in_scope_of_reviewer(user)
    units = Organization.objects.filter(pk__in=in_scope.values("unit_id")).order_by("code")
    counts = selectors.status_counts(user)
    return render(
        request,
        "workflow/queue.html",
        {
            "rows": rows,
            "filters": filters,
            "counts": counts,
            "units": units,
            "levels": Level.choices,
            "kinds": Kind.choices,
            "my_levels": [(LEVEL_LABELS[lvl], org) for lvl, org in levels],
            "bulk_actions": BULK_ACTIONS,
            "is_unit_reviewer": any(lvl == "unit" for lvl, _ in levels),
        },
    )


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    action = request.POST.get("action", "")
    ids = [i for i in (_int_or_none(v) for v in request.POST.getlist("ids")) if i is not None]
    if not ids:
        messages.error(request, "请先勾选申报材料。")
        return redirect("workflow:queue")
    if action == "start_publicity":
        query = "&".join(f"ids={i}" for i in ids)
        return HttpResponseRedirect(f"{reverse('workflow:publicity_new')}?{query}")
    try:
        done, refused = services.bulk_apply(dossier_ids=ids, action=action, actor=signed_in_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workflow:queue")
    if done:
        messages.success(request, f"已办理 {len(done)} 份：{BULK_ACTIONS.get(action, action)}。")
    for dossier_id, refusal in refused.items():
        messages.error(request, f"申报 #{dossier_id} 未办理：{refusal.message}")
    return redirect("workflow:queue")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    dossier = selectors.reviewer_dossier(user, pk)
    actions = available_actions(user, dossier)
    action_names = {r.action for r in actions}
    publicities = list(selectors.dossier_publicities(dossier))
    documents = selectors.publicity_documents(dossier)
    return render(
        request,
        "workflow/detail.html",
        {
            "dossier": dossier,
            "history": selectors.dossier_history(dossier),
            "actions": [
                r for r in actions if r.action not in ("return", "start_publicity", "recommend", "submit", "resubmit")
            ],
            "can_return": "return" in action_names,
            "final_return_warning": (
                services.final_return_warning(dossier)
                if "return" in action_names and services.return_ends_application(dossier)
                else ""
            ),
            "unit_records": _unit_records_context(user, dossier),
            "can_publicise": "start_publicity" in action_names,
            "can_recommend": "recommend" in action_names,
            "publicities": publicities,
            "documents": documents,
            "sections": dossier.round.policy.sections,
            "open_return": selectors.open_return(dossier),
            "diffs": selectors.submission_diffs(dossier),
            "opinion": services.recommendation_opinion(dossier),
            "recommendation_text": dossier.round.policy.text("recommendation_opinion"),
            "today": timezone.localdate(),
        },
    )


def _unit_records_context(user: Any, dossier: Any) -> dict[str, Any] | None:
    """The signed publicity records (annex 1, 2) the unit uploads before recommending (notice 五(二))."""
    if dossier.round.policy.workflow.get("levels", {}).get(dossier.status) != "unit":
        return None
    if not any(level == "unit" and org.pk == dossier.unit_id for level, org in reviewer_levels(user)):
        return None
    return {"missing": missing_unit_records(dossier), "types": UNIT_RECORD_TYPES}


@login_required
@require_POST
def unit_record_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    dossier = selectors.reviewer_dossier(user, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的 JPG 图片。")
        return redirect("workflow:detail", pk=dossier.pk)
    try:
        dossier_services.unit_record_upload(
            dossier_id=dossier.pk,
            actor=user,
            doc_type=request.POST.get("doc_type", ""),
            upload=upload,
            original_name=upload.name or "",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workflow:detail", pk=dossier.pk)
    messages.success(request, "已上传，归入申报材料第 13 栏（其他附件或证明材料）。")
    return redirect("workflow:detail", pk=dossier.pk)


@login_required
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    dossier = selectors.reviewer_dossier(user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "recommend":
            services.recommend(dossier_id=dossier.pk, actor=user, expected_version=_version(request))
        elif action in services.SIMPLE_ACTIONS:
            services.SIMPLE_ACTIONS[action](dossier_id=dossier.pk, actor=user, expected_version=_version(request))
        else:
            messages.error(request, "不支持的操作。")
            return redirect("workflow:detail", pk=dossier.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workflow:detail", pk=dossier.pk)
    dossier.refresh_from_db()
    messages.success(request, f"已办理，当前状态：{dossier.status_label}。")
    return redirect("workflow:detail", pk=dossier.pk)


@login_required
@require_POST
def return_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    dossier = selectors.reviewer_dossier(user, pk)
    reasons = [
        {"section": s["key"], "reason": request.POST.get(f"reason_{s['key']}", "")}
        for s in dossier.round.policy.sections
    ]
    try:
        dossier = services.dossier_return(
            dossier_id=dossier.pk,
            actor=user,
            reasons=reasons,
            note=request.POST.get("note", ""),
            expected_version=_version(request),
            confirm_final=request.POST.get("confirm_final") == "1",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workflow:detail", pk=dossier.pk)
    deadline = timezone.localtime(dossier.return_deadline) if dossier.return_deadline else None
    if deadline:
        messages.success(request, f"已退回申报人，修改截止 {deadline:%Y-%m-%d %H:%M}。")
    else:
        messages.success(request, f"已退回申报人，已达提交次数上限，申报终止（{dossier.status_label}）。")
    return redirect("workflow:detail", pk=dossier.pk)


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
        {"publicities": selectors.unit_publicities(signed_in_user(request)), "today": timezone.localdate()},
    )


@login_required
def publicity_new(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    user = signed_in_user(request)
    source = request.POST if request.method == "POST" else request.GET
    ids = [i for i in (_int_or_none(v) for v in source.getlist("ids")) if i is not None]
    in_scope = selectors.dossiers_in_scope_of_reviewer(user).filter(pk__in=ids).select_related("applicant", "round")
    dossiers = list(in_scope)
    if len(dossiers) != len(set(ids)) or not dossiers:
        messages.error(request, "请在审核队列中勾选本单位处于“推荐单位审核中”的申报材料后再开始公示。")
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
            messages.error(request, "请填写正确的公示开始日期。")
            return render(request, "workflow/publicity_new.html", context)
        try:
            publicity = services.publicity_start(
                dossier_ids=[d.pk for d in dossiers],
                actor=user,
                start=start,
                contact=request.POST.get("contact", ""),
                working_days=_int_or_none(request.POST.get("working_days")),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return render(request, "workflow/publicity_new.html", context)
        messages.success(
            request,
            f"公示已开始：{publicity.start:%Y-%m-%d} 至 {publicity.end:%Y-%m-%d}"
            f"（{publicity.working_days} 个工作日）。",
        )
        return redirect("workflow:publicity_detail", pk=publicity.pk)
    return render(request, "workflow/publicity_new.html", context)


@login_required
def publicity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    user = signed_in_user(request)
    publicity = selectors.publicity_for_reviewer(user, pk)
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "result":
                services.publicity_result_record(
                    publicity_id=publicity.pk,
                    actor=user,
                    objections=request.POST.get("objections", ""),
                    objection_upheld=request.POST.get("upheld") == "1",
                )
                messages.success(request, "公示结果已记录，公示结果文件已生成。")
            elif step == "recommend":
                done = []
                for dossier in publicity.dossiers.filter(status="unit_publicity"):
                    try:
                        services.recommend(dossier_id=dossier.pk, actor=user)
                        done.append(dossier.serial_number)
                    except DomainError as exc:
                        messages.error(request, f"{dossier.serial_number}：{exc.message}")
                if done:
                    messages.success(request, f"已同意推荐：{'、'.join(done)}。")
        except DomainError as exc:
            messages.error(request, exc.message)
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


# ---- notifications -----------------------------------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = selectors.notifications_of(signed_in_user(request))[:200]
    return render(request, "workflow/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(recipient=signed_in_user(request), read_at__isnull=True)
    one = _int_or_none(request.POST.get("id"))
    if one is not None:
        qs = qs.filter(pk=one)
    qs.update(read_at=timezone.now())
    target = request.POST.get("next") or reverse("workflow:notifications")
    if not target.startswith("/"):
        target = reverse("workflow:notifications")
    return redirect(target)
