"""单位层级: where an employer sits in the administrative hierarchy (notice 六(一): 县级以下基层单位)."""

from django.db import models


class UnitLevel(models.TextChoices):
    REGION = "region", "区级"
    PREFECTURE = "prefecture", "州级"
    COUNTY = "county", "县级"
    BELOW_COUNTY = "below_county", "县级以下"
