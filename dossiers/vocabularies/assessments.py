"""年度考核结果 (notice 五(一)10)."""

from django.db import models


class AssessmentResult(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    PASS = "pass", "合格"
    BASIC_PASS = "basic_pass", "基本合格"
    FAIL = "fail", "不合格"
