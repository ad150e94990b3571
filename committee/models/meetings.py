"""The committee meeting (人社部令第40号): attendance, the secret ballot, the count, sealed minutes.

Secrecy by construction: a `Ballot` holds only the meeting, the dossier and the choice. Its key is a random
UUID (no sequence), it has no timestamp and no voter; that an expert voted is a separate `BallotCast` row,
so nothing in the database links a choice to a person.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models

from committee.models.experts import Expert
from core.errors import RecordSealed
from dossiers.models import Dossier
from rounds.models import Round


class Meeting(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField("会议日期")
    place = models.CharField("会议地点", max_length=200)
    # Set when attendance met the quorum and voting began; attendance is frozen from then on.
    voting_opened_at = models.DateTimeField("开始表决时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评审会议"
        verbose_name_plural = "评审会议"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.place}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField("出席")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "出席记录"
        verbose_name_plural = "出席记录"
        constraints = [models.UniqueConstraint(fields=["meeting", "expert"], name="one_attendance_per_expert")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.expert_id} {'出席' if self.present else '缺席'}"


class MeetingItem(models.Model):
    """A dossier on the meeting's agenda; voting on it is open between `opened_at` and the count."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="meeting_items")
    opened_at = models.DateTimeField("开始表决", null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "dossier"], name="one_item_per_dossier")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.dossier_id}"


class Ballot(models.Model):
    class Choice(models.TextChoices):
        YES = "yes", "同意"
        NO = "no", "不同意"
        ABSTAIN = "abstain", "弃权"

    # Random key: row order and key reveal nothing about who voted when.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)

    class Meta:
        verbose_name = "选票"
        verbose_name_plural = "选票"

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.dossier_id}"


class BallotCast(models.Model):
    """That an expert voted on a dossier (one vote each; no time, no choice)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "dossier", "expert"], name="one_vote_per_expert_dossier")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.dossier_id}:{self.expert_id}"


class VoteCount(models.Model):
    """The count of one dossier's ballots; once it exists the vote on that dossier is closed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="counts")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="vote_counts")
    present = models.PositiveSmallIntegerField("出席专家数")
    yes = models.PositiveSmallIntegerField("同意")
    no = models.PositiveSmallIntegerField("不同意")
    abstain = models.PositiveSmallIntegerField("弃权")
    passed = models.BooleanField("通过")
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    counted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "计票结果"
        verbose_name_plural = "计票结果"
        constraints = [models.UniqueConstraint(fields=["meeting", "dossier"], name="one_count_per_dossier")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.yes}/{self.present}"


def content_digest(content: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the minutes (sorted keys, no whitespace variance)."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Minutes(models.Model):
    """The meeting's minutes, sealed: content and its sha256 never change after `sealed_at`.
    A correction is a new record pointing at the one it corrects."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    content = models.JSONField("会议纪要")
    sha256 = models.CharField(max_length=64)
    corrects = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="correction")
    correction_reason = models.TextField("更正原因", blank=True)
    sealed_at = models.DateTimeField("封存时间")
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "会议纪要"
        verbose_name_plural = "会议纪要"
        ordering = ["meeting", "sealed_at", "id"]

    def __str__(self) -> str:
        return f"纪要 {self.meeting_id} {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Written once: any later save of an existing row is an edit of sealed minutes.
        if self.pk is not None and Minutes.objects.filter(pk=self.pk).exists():
            raise RecordSealed("会议纪要已封存，不能修改；如需更正，请另行生成更正纪要。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RecordSealed("会议纪要已封存，不能删除。")

    @property
    def intact(self) -> bool:
        return content_digest(self.content) == self.sha256
