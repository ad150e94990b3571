"""Statistics for the office: counts per status, unit, level and kind, pass rates and fees collected, as a
page with CSS bars and as XLSX whose text cells never run as formulas; aggregated in SQL, scoped by office."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organization, Role
from committee.fees import fee_for, fee_payment_record
from committee.stats import round_statistics
from dossiers.models import Dossier
from dossiers.states import CERTIFICATE_ISSUED, NOT_PASSED, PASSED
from tests.committee.stage import make_expert, received_dossier
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

FORMULA_NAME = '=HYPERLINK("http://evil.invalid","点击")'


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def round_with_outcomes(stage_round, orgs, office):
    """Unit KRLJT: 3 mid evaluation dossiers (passed, not passed, certified); unit QMYH: 1 junior, received.
    Fees: the passed and the certified paid (380 each); the other two owe 380 and 220."""
    krl, qm = orgs["U-KRLJT"], orgs["U-QMYH"]
    passed = received_dossier(stage_round, krl)
    failed = received_dossier(stage_round, krl)
    certified = received_dossier(stage_round, krl)
    waiting = received_dossier(stage_round, qm, level="junior")
    for dossier in (passed, failed, certified, waiting):
        fee_for(dossier)
    today = timezone.localdate()
    for dossier in (passed, certified):
        fee_payment_record(actor=office, fee=dossier.fee, paid_on=today, method="transfer")
    # Outcomes set on the model (the meeting's count is tested in test_meeting): Dossier.save keeps the counts
    # the statistics read, which QuerySet.update would bypass.
    for dossier, outcome in ((passed, PASSED), (failed, NOT_PASSED), (certified, CERTIFICATE_ISSUED)):
        dossier.status = outcome
        dossier.save(update_fields=["status"])
    return stage_round


def test_counts_pass_rates_and_fees(round_with_outcomes, office) -> None:
    stats = round_statistics(office, round_with_outcomes)
    assert (stats.total.total, stats.total.voted, stats.total.passed) == (4, 3, 2)
    assert stats.total.pass_rate_text == "66.7%"
    by_status = {r.key: r.total for r in stats.by_status}
    assert by_status == {"committee_received": 1, "passed": 1, "not_passed": 1, "certificate_issued": 1}
    # The policy's life-cycle order, with its labels.
    assert [r.key for r in stats.by_status] == ["committee_received", "passed", "not_passed", "certificate_issued"]
    units = {r.label: (r.total, r.voted, r.passed) for r in stats.by_unit}
    assert units == {"库尔勒交通建设工程有限公司": (3, 3, 2), "且末县公路养护站": (1, 0, 0)}
    levels = {r.label: (r.total, r.pass_rate_text) for r in stats.by_level}
    assert levels == {"助理工程师": (1, "—"), "工程师": (3, "66.7%")}
    assert {r.label: r.total for r in stats.by_kind} == {"评审": 4}
    fees = {f.label: (f.dossiers, f.due_yuan, f.paid_count, f.paid_yuan) for f in stats.fees}
    assert fees == {"助理工程师": (1, 220, 0, 0), "工程师": (3, 1140, 2, 760)}
    total = stats.fees_total
    assert total is not None and (total.due_yuan, total.paid_yuan, total.paid_count) == (1360, 760, 2)


def test_the_figures_are_aggregated_in_sql(round_with_outcomes, office, orgs, django_assert_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        round_statistics(office, round_with_outcomes)
    for _ in range(5):
        received_dossier(round_with_outcomes, orgs["U-LTYS"])
    with CaptureQueriesContext(connection) as many:
        stats = round_statistics(office, round_with_outcomes)
    assert stats.total.total == 9
    # The same number of queries for 4 and 9 dossiers: nothing is counted row by row in Python.
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("whole_register", [False, True])
def test_the_figures_equal_a_count_of_the_dossiers(demo_users, orgs, open_round, whole_register) -> None:
    """Over the scale seeding's dossiers (every state, drafts included, bulk-written then recounted) each table
    equals a GROUP BY of the dossiers in the scope (the figures come from the count cells)."""
    from django.db.models import Count

    from benchmarks.seeding import demo_round, grow_to

    grow_to(60)
    user = (
        give_role(UserFactory.create(), Role.PREFECTURE_OFFICER, orgs["XJ"])
        if whole_register
        else demo_users["demo_prefecture"]
    )
    round_ = demo_round()
    stats = round_statistics(user, round_)
    dossiers = Dossier.objects.filter(round=round_).exclude(status="draft")
    assert stats.total.total == dossiers.count() > 0
    for column, rows in (("status", stats.by_status), ("level", stats.by_level), ("kind", stats.by_kind)):
        expected = {str(r[column]): r["n"] for r in dossiers.values(column).annotate(n=Count("pk")).order_by()}
        assert {r.key: r.total for r in rows} == expected, column
    by_unit = {r["unit__code"]: r["n"] for r in dossiers.values("unit__code").annotate(n=Count("pk")).order_by()}
    assert {r.key: r.total for r in stats.by_unit} == by_unit
    passed = dossiers.filter(status__in=["passed", "certificate_issued"]).count()
    assert stats.total.passed == passed > 0


def test_the_page_shows_tables_and_css_bars_without_external_scripts(round_with_outcomes, office) -> None:
    response = _as(office).get("/committee/stats/", {"round": round_with_outcomes.slug})
    assert response.status_code == 200
    page = response.content.decode()
    assert "按推荐单位" in page and "库尔勒交通建设工程有限公司" in page and "66.7%" in page
    assert 'class="bar" style="width:100%"' in page  # the largest unit
    assert 'class="bar" style="width:33%"' in page  # a third of it
    assert "1360" in page and "760" in page
    # No resource from another host (a bare "cdn" could also turn up inside a random CSRF token).
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_the_xlsx_export_has_every_table_and_text_never_runs_as_a_formula(round_with_outcomes, office, orgs) -> None:
    Organization.objects.filter(pk=orgs["U-QMYH"].pk).update(name=FORMULA_NAME)
    response = _as(office).get(f"/committee/stats/{round_with_outcomes.slug}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["申报状态", "推荐单位", "申报级别", "申报类型", "评审费"]
    units = workbook["推荐单位"]
    assert [c.value for c in units[2]] == ["分组", "申报数", "已表决", "通过", "通过率"]
    rows = {r[0].value: r for r in units.iter_rows(min_row=3)}
    assert rows[FORMULA_NAME][0].data_type == "s" and rows[FORMULA_NAME][1].value == 1
    assert rows["库尔勒交通建设工程有限公司"][4].value == pytest.approx(2 / 3)
    fees = {r[0].value: [c.value for c in r] for r in workbook["评审费"].iter_rows(min_row=3)}
    assert fees["合计"] == ["合计", 4, 1360, 2, 760, 0]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)


def test_only_offices_see_statistics_each_within_its_scope(round_with_outcomes, demo_users, orgs) -> None:
    for name in ("demo_applicant", "demo_unit", "demo_county"):
        response = _as(demo_users[name]).get("/committee/stats/", follow=True)
        assert "只有州评委会办公室" in response.content.decode()
        assert _as(demo_users[name]).get(f"/committee/stats/{round_with_outcomes.slug}.xlsx").status_code == 302
    expert = make_expert(orgs["BZ"]).user
    assert "库尔勒交通建设工程有限公司" not in _as(expert).get("/committee/stats/", follow=True).content.decode()
    assert Client().get("/committee/stats/")["Location"].startswith("/accounts/login/")

    region = give_role(UserFactory.create(), Role.PREFECTURE_OFFICER, orgs["XJ"])
    assert round_statistics(region, round_with_outcomes).total.total == 4
    elsewhere = Organization.objects.create(
        code="AKS", name="阿克苏地区", kind=Organization.Kind.PREFECTURE, parent=orgs["XJ"]
    )
    other_office = give_role(UserFactory.create(), Role.PREFECTURE_OFFICER, elsewhere)
    page = _as(other_office).get("/committee/stats/").content.decode()
    assert "您的辖区暂无申报" in page
    assert _as(other_office).get(f"/committee/stats/{round_with_outcomes.slug}.xlsx").status_code == 404
