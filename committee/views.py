"""Committee pages.

- The expert's blind review lives in committee.views_review (one set of pages for it).
- The prefecture office's pages for every committee step (board, fees, paper, defence, experts and draws,
  meetings, results, certificates), the expert's defence sheet and secret ballot, the applicant's re-check
  request and the public certificate lookup: thin views over committee.office (reads) and the committee's
  steps in the action registry (committee.actions), with refusals mapped by core.pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.auth import signed_in_user
from accounts.models import Organization, Role, User
from committee.actions import committee_act
from committee.certificates import certificate_by_number, certificate_document
from committee.defence import DEFENCE_WINDOW
from committee.draws import draw_replay
from committee.fees import FEE_WINDOW
from committee.meetings import attendance_numbers, minutes_verify, readiness_problems
from committee.models import (
    Ballot,
    BallotCast,
    Certificate,
    CommitteeMember,
    DefenceOutcome,
    DefenceScore,
    DefenceSession,
    Draw,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    Fee,
    FeeImport,
    Meeting,
    MeetingItem,
    ResultsPublicity,
    ReviewGroup,
    VoteCount,
)
from committee.office import (
    BoardFilters,
    BoardSummary,
    board_page,
    board_summary,
    current_results_publicity,
    defence_candidates,
    fee_totals,
    group_candidates,
    meeting_candidates,
    meeting_waiting,
    office_rounds,
    round_meetings,
    units_of,
    window_over,
)
from committee.paper import PAPER_WINDOW, dossier_for_form_code
from committee.permissions import require_expert, require_office
from committee.rules import needed_for_share, quorum_met
from committee.stage import CERTIFIED
from core.errors import NotFound, ValidationFailed
from core.pages import is_htmx, refusals_shown
from documents.selectors import mask_name
from rounds.models import Round
from workflow.actions import act

# ---- the office's pages -------------------------------------------------------------------------------------

SUCCESS = {
    "fee_import": gettext_lazy("The payment list has been imported."),
    "fees_flag_overdue": gettext_lazy("The unpaid applications have been marked overdue."),
    "fees_draw_up": gettext_lazy("The missing fee records have been drawn up."),
    "fee_payment_record": gettext_lazy("The payment has been recorded."),
    "paper_receipt_record": gettext_lazy("The paper evaluation form has been recorded as received."),
    "roster_receipt_record": gettext_lazy("The roster has been recorded as received."),
    "defence_schedule": gettext_lazy("The defence session has been scheduled."),
    "defence_settle": gettext_lazy("The defence results have been recalculated."),
    "defence_score": gettext_lazy(
        "Scores saved; the average score of the exempt of the same group has been recalculated."
    ),
    "expert_register": gettext_lazy("The expert has been added to the pool."),
    "expert_update": gettext_lazy("The expert's details have been saved."),
    "conflict_declare": gettext_lazy("The conflict has been recorded."),
    "committee_draw": gettext_lazy("The review committee has been drawn."),
    "group_draw": gettext_lazy("The review group has been drawn."),
    "meeting_create": gettext_lazy("The review meeting has been created."),
    "attendance_record": gettext_lazy("The attendance has been recorded."),
    "voting_open": gettext_lazy("The vote is open."),
    "ballot_cast": gettext_lazy("Your ballot has been cast (secret)."),
    "vote_count": gettext_lazy("The votes have been counted."),
    "minutes_seal": gettext_lazy("The minutes have been drawn up and sealed."),
    "minutes_correct": gettext_lazy("The corrected minutes have been drawn up and sealed."),
    "results_publicity_start": gettext_lazy("The publicity of the review results has started."),
    "objection_record": gettext_lazy("The objection has been recorded."),
    "objection_resolve": gettext_lazy("The outcome of the objection has been recorded."),
    "recheck_request": gettext_lazy("Your re-check request has been sent; the office's answer will be shown here."),
    "recheck_answer": gettext_lazy("The answer to the re-check has been recorded."),
    "results_confirm": gettext_lazy("The review results have been confirmed."),
}

DATE_FIELDS = ("paid_on", "received_on", "held_on", "starts_on")
LIST_FIELDS = ("dossiers", "panel", "present")


def _params(request: HttpRequest) -> dict[str, Any]:
    """A step's input from the posted form: dates parsed, lists kept as lists, sheet items gathered."""
    params: dict[str, Any] = {}
    for key in request.POST:
        if key in ("csrfmiddlewaretoken", "next"):
            continue
        if key in LIST_FIELDS:
            params[key] = request.POST.getlist(key)
        elif key.startswith("item_"):
            params.setdefault("items", {})[key.removeprefix("item_")] = request.POST[key].strip()
        elif key in DATE_FIELDS:
            try:
                params[key] = dt.date.fromisoformat(request.POST[key].strip())
            except ValueError as exc:
                raise ValidationFailed(_("Enter the date as year-month-day."), details={"field": key}) from exc
        else:
            params[key] = request.POST[key]
    upload = request.FILES.get("file")
    if upload is not None:
        params["file_name"], params["data"] = upload.name or "upload.xlsx", upload.read()
    return params


def _next(request: HttpRequest, action: str, result: Any) -> str:
    if action == "fee_import":
        return reverse("committee:fee_import", args=[result.pk])
    if action == "meeting_create":
        return reverse("committee:meeting", args=[result.pk])
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return request.headers.get("Referer") or reverse("committee:office")


@login_required
@require_POST
@refusals_shown()
def step(request: HttpRequest, subject: str, subject_id: int, action: str) -> HttpResponse:
    """Every committee form posts here: the named step of the action registry on the named subject."""
    result = committee_act(
        actor=signed_in_user(request), subject=subject, subject_id=subject_id, action=action, **_params(request)
    )
    messages.success(request, SUCCESS.get(action, _("Done.")))
    target = _next(request, action, result)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _office(request: HttpRequest) -> User:
    return require_office(signed_in_user(request))


def _round(request: HttpRequest, slug: str) -> Round:
    user = _office(request)
    round_ = office_rounds(user).filter(slug=slug).first()
    if round_ is None:
        raise NotFound(_("No such round, or the committee has received no application of this office in that round."))
    return round_


def _context(request: HttpRequest, round_: Round, tab: str, **extra: Any) -> dict[str, Any]:
    return {"round": round_, "tab": tab, "today": timezone.localdate(), **extra}


def _board_filters(request: HttpRequest, **fixed: Any) -> BoardFilters:
    """The board's filters from the address (?step=…&overdue=1&unit=…&fee=paid|unpaid), plus a page's own."""
    return BoardFilters(
        step=request.GET.get("step", "").strip(),
        overdue=request.GET.get("overdue") in ("1", "true"),
        unit=request.GET.get("unit", "").strip(),
        fee=request.GET.get("fee", "") if request.GET.get("fee") in ("paid", "unpaid") else "",
        **fixed,
    )


def _page(request: HttpRequest, round_: Round, *, summary: BoardSummary | None = None, **fixed: Any) -> Any:
    return board_page(
        signed_in_user(request),
        round_,
        _board_filters(request, **fixed),
        page=request.GET.get("page") or 1,
        summary=summary,
    )


@login_required
@refusals_shown()
def office(request: HttpRequest) -> HttpResponse:
    rounds = list(office_rounds(_office(request)))
    if len(rounds) == 1:
        return redirect("committee:board", slug=rounds[0].slug)
    return render(request, "committee/office/rounds.html", {"rounds": rounds})


@login_required
@refusals_shown()
def board(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    summary = board_summary(signed_in_user(request), round_)
    current = _page(request, round_, summary=summary)
    return render(
        request,
        "committee/office/board.html",
        _context(
            request,
            round_,
            "board",
            rows=current.rows,
            page_obj=current.page,
            filters=_board_filters(request),
            counts=summary.steps,
            overdue_total=summary.overdue,
        ),
    )


@login_required
@refusals_shown()
def fees_page(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    current = _page(request, round_)
    totals = fee_totals(signed_in_user(request), round_)
    window = round_.policy.window(FEE_WINDOW)
    return render(
        request,
        "committee/office/fees.html",
        _context(
            request,
            round_,
            "fees",
            rows=current.rows,
            page_obj=current.page,
            filters=_board_filters(request),
            window=window,
            methods=[(v, label) for v, label in Fee.Method.choices if v != Fee.Method.IMPORT],
            imports=FeeImport.objects.filter(round=round_)[:10],
            paid_total=totals["paid"],
            due_total=totals["due"],
            missing=totals["missing"],
            window_over=window_over(round_, FEE_WINDOW, timezone.localdate()),
        ),
    )


@login_required
@refusals_shown()
def fee_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    record = FeeImport.objects.select_related("round").filter(pk=pk).first()
    if record is None:
        raise NotFound(_("No such import."))
    _round(request, record.round.slug)
    rows = record.rows.select_related("fee__dossier").order_by("row_number")
    return render(
        request, "committee/office/fee_import.html", _context(request, record.round, "fees", record=record, rows=rows)
    )


@login_required
@refusals_shown()
def paper_page(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    code = request.GET.get("code", "").strip()
    if code:
        try:
            found = dossier_for_form_code(code)
        except NotFound as exc:
            messages.error(request, exc.message)
            return redirect("committee:paper", slug=slug)
        if found.round_id != round_.pk:
            messages.error(
                request,
                _("This evaluation form belongs to “%(round)s”, not to this round.") % {"round": found.round.name},
            )
            return redirect("committee:paper", slug=slug)
        return redirect(reverse("committee:paper", args=[slug]) + f"?found={found.pk}#dossier-{found.pk}")
    current = _page(request, round_, order="unit")
    return render(
        request,
        "committee/office/paper.html",
        _context(
            request,
            round_,
            "paper",
            units=units_of(current.rows),
            page_obj=current.page,
            window=round_.policy.window(PAPER_WINDOW),
            found=_int(request.GET.get("found")),
        ),
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@refusals_shown()
def defence_page(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    current = _page(request, round_)
    to_schedule, candidates = defence_candidates(signed_in_user(request), round_)
    return render(
        request,
        "committee/office/defence.html",
        _context(
            request,
            round_,
            "defence",
            rows=current.rows,
            page_obj=current.page,
            to_schedule=to_schedule,
            candidates=candidates,
            sessions=DefenceSession.objects.filter(round=round_)
            .annotate(people=Count("dossiers"))
            .prefetch_related("panel"),
            panel_choices=Expert.objects.filter(status=Expert.Status.ACTIVE).select_related("user"),
            window=round_.policy.window(DEFENCE_WINDOW),
            pass_score=round_.policy.defence_value("pass_score"),
            scored=round_.policy.defence_value("scored"),
        ),
    )


def _count_per_dossier(rows: QuerySet[Any]) -> dict[int, int]:
    """How many of `rows` each dossier has, in one GROUP BY query."""
    return dict(rows.order_by().values("dossier_id").annotate(n=Count("pk")).values_list("dossier_id", "n"))


@login_required
@refusals_shown()
def defence_session(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel member's score sheets for one session (the office sees the same page, read-only)."""
    user = signed_in_user(request)
    session = DefenceSession.objects.select_related("round").filter(pk=pk).first()
    if session is None:
        raise NotFound(_("No such defence session."))
    is_member = session.panel.filter(pk=user.pk).exists()
    if not is_member:
        require_office(user)
    sheet = session.round.policy.defence_value("sheet")
    mine = {s.dossier_id: s for s in DefenceScore.objects.filter(session=session, member=user)}
    # Sheets and outcomes of the whole session at once, not one query each per dossier.
    sheets = _count_per_dossier(DefenceScore.objects.filter(session=session))
    outcomes = {o.dossier_id: o for o in DefenceOutcome.objects.filter(dossier__defence_sessions=session)}
    dossiers = [
        {
            "dossier": d,
            "mine": mine.get(d.pk),
            "items": [
                {**row, "value": (mine[d.pk].items.get(row["key"], "") if d.pk in mine else "")} for row in sheet
            ],
            "sheets": sheets.get(d.pk, 0),
            "outcome": outcomes.get(d.pk),
        }
        for d in session.dossiers.select_related("applicant", "unit").order_by("serial_number")
    ]
    return render(
        request,
        "committee/defence_session.html",
        {"session": session, "dossiers": dossiers, "is_member": is_member, "sheet": sheet},
    )


@login_required
@refusals_shown()
def experts_page(request: HttpRequest) -> HttpResponse:
    _office(request)
    pool = Expert.objects.select_related("user", "unit").prefetch_related("conflicts")
    candidates = (
        User.objects.filter(roles__role=Role.EXPERT)
        .exclude(expert_profile__isnull=False)
        .distinct()
        .order_by("username")
    )
    return render(
        request,
        "committee/office/experts.html",
        {
            "pool": pool,
            "candidates": candidates,
            "units": Organization.objects.filter(kind=Organization.Kind.UNIT).order_by("code"),
            "statuses": Expert.Status.choices,
            "conflict_kinds": ExpertConflict.Kind.choices,
            "rounds": office_rounds(signed_in_user(request)),
        },
    )


@login_required
@refusals_shown()
def draws_page(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    ungrouped, ungrouped_total = group_candidates(signed_in_user(request), round_)
    experts = {e.pk: e for e in Expert.objects.select_related("user")}
    records = [
        {
            "draw": d,
            "drawn": [experts[pk] for pk in d.drawn if pk in experts],
            "skipped": [{"expert": experts.get(s["expert"]), "reason": s["reason"]} for s in d.skipped],
            "replays": draw_replay(d),
        }
        for d in Draw.objects.filter(round=round_).order_by("created_at", "id")
    ]
    return render(
        request,
        "committee/office/draws.html",
        _context(
            request,
            round_,
            "draws",
            members=CommitteeMember.objects.filter(round=round_).select_related("expert__user", "expert__unit"),
            groups=ReviewGroup.objects.filter(round=round_)
            .annotate(reviews=Count("dossiers"))
            .prefetch_related("members__user"),
            ungrouped=ungrouped,
            ungrouped_total=ungrouped_total,
            records=records,
            active=Expert.objects.filter(status=Expert.Status.ACTIVE).count(),
            group_min=round_.policy.committee_value("group_min"),
        ),
    )


@login_required
@refusals_shown()
def meetings_page(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    user = signed_in_user(request)
    ready, ready_total = meeting_candidates(user, round_)
    waiting, waiting_total = meeting_waiting(user, round_)
    # The board row already holds the paper, the fee and the defence outcome: no query per row.
    problems = [
        (
            r,
            readiness_problems(
                r.dossier,
                paper_received=r.paper_received is not None,
                fee_paid=bool(r.fee and r.fee.is_paid),
                outcome=r.outcome,
            ),
        )
        for r in waiting
    ]
    return render(
        request,
        "committee/office/meetings.html",
        _context(
            request,
            round_,
            "meetings",
            meetings=round_meetings(round_).annotate(
                item_count=Count("items", distinct=True), minutes_count=Count("minutes", distinct=True)
            ),
            ready=ready,
            ready_total=ready_total,
            waiting=problems,
            waiting_total=waiting_total,
        ),
    )


def _pseudonyms(assignments: QuerySet[ExpertAssignment]) -> dict[int, str]:
    """dossier id → the pseudonym the meeting shows (the first in the assignments' order), in one query."""
    found: dict[int, str] = {}
    for dossier_id, pseudonym in assignments.order_by("dossier_id", "pseudonym").values_list("dossier_id", "pseudonym"):
        found.setdefault(dossier_id, pseudonym)
    return found


def _meeting_context(meeting: Meeting) -> dict[str, Any]:
    members, present = attendance_numbers(meeting)
    ratio = meeting.round.policy.committee_ratio("quorum")
    attendance = {a.expert_id: a.present for a in meeting.attendance.all()}
    counts = {c.dossier_id: c for c in meeting.counts.all()}
    # Ballots cast and pseudonyms for every item at once (one query each), not per item.
    cast = _count_per_dossier(BallotCast.objects.filter(meeting=meeting))
    items_qs = meeting.items.select_related("dossier__applicant", "dossier__unit").order_by("dossier__serial_number")
    pseudonyms = _pseudonyms(ExpertAssignment.objects.filter(dossier__meeting_items__meeting=meeting))
    items = [
        {
            "item": item,
            "cast": cast.get(item.dossier_id, 0),
            "count": counts.get(item.dossier_id),
            "pseudonym": pseudonyms.get(item.dossier_id),
        }
        for item in items_qs
    ]
    minutes = [{"record": m, "intact": minutes_verify(m)} for m in meeting.minutes.order_by("sealed_at", "id")]
    return {
        "meeting": meeting,
        "round": meeting.round,
        "members": CommitteeMember.objects.filter(round=meeting.round).select_related("expert__user"),
        "attendance": attendance,
        "member_count": members,
        "present": present,
        "needed": needed_for_share(members, ratio),
        "quorum_ok": quorum_met(members=members, present=present, ratio=ratio),
        "pass_needed": needed_for_share(present, meeting.round.policy.committee_ratio("pass_ratio")),
        "items": items,
        "minutes": minutes,
        "tab": "meetings",
    }


@login_required
@refusals_shown()
def meeting_page(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    meeting = Meeting.objects.select_related("round").filter(pk=pk).first()
    if meeting is None:
        raise NotFound(_("No such review meeting."))
    _round(request, meeting.round.slug)
    return render(request, "committee/office/meeting.html", _meeting_context(meeting))


@login_required
@refusals_shown()
def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    current = _page(request, round_, voted=True)
    publicity = current_results_publicity(round_)
    return render(
        request,
        "committee/office/results.html",
        _context(
            request,
            round_,
            "results",
            rows=current.rows,
            page_obj=current.page,
            publicity=publicity,
            objections=publicity.objections.select_related("dossier__applicant") if publicity else [],
            rechecks=publicity.rechecks.select_related("dossier__applicant") if publicity else [],
            min_days=round_.policy.committee_value("results_publicity_days"),
            confirmed=confirmed_publicity_of(round_),
        ),
    )


def confirmed_publicity_of(round_: Round) -> ResultsPublicity | None:
    return ResultsPublicity.objects.filter(round=round_, confirmed_at__isnull=False).first()


@login_required
@require_POST
@refusals_shown()
def certificate_issue_view(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """发放电子证书: the policy's certificate_issue action (it creates the certificate with the move)."""
    act(actor=signed_in_user(request), dossier_id=dossier_id, action="certificate_issue")
    messages.success(request, _("The electronic certificate has been issued."))
    return redirect(request.headers.get("Referer") or reverse("committee:office"))


@login_required
@refusals_shown()
def certificate_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The certificate PDF: the office of its prefecture, or the applicant themself."""
    user = signed_in_user(request)
    certificate = Certificate.objects.select_related("dossier__round", "dossier__unit").filter(pk=pk).first()
    if certificate is None:
        raise NotFound(_("No such certificate."))
    if certificate.dossier.applicant_id != user.pk:
        require_office(user, certificate.dossier)
    document = certificate_document(certificate)
    return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=f"{certificate.number}.pdf")


@require_GET
def certificate_lookup(request: HttpRequest) -> HttpResponse:
    """Public: is there a certificate with this number? Shows what the verification page shows, no more."""
    number = request.GET.get("number", "").strip()
    context: dict[str, Any] = {"number": number}
    if number:
        try:
            certificate = certificate_by_number(number)
        except NotFound:
            context["missing"] = True
        else:
            dossier = certificate.dossier
            context["certificate"] = certificate
            context["holder"] = mask_name(dossier.applicant.display_name)
            context["title"] = dossier.level_label
            context["round_name"] = dossier.round.name
            context["valid"] = dossier.status == CERTIFIED
            context["verify_url"] = reverse("documents:verify", args=[certificate.verification_code])
    return render(request, "committee/certificate_lookup.html", context, status=404 if "missing" in context else 200)


# ---- the expert's ballot ------------------------------------------------------------------------------------


@login_required
@refusals_shown()
def vote_list(request: HttpRequest) -> HttpResponse:
    """The expert's defence panels (score sheets), and the meetings where they are recorded present and the
    vote is open: one ballot per dossier."""
    expert = require_expert(signed_in_user(request))
    meetings = list(
        Meeting.objects.filter(attendance__expert=expert, attendance__present=True, voting_opened_at__isnull=False)
        .select_related("round")
        .prefetch_related(Prefetch("items", MeetingItem.objects.select_related("dossier")))
    )
    cast = set(BallotCast.objects.filter(expert=expert).values_list("meeting_id", "dossier_id"))
    # Pseudonyms and closed counts of every agenda at once (one query each), not per item.
    pseudonyms = _pseudonyms(ExpertAssignment.objects.filter(dossier__meeting_items__meeting__in=meetings))
    closed = set(VoteCount.objects.filter(meeting__in=meetings).values_list("meeting_id", "dossier_id"))
    agenda = [
        {
            "meeting": m,
            "items": [
                {
                    "item": item,
                    "pseudonym": pseudonyms.get(item.dossier_id) or item.dossier.serial_number,
                    "voted": (m.pk, item.dossier_id) in cast,
                    "closed": (m.pk, item.dossier_id) in closed,
                }
                for item in sorted(m.items.all(), key=lambda i: i.dossier.serial_number)
            ],
        }
        for m in meetings
    ]
    sessions = DefenceSession.objects.filter(panel=expert.user).select_related("round").order_by("-held_on")
    return render(
        request, "committee/vote.html", {"agenda": agenda, "choices": Ballot.Choice.choices, "sessions": sessions}
    )
