"""单位性质: enterprises prove social insurance (notice 五(一)2) and are routed by registration place."""

from django.db import models


class UnitType(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INSTITUTION = "institution", "事业单位"
    GOVERNMENT = "government", "机关"
