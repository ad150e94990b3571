from __future__ import annotations

from functools import cached_property

from django.db import models

from rounds.fields import OrderedJSONField
from rounds.policy import Policy


class Round(models.Model):
    """An evaluation round (评审年度); everything it decides lives in its versioned policy."""

    slug = models.SlugField("标识", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    year = models.PositiveIntegerField("年度")
    # Text, not jsonb: the policy's key order is meaning (see rounds.fields).
    policy_data = OrderedJSONField("策略")
    policy_version = models.PositiveIntegerField("策略版本")
    policy_sha256 = models.CharField("策略文件校验值", max_length=64)
    source_file = models.CharField("策略文件", max_length=255, blank=True)
    is_demo = models.BooleanField("演示批次", default=False)
    loaded_at = models.DateTimeField("载入时间", auto_now=True)

    class Meta:
        verbose_name = "评审批次"
        verbose_name_plural = "评审批次"
        ordering = ["-year", "slug"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def policy(self) -> Policy:
        return Policy(self.policy_data)

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("policy", None)
        return super().refresh_from_db(*args, **kwargs)
