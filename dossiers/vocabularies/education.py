"""学历 (notice 五(一)3), lowest first: the order is the rank (education rows are filled from low to high)."""

from django.db import models


class Education(models.TextChoices):
    SECONDARY = "secondary", "中专/高中"
    ASSOCIATE = "associate", "大专"
    BACHELOR = "bachelor", "大学本科"
    MASTER = "master", "硕士研究生"
    DOCTORATE = "doctorate", "博士研究生"


EDUCATION_RANK = {value: rank for rank, value in enumerate(Education.values)}
