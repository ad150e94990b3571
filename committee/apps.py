from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "committee"
    default_auto_field = "django.db.models.BigAutoField"
