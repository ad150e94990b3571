"""The expert pool (评审专家库), declared conflicts, and the recorded random draws of the committee and its
review groups (人社部令第40号: experts drawn at random from the database; review groups of 3 or more)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Organization
from dossiers.models import Dossier
from rounds.models import Round


class Expert(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "在库可抽取"
        SUSPENDED = "suspended", "暂停抽取"
        RETIRED = "retired", "已出库"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_profile")
    title = models.CharField("职称", max_length=64)
    specialty = models.CharField("专业", max_length=64)
    # The expert's own employer: dossiers of this unit are never theirs to review (recusal).
    unit = models.ForeignKey(
        Organization, verbose_name="工作单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization_name = models.CharField("单位名称（库外单位）", max_length=128, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评审专家"
        verbose_name_plural = "评审专家库"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.title}"


class ExpertConflict(models.Model):
    """A declared conflict (亲属关系, 同一项目…): the expert never reviews that person's dossier."""

    class Kind(models.TextChoices):
        RELATIVE = "relative", "近亲属"
        SAME_PROJECT = "same_project", "同一项目组"
        OTHER = "other", "其他利害关系"

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    # By ID number, so a conflict declared once holds for the person in every round.
    id_number = models.CharField("申报人身份证号码", max_length=18, db_index=True)
    kind = models.CharField("回避事由", max_length=16, choices=Kind.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "回避申报"
        verbose_name_plural = "回避申报"
        constraints = [models.UniqueConstraint(fields=["expert", "id_number"], name="one_conflict_per_person")]

    def __str__(self) -> str:
        return f"{self.expert_id} ↔ {self.id_number}"


class Draw(models.Model):
    """One random draw, recorded so anyone can replay it: the seed, the ordered candidate list as it stood,
    who was drawn and who was skipped and why. `random.Random(seed)` over `candidates` gives `drawn`."""

    class Purpose(models.TextChoices):
        COMMITTEE = "committee", "抽取评审委员会"
        GROUP = "group", "抽取评议组"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="draws")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    seed = models.CharField("随机种子", max_length=64)
    size = models.PositiveSmallIntegerField("抽取人数")
    # [expert id, ...] in the canonical order the shuffle starts from (ascending id).
    candidates = models.JSONField("候选专家")
    drawn = models.JSONField("抽中专家")
    # [{"expert": id, "reason": "…"}] in the order they came up.
    skipped = models.JSONField("回避跳过", default=list)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "随机抽取记录"
        verbose_name_plural = "随机抽取记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.round_id} seed={self.seed}"


class CommitteeMember(models.Model):
    """A member of a round's committee (from a committee draw); the quorum counts these."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="committee_members")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="memberships")
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="members")

    class Meta:
        verbose_name = "评审委员会成员"
        verbose_name_plural = "评审委员会成员"
        constraints = [models.UniqueConstraint(fields=["round", "expert"], name="one_membership_per_round")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.expert_id}"


class ReviewGroup(models.Model):
    """A review group (评议组): ≥ group_min members drawn from the committee, reviewing these dossiers."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="review_groups")
    name = models.CharField("评议组", max_length=64)
    draw = models.OneToOneField(Draw, on_delete=models.PROTECT, related_name="group")
    members = models.ManyToManyField(Expert, related_name="review_groups")
    dossiers = models.ManyToManyField(Dossier, related_name="review_groups")

    class Meta:
        verbose_name = "评议组"
        verbose_name_plural = "评议组"
        ordering = ["round", "name"]

    def __str__(self) -> str:
        return self.name
