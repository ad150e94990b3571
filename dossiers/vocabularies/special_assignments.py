"""特殊工作经历 that exempt from the defence (notice 六(一)), labelled in the notice's words."""

from django.db import models


class SpecialAssignment(models.TextChoices):
    FANGHUIJU_VILLAGE = "fanghuiju_village", "“访惠聚”驻村"
    TEMPLE_COMMITTEE = "temple_committee", "寺管会"
    SOUTH_PRESCHOOL_SUPPORT = "south_preschool_support", "南疆学前教育支教"
    INLAND_SERVICE = "inland_service", "内地服务管理"
    POOR_VILLAGE_FIRST_SECRETARY = "poor_village_first_secretary", "深度贫困村第一书记"


def assignment_phrase(value: str) -> str:
    """The assignment as a clause of a sentence, as the notice words it: 参加…工作, but 担任…第一书记."""
    if value not in SpecialAssignment.values:
        return value
    label = SpecialAssignment(value).label
    return f"担任{label}" if value == SpecialAssignment.POOR_VILLAGE_FIRST_SECRETARY else f"参加{label}工作"
