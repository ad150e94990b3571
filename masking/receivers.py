"""Listens to the dossiers app: a new file starts detection, a removed one drops its results."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dossiers.models import Attachment
from dossiers.signals import attachment_removed, attachment_uploaded
from masking import services


@receiver(attachment_uploaded, dispatch_uid="masking.attachment_uploaded")
def _on_attachment_uploaded(sender: Any, attachment: Attachment, **kwargs: Any) -> None:
    # Sent for a row just written (a replaced file is a new row): it has no masking yet.
    services.masking_schedule(attachment=attachment, new=True)


@receiver(attachment_removed, dispatch_uid="masking.attachment_removed")
def _on_attachment_removed(sender: Any, attachment_id: int, **kwargs: Any) -> None:
    services.masking_drop(attachment_id=attachment_id)
