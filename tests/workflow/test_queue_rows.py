"""The review queue's rows, drawn once per distinct content (workflow.views.QUEUE_ROWS): the same HTML as a
fresh drawing, and a row shows any change of what it shows on the next page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from workflow.actions import act
from workflow.selectors import QueueFilters
from workflow.views import QUEUE_FILTERS, QUEUE_ROWS, _queue_filters_html

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


FILTERS = "workflow/_queue_filters.html"


def _filters(client, query: str = "") -> tuple[str, int]:
    """The queue page's counts card and filter form, and whether they were drawn afresh for it."""
    response = client.get(reverse("workflow:queue") + query)
    assert response.status_code == 200
    html = response.content.decode()
    drawn = [t.name for t in response.templates].count(FILTERS)
    start = html.index('<div class="card" id="status-counts">')
    return html[start : html.index("</form>", start)], drawn


@pytest.fixture
def filters_memo_empty():
    QUEUE_FILTERS.clear()


def test_the_filter_form_is_drawn_once_and_reads_as_a_fresh_drawing(unit_clerk, filters_memo_empty, submitted):
    first, drawn = _filters(unit_clerk)
    assert drawn == 1 and 'data-state="submitted"' in first and 'value="U-KRLJT"' in first
    again, drawn = _filters(unit_clerk)
    assert drawn == 0 and again == first
    QUEUE_FILTERS.clear()
    fresh, drawn = _filters(unit_clerk)
    assert drawn == 1 and fresh == first


def test_the_filter_form_shows_new_counts_units_and_choices(unit_clerk, filters_memo_empty, submitted, demo_users):
    before, _ = _filters(unit_clerk)
    act(action="unit_accept", dossier_id=submitted.pk, actor=demo_users["demo_unit"])
    after, drawn = _filters(unit_clerk)  # a count moved
    assert drawn == 1 and after != before and 'data-state="unit_review"' in after
    selected, drawn = _filters(unit_clerk, "?unit=U-KRLJT&all=1")  # the filters chosen are shown as chosen
    assert drawn == 1 and 'value="U-KRLJT" selected' in selected and 'name="all" value="1" checked' in selected
    unit = submitted.unit
    unit.name = "改名后的单位"
    unit.save()
    renamed, drawn = _filters(unit_clerk, "?unit=U-KRLJT&all=1")
    assert drawn == 1 and "改名后的单位" in renamed


def test_the_filter_form_is_kept_per_language(filters_memo_empty):
    """The site serves one language today; the key holds it all the same, as the rows' does."""
    filters, counts, units = QueueFilters(), [("submitted", "已提交", 3)], [("U-KRLJT", "库尔勒交通")]
    with translation.override("zh-hans"):
        chinese = _queue_filters_html(filters, counts, units)
    with translation.override("en"):
        english = _queue_filters_html(filters, counts, units)
    assert "Waiting for me" in english and "Waiting for me" not in chinese
