"""现任专业技术资格等级 (notice 五(一)4): the title an applicant already holds."""

from django.db import models


class TitleLevel(models.TextChoices):
    TECHNICIAN = "technician", "技术员"
    JUNIOR = "junior", "助理工程师（初级）"
    MID = "mid", "工程师（中级）"
