"""The dossier (申报材料): one applicant's application in one round, its 15 sections and attachments."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.db.models.signals import pre_delete
from django.dispatch import Signal, receiver

from accounts.models import Organization
from dossiers.states import DRAFT, EDITABLE_STATES, ENDED_STATES
from rounds.models import Round


class Level(models.TextChoices):
    JUNIOR = "junior", "助理工程师（初级）"
    MID = "mid", "工程师（中级）"


class Kind(models.TextChoices):
    INITIAL = "initial", "初次确定"
    CONFERRAL = "conferral", "授予"
    EVALUATION = "evaluation", "评审"


# A dossier's cell in the counts kept as the data changes (workflow.models.DossierTally): round id, unit id,
# status, level, kind and whether it was ever submitted (the review scopes leave out the never submitted).
TallyKey = tuple[int, int, str, str, str, bool]
# The fields of the key, in its order (`submission_count` gives `filed`).
TALLY_FIELDS = ("round", "unit", "status", "level", "kind", "submission_count")

# Sent inside the transaction of every Dossier.save() / delete that creates, removes or re-keys a dossier, with
# `changes` = {key: +1 or -1} and `using`. The app owning the counts listens: this floor cannot import it.
dossier_tally_changed = Signal()


class Dossier(models.Model):
    round = models.ForeignKey(Round, verbose_name="评审批次", on_delete=models.PROTECT, related_name="dossiers")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT, related_name="dossiers"
    )
    # The employer at the time of filing; routing to the county follows its registration county.
    unit = models.ForeignKey(Organization, verbose_name="推荐单位", on_delete=models.PROTECT, related_name="dossiers")
    level = models.CharField("申报级别", max_length=16, choices=Level.choices)
    kind = models.CharField("申报类型", max_length=16, choices=Kind.choices)
    serial_number = models.CharField("申报编号", max_length=32, unique=True)
    # The state is changed only by the actions of workflow.actions (states come from the round's policy).
    status = models.CharField("状态", max_length=32, default=DRAFT, db_index=True)
    submission_count = models.PositiveSmallIntegerField("提交次数", default=0)
    returned_by_level = models.CharField("退回层级", max_length=16, blank=True)
    return_deadline = models.DateTimeField("修改截止时间", null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Optimistic lock: bumped on every state change and every section save.
    version = models.PositiveIntegerField(default=1)
    public_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField("最近提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "申报材料"
        verbose_name_plural = "申报材料"
        ordering = ["-created_at"]
        indexes = [
            # The review queues (workflow.selectors.reviewer_queue): the scope is a set of units, the state a few
            # values, the order submission time then id. EXPLAIN (PostgreSQL 15, 20k dossiers, ANALYZE) showed
            # the unit index scanned and every state filtered out row by row (83 of 99 rows removed per unit),
            # then a sort of the whole scope (16,666 rows for the prefecture's every-state view).
            models.Index(fields=["unit", "status"], name="dossier_unit_status"),
            models.Index(fields=["submitted_at", "id"], name="dossier_queue_order"),
        ]
        constraints = [
            # Notice 四: one application per person per round (not one per level): the service explains it,
            # the constraint holds it when two requests race.
            models.UniqueConstraint(
                fields=["round", "applicant"],
                name="one_dossier_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.serial_number} {self.applicant}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves, and reports the move between tally cells in the same transaction (no code path can forget
        it). The old cell is read from the row under its lock, not from this instance: a stale instance
        would otherwise count a move that did not happen. Writes not touching a key field cost nothing more."""
        update_fields = kwargs.get("update_fields")
        written = (
            set(TALLY_FIELDS)
            if update_fields is None
            else {self._meta.get_field(name).name for name in update_fields} & set(TALLY_FIELDS)
        )
        if not written:
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            before = None if self.pk is None else _stored_tally_key(self.pk, using)
            super().save(*args, **kwargs)
            mine = self.tally_key()
            # Fields left out of update_fields keep what the row held.
            after = (
                mine
                if before is None
                else _key(*(mine[i] if f in written else before[i] for i, f in enumerate(TALLY_FIELDS)))
            )
            _report(before, after, using)

    def tally_key(self) -> TallyKey:
        return (self.round_id, self.unit_id, self.status, self.level, self.kind, self.submission_count > 0)

    @property
    def status_label(self) -> str:
        return self.round.policy.state_label(self.status)

    @property
    def level_label(self) -> str:
        return self.round.policy.level_label(self.level)

    @property
    def kind_label(self) -> str:
        return self.round.policy.kind_label(self.kind)

    @property
    def is_editable_by_applicant(self) -> bool:
        return self.status in EDITABLE_STATES

    @property
    def is_ended(self) -> bool:
        """Abandoned, ended by a return at the last submission, or cancelled: nothing more to submit."""
        return self.status in ENDED_STATES


def _key(round_id: Any, unit_id: Any, status: Any, level: Any, kind: Any, filed: Any) -> TallyKey:
    return (int(round_id), int(unit_id), str(status), str(level), str(kind), bool(filed))


def _stored_tally_key(pk: int, using: str) -> TallyKey | None:
    """The row's cell as stored, the row locked till the end of the transaction (None: no such row)."""
    row = (
        Dossier.objects.using(using)
        .select_for_update()
        .filter(pk=pk)
        .values_list("round_id", "unit_id", "status", "level", "kind", "submission_count")
        .first()
    )
    return None if row is None else _key(*row[:5], row[5] > 0)


def _report(before: TallyKey | None, after: TallyKey | None, using: str) -> None:
    """Tells the counts that one dossier left `before` and entered `after` (None: it did not exist)."""
    if before == after:
        return
    changes = {key: n for key, n in ((before, -1), (after, +1)) if key is not None}
    dossier_tally_changed.send(sender=Dossier, changes=changes, using=using)


@receiver(pre_delete, sender=Dossier)
def _tally_on_delete(sender: type[Dossier], instance: Dossier, using: str, **kwargs: Any) -> None:
    # pre_delete runs inside the deletion's transaction for Dossier.delete() and QuerySet.delete() alike.
    before = _stored_tally_key(instance.pk, using)
    _report(before, None, using)


class DossierSection(models.Model):
    """One of the 15 sections; `data` is the cleaned form data (dates as ISO strings)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dossier", "key"], name="one_row_per_section")]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.key}"


def attachment_upload_to(instance: Attachment | Dossier, filename: str) -> str:
    """attachments/<round>/<serial>/<random>.jpg; takes the dossier too, as uploads store the file first."""
    dossier = instance if isinstance(instance, Dossier) else instance.dossier
    return f"attachments/{dossier.round.slug}/{dossier.serial_number}/{uuid.uuid4().hex}.jpg"


class Attachment(models.Model):
    """An uploaded JPG, already checked, oriented, stripped of metadata and re-encoded."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    section = models.CharField("所属栏目", max_length=32)
    # What the document is (id_front, photo, diploma, title_certificate, ...): decides what the checks expect.
    doc_type = models.CharField("材料类型", max_length=32, blank=True)
    file = models.FileField(upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["section", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.section}/{self.original_name}"


class Submission(models.Model):
    """A frozen copy of the dossier at each submission, so every submission's content stays viewable."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveSmallIntegerField()
    snapshot = models.JSONField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "number"]
        constraints = [models.UniqueConstraint(fields=["dossier", "number"], name="one_snapshot_per_submission")]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.number}"
