"""The review queue's rows, drawn once per distinct content (workflow.views.QUEUE_ROWS): the same HTML as a
fresh drawing, and a row shows any change of what it shows on the next page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workflow.actions import act
from workflow.views import QUEUE_ROWS

pytestmark = pytest.mark.django_db

ROW = "workflow/_queue_row.html"


def _queue(client, query: str = "") -> tuple[str, int]:
    """The queue page's HTML and how many rows were drawn afresh for it."""
    response = client.get(reverse("workflow:queue") + query)
    assert response.status_code == 200
    return response.content.decode(), [t.name for t in response.templates].count(ROW)


def _rows(html: str) -> str:
    return html[html.index('<table id="queue-table">') : html.index("</table>")]


@pytest.fixture
def unit_clerk(client, demo_users):
    QUEUE_ROWS.clear()  # an empty memo: rows of other tests share keys
    client.force_login(demo_users["demo_unit"])
    return client


def test_rows_are_drawn_once_and_read_as_a_fresh_drawing(unit_clerk, submitted):
    first_html, drawn = _queue(unit_clerk)
    assert drawn == 1 and submitted.serial_number in first_html
    assert reverse("workflow:detail", args=[submitted.pk]) in first_html
    again, drawn = _queue(unit_clerk)
    assert drawn == 0 and _rows(again) == _rows(first_html)
    QUEUE_ROWS.clear()
    fresh, drawn = _queue(unit_clerk)
    assert drawn == 1 and _rows(fresh) == _rows(first_html)


def _row(html: str, dossier_id: int) -> str:
    row = html[html.index(f'data-dossier="{dossier_id}"') :]
    return row[: row.index("</tr>")]


def test_a_row_shows_a_new_state_and_a_new_name_on_the_next_page(unit_clerk, submitted, demo_users):
    _queue(unit_clerk, "?all=1")
    act(
        action="return",
        dossier_id=submitted.pk,
        actor=demo_users["demo_unit"],
        reasons=[{"section": "papers", "reason": "缺页"}],
    )
    html, drawn = _queue(unit_clerk, "?all=1")
    assert drawn == 1 and 'data-status="returned"' in _row(html, submitted.pk)
    applicant = submitted.applicant
    applicant.full_name = "改名后的申报人"
    applicant.save()
    html, drawn = _queue(unit_clerk, "?all=1")
    assert drawn == 1 and "改名后的申报人" in _row(html, submitted.pk)
