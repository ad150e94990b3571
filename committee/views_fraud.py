"""The fraud register's pages (notice 八(二)): the prefecture office and region-level officers list and
record confirmed cases; recording one against a person with a live application in the round asks for
confirmation, then cancels that application through its own action (committee.fraud)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.auth import signed_in_user
from committee.fraud import fraud_person_record, fraud_person_record_check
from committee.fraud_register import ban_years_for, fraud_register
from core.errors import PermissionDenied
from core.pages import page_of, refusals_shown
from eligibility.services import can_keep_fraud_register
from rounds.models import Round


class FraudCaseForm(forms.Form):
    round = forms.ModelChoiceField(
        label=gettext_lazy("Round in which the fraud was established"),
        queryset=Round.objects.order_by("-year", "slug"),
        empty_label=gettext_lazy("Choose"),
        error_messages={"required": gettext_lazy("Choose a round."), "invalid_choice": gettext_lazy("Choose a round.")},
    )
    id_number = forms.CharField(label=gettext_lazy("ID card number"), min_length=18, max_length=18)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64, required=False)
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=gettext_lazy("What the finding of fraud rests on."),
    )
    note = forms.CharField(
        label=gettext_lazy("Account of the case"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )


@login_required
@require_GET
@refusals_shown()
def fraud_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    page = page_of(fraud_register(user), request)
    findings = list(page.object_list)
    bans = ban_years_for(findings)
    rows = [{"finding": f, "ban": bans[f.pk]} for f in findings]
    return render(
        request,
        "committee/fraud/list.html",
        {"rows": rows, "page_obj": page, "may_record": can_keep_fraud_register(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@refusals_shown()
def fraud_new(request: HttpRequest) -> HttpResponseBase:
    user = signed_in_user(request)
    fraud_register(user)  # the public and other roles are refused before any form is shown
    if not can_keep_fraud_register(user):
        raise PermissionDenied(
            _("Only the prefecture committee office or the region's professional title authority may record fraud.")
        )
    form = FraudCaseForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return render(request, "committee/fraud/new.html", {"form": form})
    data = form.cleaned_data
    if request.POST.get("confirm") != "1":
        # The check the service repeats: who may, whether already recorded, which application it cancels.
        dossier = fraud_person_record_check(user, data["round"], data["id_number"])
        return render(request, "committee/fraud/confirm.html", {"form": form, "data": data, "dossier": dossier})
    finding = fraud_person_record(
        actor=user,
        round_=data["round"],
        id_number=data["id_number"],
        evidence=data["evidence"],
        name=data["name"],
        note=data["note"],
    )
    if finding.dossier:
        done = _("Fraud finding recorded (year %(year)s); application %(number)s cancelled.") % {
            "year": finding.round_year,
            "number": finding.dossier.serial_number,
        }
    else:
        done = _("Fraud finding recorded (year %(year)s).") % {"year": finding.round_year}
    messages.success(request, done)
    return redirect("committee:fraud_list")
