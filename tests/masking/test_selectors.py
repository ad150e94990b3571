"""masking_items on a page that has read the dossier's attachments already (dossier_contents_loaded): the same
items, in the same order, as read afresh, with the masking rows read once for the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.models import Dossier
from dossiers.selectors import dossier_contents_loaded
from masking.models import AttachmentMasking, MaskingStatus
from masking.selectors import masking_items, masking_summary

pytestmark = pytest.mark.django_db


def _seen(items) -> list[tuple[int, str, int | None]]:
    return [(i.attachment.pk, i.status, i.masking.pk if i.masking else None) for i in items]


def test_loaded_dossier_gives_the_same_items_with_one_read(dossier, upload, certificate):
    first = upload(dossier, certificate)
    upload(dossier, certificate, section="education", doc_type="diploma")
    third = upload(dossier, certificate, section="papers", doc_type="paper")
    AttachmentMasking.objects.filter(attachment=first).update(status=MaskingStatus.CONFIRMED)
    AttachmentMasking.objects.filter(attachment=third).delete()  # an image whose job has not started yet

    afresh = _seen(masking_items(Dossier.objects.get(pk=dossier.pk)))
    assert len(afresh) == 3 and (first.pk, MaskingStatus.CONFIRMED, first.masking.pk) in afresh
    assert (third.pk, MaskingStatus.PENDING, None) in afresh

    page = dossier_contents_loaded(Dossier.objects.get(pk=dossier.pk))
    with CaptureQueriesContext(connection) as reads:
        assert _seen(masking_items(page)) == afresh
        assert masking_summary(page).total == 3 and masking_summary(page).confirmed == 1
    assert len(reads) == 1  # the masking rows, once for the page


def test_loaded_dossier_without_attachments_reads_nothing(dossier):
    page = dossier_contents_loaded(Dossier.objects.get(pk=dossier.pk))
    with CaptureQueriesContext(connection) as reads:
        assert masking_items(page) == [] and masking_summary(page).complete
    assert len(reads) == 0
