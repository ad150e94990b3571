from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dossiers.models import Dossier


class Transition(models.Model):
    """The audit row of every dossier state change: who, when, from, to, why, which submission."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32)
    to_state = models.CharField(max_length=32)
    # Reasons for a return, per section: [{"section": key, "reason": text}, ...]; free text under "note".
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    submission_number = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.from_state} → {self.to_state} ({self.action})"

    @property
    def from_label(self) -> str:
        return self.dossier.round.policy.state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return self.dossier.round.policy.state_label(self.to_state)

    @property
    def action_label(self) -> str:
        for rule in self.dossier.round.policy.workflow["transitions"]:
            if rule["action"] == self.action:
                return str(rule["label"])
        return self.action


class DossierTally(models.Model):
    """How many dossiers stand in one cell (round, unit, state, level, kind, ever submitted), kept exact in the
    transaction of every write that creates, deletes or re-keys a dossier (Dossier.save / delete report it,
    workflow.tallies adds it up), so the queues' counts and the statistics read a few cells per unit instead
    of every dossier of the scope. bulk_create and QuerySet.update bypass Dossier.save: after them,
    `workflow.tallies.recount_tallies()` (`manage.py recount_tallies`) rebuilds the table. A cell that
    emptied stays at 0."""

    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=32)
    level = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)
    # Submitted at least once (submission_count > 0): the review scopes leave out the never submitted.
    filed = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "申报计数"
        verbose_name_plural = "申报计数"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit", "status", "level", "kind", "filed"], name="one_tally_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_id}/{self.status}/{self.level}/{self.kind}/{self.filed}: {self.n}"


class Publicity(models.Model):
    """A unit's internal publicity (单位内部公示, notice 五(二)) of one or more dossiers.

    It lasts at least the policy's working days (Chinese calendar); recommendation waits for its end.
    Its result (objections or none) is recorded once it has ended.
    """

    class Result(models.TextChoices):
        PENDING = "pending", "公示中"
        NO_OBJECTION = "no_objection", "公示无异议"
        OBJECTION_UNFOUNDED = "objection_unfounded", "有异议，经核实不影响推荐"
        OBJECTION_UPHELD = "objection_upheld", "有异议，经核实异议成立"

    round = models.ForeignKey("rounds.Round", on_delete=models.PROTECT, related_name="publicities")
    unit = models.ForeignKey(
        "accounts.Organization", verbose_name="推荐单位", on_delete=models.PROTECT, related_name="publicities"
    )
    dossiers = models.ManyToManyField(Dossier, related_name="publicities", verbose_name="公示的申报")
    start = models.DateField("公示开始日期")
    end = models.DateField("公示结束日期")
    working_days = models.PositiveSmallIntegerField("公示工作日数")
    contact = models.CharField("联系人及电话", max_length=128)
    objections = models.TextField("异议情况", blank=True)
    result = models.CharField("公示结果", max_length=32, choices=Result.choices, default=Result.PENDING)
    result_recorded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "推荐单位公示"
        verbose_name_plural = "推荐单位公示"
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} {self.start:%Y-%m-%d}—{self.end:%Y-%m-%d}"

    def has_ended(self, today) -> bool:
        return today > self.end

    @property
    def allows_recommendation(self) -> bool:
        return self.result in (self.Result.NO_OBJECTION, self.Result.OBJECTION_UNFOUNDED)


class Notification(models.Model):
    """An in-app message to one person (also e-mailed when they have an address)."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", "状态变更"
        RETURNED = "returned", "退回修改"
        REMINDER = "reminder", "修改截止提醒"
        ABANDONED = "abandoned", "视为放弃"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TRANSITION)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=255, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"


class OutboxMessage(models.Model):
    """A side effect (a transition's notifications, an e-mail, a text message) written in the same transaction as the
    change that causes it, delivered after the commit and retried until delivered (workflow/outbox.py):
    a crash after the commit delays a message, never loses it."""

    class Topic(models.TextChoices):
        TRANSITION = "transition", "状态变更通知"
        EMAIL = "email", "邮件"
        SMS = "sms", "短信"

    topic = models.CharField(max_length=16, choices=Topic.choices)
    # What the message is about ("transition:12", "notification:40"): one message per key and topic.
    key = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not before: the retry back-off, and the claim of a deliverer at work (a crashed one's claim runs out).
    available_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "待发送消息"
        verbose_name_plural = "待发送消息"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["topic", "key"], name="one_outbox_message_per_key")]
        indexes = [models.Index(fields=["delivered_at", "available_at"])]

    def __str__(self) -> str:
        return self.key


class AttachmentCheck(models.Model):
    """A reviewer's tick on one attachment of a dossier they review (the per-attachment checklist)."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachment_checks", verbose_name="审核人"
    )
    attachment = models.ForeignKey(
        "dossiers.Attachment", on_delete=models.CASCADE, related_name="checks", verbose_name="附件"
    )
    checked_at = models.DateTimeField("核对时间", auto_now=True)

    class Meta:
        verbose_name = "附件核对记录"
        verbose_name_plural = "附件核对记录"
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "attachment"], name="one_check_per_reviewer_attachment")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} ✓ {self.attachment_id}"
