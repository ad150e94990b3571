"""The masking page polls once, not once per card: while cards wait for their job the progress line asks
again with a growing delay, and its answer brings the cards that finished since, out of band."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from masking.models import AttachmentMasking, MaskingStatus
from masking.views import POLL_FIRST_MS, POLL_MAX_MS

pytestmark = pytest.mark.django_db


def _waiting(masking: AttachmentMasking) -> None:
    AttachmentMasking.objects.filter(pk=masking.pk).update(status=MaskingStatus.RUNNING, proposed_boxes=[])


def _summary(client: Client, dossier, waiting: str, delay: int | str) -> str:
    response = client.get(f"/masking/dossiers/{dossier.pk}/summary/", {"waiting": waiting, "delay": delay})
    assert response.status_code == 200
    return response.content.decode()


def test_one_poll_per_page_with_back_off_and_finished_cards_out_of_band(dossier, upload, certificate) -> None:
    other = certificate.copy()
    other.paste((0, 0, 0), (0, 0, 40, 40))  # a second, different file of the same kind
    first = upload(dossier, certificate).masking
    second = upload(dossier, other, section="awards", doc_type="award_certificate").masking
    _waiting(first)
    _waiting(second)
    client = Client()
    client.force_login(dossier.applicant)

    page = client.get(f"/masking/dossiers/{dossier.pk}/").content.decode()
    # No card polls on its own; the progress line is the page's one poll, naming both waiting cards.
    assert 'hx-trigger="every' not in page
    waiting = re.search(r'data-waiting="([^"]*)"', page)
    assert waiting and set(waiting.group(1).split(",")) == {str(first.attachment_id), str(second.attachment_id)}
    assert f"load delay:{POLL_FIRST_MS}ms" in page

    # Nothing finished: the same list, asked again later (and never more rarely than the cap).
    ids = f"{first.attachment_id},{second.attachment_id}"
    quiet = _summary(client, dossier, ids, POLL_FIRST_MS)
    assert f"load delay:{int(POLL_FIRST_MS * 1.5)}ms" in quiet and "hx-swap-oob" not in quiet
    assert f"load delay:{POLL_MAX_MS}ms" in _summary(client, dossier, ids, POLL_MAX_MS)

    # The first card's job finished: its card comes out of band, the poll goes on for the second only.
    AttachmentMasking.objects.filter(pk=first.pk).update(status=MaskingStatus.PROPOSED)
    answer = _summary(client, dossier, ids, 9000)
    cards = re.findall(r'<article class="card mask-card" id="mask-card-(\d+)"[^>]*hx-swap-oob="true"', answer)
    assert cards == [str(first.attachment_id)]
    assert f'data-waiting="{second.attachment_id}"' in answer and f"load delay:{POLL_FIRST_MS}ms" in answer

    # All done: the line stops polling and only listens for the page's own changes.
    AttachmentMasking.objects.filter(pk=second.pk).update(status=MaskingStatus.PROPOSED)
    done = _summary(client, dossier, str(second.attachment_id), POLL_FIRST_MS)
    assert 'data-waiting=""' in done and "load delay" not in done and "masking-changed from:body" in done


def test_the_poll_answers_only_for_the_applicants_own_cards(dossier, upload, certificate, demo_users) -> None:
    masking = upload(dossier, certificate).masking
    client = Client()
    client.force_login(demo_users["demo_applicant2"])
    response = client.get(f"/masking/dossiers/{dossier.pk}/summary/", {"waiting": str(masking.attachment_id)})
    assert response.status_code == 404
    # Junk in the parameters is ignored, not an error.
    own = Client()
    own.force_login(dossier.applicant)
    assert "hx-swap-oob" not in _summary(own, dossier, "x,,-1", "abc")


def test_the_masking_page_costs_the_same_queries_whatever_the_number_of_cards(dossier, upload, certificate) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(dossier.applicant)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/masking/dossiers/{dossier.pk}/").status_code == 200
        return len(ctx)

    upload(dossier, certificate)
    one = queries()
    for n, (section, doc_type) in enumerate((("awards", "award_certificate"), ("other_attachments", "other_proof"))):
        page = certificate.copy()
        page.paste((0, 0, 0), (10 * n, 0, 10 * n + 40, 40))
        upload(dossier, page, section=section, doc_type=doc_type)
    assert queries() == one
