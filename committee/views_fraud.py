"""The fraud register's pages (notice 八(二)): the prefecture office and region-level officers list and
record confirmed cases; recording one against a person with a live application in the round asks for
confirmation, then cancels that application through its own action (committee.fraud)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.auth import signed_in_user
from committee.fraud import fraud_person_record, fraud_person_record_check
from committee.fraud_register import ban_years_of, fraud_register
from core.errors import PermissionDenied
from core.pages import refusals_shown
from eligibility.services import can_keep_fraud_register
from rounds.models import Round


class FraudCaseForm(forms.Form):
    round = forms.ModelChoiceField(
        label="查实弄虚作假的评审批次",
        queryset=Round.objects.order_by("-year", "slug"),
        empty_label="请选择",
        error_messages={"required": "请选择评审批次。", "invalid_choice": "请选择评审批次。"},
    )
    id_number = forms.CharField(label="身份证号码", min_length=18, max_length=18)
    name = forms.CharField(label="姓名", max_length=64, required=False)
    evidence = forms.CharField(
        label="证据材料", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, help_text="查实弄虚作假的依据。"
    )
    note = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False)


@login_required
@require_GET
@refusals_shown()
def fraud_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    findings = list(fraud_register(user))
    rows = [{"finding": f, "ban": ban_years_of(f)} for f in findings]
    return render(request, "committee/fraud/list.html", {"rows": rows, "may_record": can_keep_fraud_register(user)})


@login_required
@require_http_methods(["GET", "POST"])
@refusals_shown()
def fraud_new(request: HttpRequest) -> HttpResponseBase:
    user = signed_in_user(request)
    fraud_register(user)  # the public and other roles are refused before any form is shown
    if not can_keep_fraud_register(user):
        raise PermissionDenied("只有州评委会办公室或自治区职称主管部门可以登记弄虚作假记录。")
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
    cancelled = f"，申报 {finding.dossier.serial_number} 已取消" if finding.dossier else ""
    messages.success(request, f"已登记弄虚作假记录（{finding.round_year} 年度）{cancelled}。")
    return redirect("committee:fraud_list")
