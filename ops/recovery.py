"""What a crash can leave behind, found and repaired: stored files no row points to (an upload killed
between writing its file and committing its row), rows pointing to files that are gone, jobs whose
worker died, messages not yet delivered. Used by `manage.py storage_cleanup` and the crash check."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.utils import timezone

from core.leases import lease_expired_q
from documents.models import BatchJob
from masking.models import AttachmentMasking, MaskingStatus
from workflow.models import OutboxMessage


@dataclass
class Report:
    orphan_files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)  # "app.Model#pk: name"
    stalled_ocr: list[int] = field(default_factory=list)
    stalled_batches: list[int] = field(default_factory=list)
    undelivered_messages: list[int] = field(default_factory=list)
    deleted_files: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        problems = (self.orphan_files, self.missing_files, self.stalled_ocr, self.stalled_batches)
        return not any(problems) and not self.undelivered_messages

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "clean": self.clean}


def _file_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField)
    ]


def referenced_files() -> dict[str, str]:
    """Every stored name a row points to → "app.Model#pk"."""
    found: dict[str, str] = {}
    for model, name in _file_fields():
        rows = model._default_manager.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True})
        for pk, stored in rows.values_list("pk", name).iterator(chunk_size=2000):
            found[stored] = f"{model._meta.label}#{pk}"
    return found


def stored_files(storage: Storage, folder: str = "") -> list[str]:
    dirs, files = storage.listdir(folder)
    names = [f"{folder}/{f}" if folder else f for f in files]
    for d in dirs:
        names += stored_files(storage, f"{folder}/{d}" if folder else d)
    return names


def inspect(*, min_age: dt.timedelta, delete: bool = False, storage: Storage = default_storage) -> Report:
    """`min_age` spares files of uploads in flight: the file is written a moment before its row."""
    report = Report()
    now = timezone.now()
    referenced = referenced_files()
    on_disk = set(stored_files(storage)) if storage.exists("") else set()
    for name in sorted(on_disk - set(referenced)):
        if now - storage.get_modified_time(name) < min_age:
            continue
        report.orphan_files.append(name)
        if delete:
            storage.delete(name)
            report.deleted_files.append(name)
    report.missing_files = [f"{row}: {name}" for name, row in sorted(referenced.items()) if name not in on_disk]
    report.stalled_ocr = list(
        AttachmentMasking.objects.filter(status=MaskingStatus.RUNNING)
        .filter(lease_expired_q(now))
        .values_list("pk", flat=True)
    )
    report.stalled_batches = list(
        BatchJob.objects.filter(status=BatchJob.Status.RUNNING)
        .filter(lease_expired_q(now))
        .values_list("pk", flat=True)
    )
    report.undelivered_messages = list(
        OutboxMessage.objects.filter(delivered_at__isnull=True, created_at__lt=now - min_age).values_list(
            "pk", flat=True
        )
    )
    return report
