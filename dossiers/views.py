"""Pages of the applicant's dossier. Thin: forms in, services called, domain errors shown in Chinese.

The dossier page holds all 15 sections; each section form and each attachment list is posted with htmx
and swapped in place, and every successful write answers with `HX-Trigger: dossier-saved` so the
completeness view and the other apps' panels refresh. Without JavaScript every form still works as a
plain POST.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.auth import signed_in_user
from core.errors import DomainError, ValidationFailed
from core.memo import HtmlMemo
from core.pages import is_htmx, refusals_shown
from dossiers import services
from dossiers.models import Attachment, Dossier
from dossiers.section_rules import attachment_rules, section_rules
from dossiers.sections import SECTIONS, SectionContext, SectionSpec, build_data, context_for, row_to_form
from dossiers.selectors import (
    Completeness,
    attachment_visible,
    attachments_by_section,
    dossier_completeness,
    dossier_contents_loaded,
    dossier_of_applicant,
    dossiers_of_applicant,
    formless_missing,
    section_data,
)
from dossiers.states import DRAFT, RETURNED, RETURNED_FINAL
from rounds.models import Round
from rounds.selectors import rounds_open_for_filing

SAVED_EVENT = "dossier-saved"


# A NotFound raised by these reads becomes the 404 page through core.pages.refusals_shown on each view.
def _own(request: HttpRequest, pk: int) -> Dossier:
    return dossier_of_applicant(signed_in_user(request), pk)


def _visible_attachment(request: HttpRequest, pk: int) -> Attachment:
    return attachment_visible(signed_in_user(request), pk)


# ---- list and create --------------------------------------------------------------------------------


def application_choices(taken_rounds: frozenset[int] = frozenset()) -> list[tuple[str, str]]:
    """(round, level, kind) choices of the rounds open for filing, except those the applicant already filed in."""
    choices = []
    for round_ in rounds_open_for_filing():
        if round_.pk in taken_rounds:
            continue
        policy = round_.policy
        for level, kind in policy.applications():
            choices.append(
                (
                    f"{round_.pk}|{level}|{kind}",
                    f"{round_.name} · {policy.level_label(level)} · {policy.kind_label(kind)}",
                )
            )
    return choices


class DossierCreateForm(forms.Form):
    application = forms.ChoiceField(label=gettext_lazy("Round, level and type of application"), choices=[])

    def __init__(self, *args: Any, taken_rounds: frozenset[int] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        application = self.fields["application"]
        assert isinstance(application, forms.ChoiceField)  # declared just above
        application.choices = [("", _("Choose")), *application_choices(taken_rounds)]
        application.error_messages["required"] = _("Choose the round, level and type of application.")


@login_required
@refusals_shown()
def dossier_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    dossiers = list(dossiers_of_applicant(user))
    open_rounds = {r.pk for r in rounds_open_for_filing()}
    # One dossier per person per round: rounds already filed in are not offered again, and the page says why.
    taken = [d for d in dossiers if d.round_id in open_rounds]
    form = DossierCreateForm(request.POST or None, taken_rounds=frozenset(d.round_id for d in taken))
    if request.method == "POST" and form.is_valid():
        round_id, level, kind = form.cleaned_data["application"].split("|")
        try:
            dossier = services.dossier_create(
                actor=user,
                round_=Round.objects.get(pk=int(round_id)),
                level=level,
                kind=kind,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Application materials %(number)s created: fill in and save each section.")
                % {"number": dossier.serial_number},
            )
            return redirect("dossiers:detail", pk=dossier.pk)
    return render(
        request,
        "dossiers/list.html",
        {"dossiers": dossiers, "form": form, "taken": taken},
    )


# ---- one section's forms ----------------------------------------------------------------------------


def editor_initial(
    spec: SectionSpec, saved: dict[str, Any] | None, context: SectionContext
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What a section's form and rows start from: the saved draft (the assessments rows default to the years owed)."""
    saved = saved or {}
    initial = {k: v for k, v in saved.items() if k != spec.rows_field}
    rows: list[dict[str, Any]] = []
    if spec.row_form_class is not None:
        rows = [row_to_form(spec, r) for r in saved.get(spec.rows_field) or []]
        if not rows and spec.key == "assessments":
            rows = [{"year": y} for y in context.assessment_years]
    return initial, rows


class SectionEditor:
    """The main form and the rows formset of one section, bound to a POST or filled from the saved draft."""

    def __init__(
        self,
        dossier: Dossier,
        spec: SectionSpec,
        saved: dict[str, Any] | None,
        post: Any = None,
        context: SectionContext | None = None,
    ) -> None:
        self.dossier = dossier
        self.spec = spec
        self.context = context or context_for(dossier)
        self.row_errors: list[str] = []
        self.index_map: list[int] = []
        assert spec.form_class is not None
        initial, rows = editor_initial(spec, saved, self.context)
        self.form = spec.form_class(post, initial=initial, context=self.context, prefix=spec.key)
        self.formset = None
        if spec.row_form_class is not None:
            formset_class = forms.formset_factory(spec.row_form_class, extra=0 if rows else 1, can_delete=True)
            self.formset = formset_class(
                post,
                initial=rows or None,
                prefix=f"{spec.key}-{spec.rows_field}",
                form_kwargs={"context": self.context},
            )

    @property
    def empty_row(self) -> forms.Form | None:
        return self.formset.empty_form if self.formset is not None else None

    def body_html(self) -> SafeString:
        """The fields and rows (with their errors) inside the section's <form> tag."""
        return render_to_string("dossiers/_section_form_body.html", {"editor": self, "spec": self.spec})

    def data_if_valid(self) -> dict[str, Any] | None:
        main_ok = self.form.is_valid()
        none_ticked = main_ok and bool(self.form.cleaned_data.get("none"))
        rows: list[dict[str, Any]] = []
        if self.formset is not None and not none_ticked:
            if not self.formset.is_valid():
                return None
            for i, row_form in enumerate(self.formset.forms):
                if row_form in self.formset.deleted_forms or (row_form.empty_permitted and not row_form.has_changed()):
                    continue
                rows.append(row_form.cleaned_data)
                self.index_map.append(i)
        if not main_ok:
            return None
        return build_data(self.spec, self.form.cleaned_data, rows)

    def add_issues(self, issues: list[dict[str, str]]) -> None:
        """Put the service's errors (paths into the data) next to the fields they are about."""
        rows_field = self.spec.rows_field
        for issue in issues:
            path, message = issue["path"], issue["message"]
            parts = path.split(".") if path else []
            if parts and parts[0] == rows_field and self.formset is not None:
                if len(parts) >= 2 and int(parts[1]) < len(self.index_map):
                    row_form = self.formset.forms[self.index_map[int(parts[1])]]
                    name = self.spec.row_renames.get(parts[2], parts[2]) if len(parts) > 2 else None
                    row_form.add_error(name if name in row_form.fields else None, message)
                else:
                    self.row_errors.append(message)
            else:
                name = parts[0] if parts else None
                self.form.add_error(name if name in self.form.fields else None, message)


# The bodies of unbound section forms (FORM_BODIES) and whole draft section cards (SECTION_CARDS, keyed in
# `_draft_card`). An unbound form's HTML is a function of its classes, prefix and initial values alone (the
# forms take the section context for their checks, never to draw a field) and of the language its labels are
# translated into: that is the key, so an entry can never be stale, and the many sections still empty share one.
# About 8 MB a process: the empty sections (shared by every new dossier) and the drafts being worked on now.
FORM_BODIES = HtmlMemo(max_chars=4_000_000)
# Whole section cards of drafts being filled in, rendered with a stand-in for the CSRF token (each page puts its
# own in): about 16 MB a process, least recently used dropped first.
SECTION_CARDS = HtmlMemo(max_chars=8_000_000)
_CSRF_STAND_IN = "csrf-stand-in-" + secrets.token_hex(16)
# The dossier number in a card's URLs (/dossiers/<number>/…) while it is drawn: 18 random digits per process, so
# no dossier has it and no text an applicant types can be made to match it.
_DOSSIER_STAND_IN = 10**17 + secrets.randbelow(9 * 10**17)


class DraftForm:
    """A section's form filled from its saved draft (no POST, no errors): the dossier page draws 15 of them,
    rendered once per distinct content (FORM_BODIES) and built only when that content is new."""

    def __init__(self, dossier: Dossier, spec: SectionSpec, saved: dict[str, Any] | None, context: SectionContext):
        self.dossier = dossier
        self.spec = spec
        self.saved = saved
        self.context = context
        initial, rows = editor_initial(spec, saved, context)
        forms_used = [spec.form_class, spec.row_form_class]
        content = json.dumps(
            [get_language(), spec.key, [f"{c.__module__}.{c.__qualname__}" for c in forms_used if c], initial, rows],
            sort_keys=True,
            default=str,
        )
        self.key = hashlib.sha256(content.encode()).hexdigest()

    def body_html(self) -> SafeString:
        return FORM_BODIES.drawn(
            self.key, lambda: SectionEditor(self.dossier, self.spec, self.saved, context=self.context).body_html()
        )


def _section_context(
    dossier: Dossier,
    key: str,
    editor: SectionEditor | None = None,
    saved_now: bool = False,
    *,
    page: _PageReads | None = None,
) -> dict[str, Any]:
    spec = SECTIONS[key]
    page = page or _PageReads(dossier)
    meta = dossier.round.policy.section(key)
    form: SectionEditor | DraftForm | None = editor
    if form is None and spec.form_class is not None and dossier.is_editable_by_applicant:
        form = DraftForm(dossier, spec, page.data.get(key), page.context)
    return {
        "dossier": dossier,
        "spec": spec,
        "meta": meta,
        "editor": form,
        # A section without a form (15 信息遮盖) is done when its owner's check finds nothing missing.
        "saved": key in page.data if spec.form_class is not None else not page.formless_missing(key),
        "rules": section_rules(dossier, key),
        "saved_now": saved_now,
        "editable": dossier.is_editable_by_applicant,
        "attachments_block": _attachments_context(dossier, key, attachments=page.attachments.get(key, [])),
    }


class _PageReads:
    """What every section of one page reads, read once: the saved data, the section context, the attachments
    by section, and (on the dossier page) the completeness the formless sections' state comes from."""

    def __init__(self, dossier: Dossier, completeness: Completeness | None = None) -> None:
        self.dossier = dossier_contents_loaded(dossier)  # a no-op when the page has read them already
        self.data = section_data(dossier)
        self.context = context_for(dossier)
        self.attachments = attachments_by_section(dossier)
        self.completeness = completeness

    def formless_missing(self, key: str) -> list[str]:
        if self.completeness is not None:
            return self.completeness.section(key).missing
        return formless_missing(key, self.dossier)


@login_required
@refusals_shown()
def section_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    dossier = _own(request, pk)
    spec = SECTIONS.get(key)
    if spec is None or spec.form_class is None:
        raise Http404(_("No such section."))
    status = 200
    saved_now = False
    editor = None
    if request.method == "POST":
        editor = SectionEditor(dossier, spec, section_data(dossier).get(key), post=request.POST)
        data = editor.data_if_valid()
        if data is not None:
            try:
                services.section_save(dossier_id=dossier.pk, actor=signed_in_user(request), key=key, data=data)
            except ValidationFailed as exc:
                editor.add_issues((exc.details or {}).get("errors", []) if isinstance(exc.details, dict) else [])
                if (
                    not editor.form.errors
                    and not editor.row_errors
                    and not (editor.formset and editor.formset.total_error_count())
                ):
                    editor.form.add_error(None, exc.message)
            except DomainError as exc:
                editor.form.add_error(None, exc.message)
            else:
                saved_now = True
                editor = None  # re-render from what is now stored
                dossier.refresh_from_db()
        if not saved_now:
            status = 200 if is_htmx(request) else 400
    context = _section_context(dossier, key, editor=editor, saved_now=saved_now)
    if is_htmx(request):
        response = render(request, "dossiers/_section.html", context, status=status)
    elif saved_now:
        messages.success(request, _("“%(title)s” saved.") % {"title": context["meta"]["title"]})
        return redirect(f"{dossier_url(dossier)}#section-{key}")
    else:
        response = render(request, "dossiers/section_page.html", context, status=status)
    if saved_now:
        response["HX-Trigger"] = SAVED_EVENT
    return response


def dossier_url(dossier: Dossier) -> str:
    return reverse("dossiers:detail", kwargs={"pk": dossier.pk})


# ---- the dossier page -------------------------------------------------------------------------------


@login_required
@refusals_shown()
@require_GET
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = dossier_contents_loaded(dossier_of_applicant(signed_in_user(request), pk, with_review_chain=True))
    completeness = dossier_completeness(dossier)
    page = _PageReads(dossier, completeness)
    sections = [_section_context(dossier, s["key"], page=page) for s in dossier.round.policy.sections]
    token = get_token(request)
    for section in sections:
        section["html"] = _draft_card(section, token)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "sections": sections,
            "completeness": completeness,
            "section_nav": _overview_part("dossiers/_section_nav.html", dossier, completeness, token),
            "completeness_card": _overview_part("dossiers/_completeness.html", dossier, completeness, token),
        },
    )


def _draft_card(section: dict[str, Any], csrf_token: str) -> SafeString | None:
    """A draft's section card, rendered once per distinct content (SECTION_CARDS), or None when the card is not
    a draft's form (it is then drawn by the page as before).

    Only a draft's: it has no return (whose reasons a card shows) and its form comes from DraftForm, whose key
    already stands for the form's content. The rest of the key is every other value the card shows: the
    policy's words for the section, its rules, whether it is saved and editable, the attachments listed and
    the upload limits. The card holds no request, user or clock: it is rendered without them; nor the dossier's
    number: its URLs are drawn with a stand-in number put right per page, so every draft whose section is
    still empty (most of them) shares one card."""
    dossier, editor = section["dossier"], section["editor"]
    if dossier.status != DRAFT or not isinstance(editor, DraftForm):
        return None
    block = section["attachments_block"]
    key_data = [
        get_language(),
        section["spec"].key,
        editor.key,
        section["meta"],
        section["rules"],
        section["saved"],
        section["editable"],
        [block[k] for k in ("editable", "error", "selected_doc_type", "max_mb", "rules", "max_bytes", "min_side")],
        [(a.pk, a.section, a.doc_type, a.original_name, a.width, a.height) for a in block["attachments"]],
    ]
    return _drawn_once(
        "dossiers/_section.html",
        key_data,
        lambda stand_in: {**section, "dossier": stand_in, "attachments_block": {**block, "dossier": stand_in}},
        dossier,
        csrf_token,
    )


def _drawn_once(
    template: str,
    key_data: list[Any],
    context_of: Callable[[Dossier], dict[str, Any]],
    dossier: Dossier,
    csrf_token: str,
) -> SafeString:
    """`template` rendered once per distinct `key_data` (SECTION_CARDS): with a stand-in dossier number and CSRF
    token, each page's own put in. `key_data` must hold every value the template shows but those two."""
    key = hashlib.sha256(json.dumps([template, *key_data], sort_keys=True, default=str).encode()).hexdigest()

    def render() -> str:
        stand_in = copy.copy(dossier)
        stand_in.pk = _DOSSIER_STAND_IN
        return render_to_string(template, {**context_of(stand_in), "csrf_token": _CSRF_STAND_IN})

    html = SECTION_CARDS.drawn(key, render)
    return SafeString(html.replace(_CSRF_STAND_IN, csrf_token).replace(f"/{_DOSSIER_STAND_IN}/", f"/{dossier.pk}/"))


def _overview_part(template: str, dossier: Dossier, completeness: Completeness, csrf_token: str) -> SafeString | None:
    """The section navigation or the completeness card, drawn once per distinct content (None: drawn by the page
    as before). Not for a dossier with a return on it: the navigation marks its returned sections, which come
    from the workflow (above this app)."""
    if dossier.status in (RETURNED, RETURNED_FINAL):
        return None
    policy = dossier.round.policy
    filing = policy.windows.get("online_filing")
    key_data = [
        get_language(),
        [policy.max_submissions, filing.describe() if filing else ""],
        [s.as_dict() for s in completeness.sections],
        dossier.status,
        dossier.is_editable_by_applicant,
        dossier.submission_count,
    ]
    return _drawn_once(
        template, key_data, lambda stand_in: {"dossier": stand_in, "completeness": completeness}, dossier, csrf_token
    )


@login_required
@refusals_shown()
@require_GET
def section_nav_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    return _overview_fragment(request, pk, "dossiers/_section_nav.html")


@login_required
@refusals_shown()
@require_GET
def completeness_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    return _overview_fragment(request, pk, "dossiers/_completeness.html")


def _overview_fragment(request: HttpRequest, pk: int, template: str) -> HttpResponse:
    """The navigation or completeness card again, after a save (htmx): from the memo as on the page."""
    dossier = dossier_contents_loaded(_own(request, pk))
    completeness = dossier_completeness(dossier)
    drawn = _overview_part(template, dossier, completeness, get_token(request))
    if drawn is not None:
        return HttpResponse(drawn)
    return render(request, template, {"dossier": dossier, "completeness": completeness})


# ---- attachments ------------------------------------------------------------------------------------


def _attachments_context(
    dossier: Dossier, key: str, error: str = "", doc_type: str = "", attachments: list[Attachment] | None = None
) -> dict[str, Any]:
    spec = SECTIONS[key]
    limits = dossier.round.policy.attachments
    return {
        "dossier": dossier,
        "spec": spec,
        "key": key,
        "attachments": attachments_by_section(dossier).get(key, []) if attachments is None else attachments,
        "editable": dossier.is_editable_by_applicant,
        "error": error,
        "selected_doc_type": doc_type,
        "max_mb": int(limits["max_bytes"]) / 1024 / 1024,
        "rules": attachment_rules(dossier.round.policy, key),
        # Read by dossier.js to downscale phone photos before they travel (the server checks again).
        "max_bytes": int(limits["max_bytes"]),
        "min_side": int(limits["min_side_px"]),
    }


def _attachments_response(
    request: HttpRequest, dossier: Dossier, key: str, *, error: str = "", doc_type: str = "", changed: bool = False
) -> HttpResponse:
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(f"{dossier_url(dossier)}#section-{key}")
    response = render(request, "dossiers/_attachments.html", _attachments_context(dossier, key, error, doc_type))
    if changed:
        response["HX-Trigger"] = SAVED_EVENT
    return response


@login_required
@refusals_shown()
@require_POST
def attachment_upload(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    dossier = _own(request, pk)
    if key not in SECTIONS:
        raise Http404(_("No such section."))
    # dossier.js sends one file per request; a page without JavaScript may send several at once.
    uploads = request.FILES.getlist("file")
    doc_type = request.POST.get("doc_type", "")
    if not uploads:
        return _attachments_response(
            request, dossier, key, error=_("Choose the JPG pictures to upload."), doc_type=doc_type
        )
    for done, upload in enumerate(uploads):
        try:
            services.attachment_upload(
                dossier_id=dossier.pk,
                actor=signed_in_user(request),
                section=key,
                doc_type=doc_type,
                upload=upload,
                original_name=upload.name or "",
            )
        except DomainError as exc:
            error = f"“{upload.name}”：{exc.message}" if len(uploads) > 1 else exc.message
            dossier.refresh_from_db()
            return _attachments_response(request, dossier, key, error=error, doc_type=doc_type, changed=done > 0)
    dossier.refresh_from_db()
    return _attachments_response(request, dossier, key, changed=True)


@login_required
@refusals_shown()
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _visible_attachment(request, pk)
    dossier = _own(request, attachment.dossier_id)
    key = attachment.section
    try:
        services.attachment_delete(attachment_id=attachment.pk, actor=signed_in_user(request))
    except DomainError as exc:
        return _attachments_response(request, dossier, key, error=exc.message)
    return _attachments_response(request, dossier, key, changed=True)


@login_required
@refusals_shown()
@require_GET
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    """The stored original JPG, only for the applicant or a reviewer who has the dossier in scope.

    Originals go to exactly those who may see the dossier (dossiers.access, the rule masking also
    applies); experts receive masked copies through the masking and committee pages, never this one.
    """
    attachment = _visible_attachment(request, pk)
    response = FileResponse(attachment.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
