"""继续教育科目类别 (notice 五(一)12)."""

from django.db import models


class CeSubject(models.TextChoices):
    PUBLIC = "public", "公需科目"
    PROFESSIONAL = "professional", "专业科目"
