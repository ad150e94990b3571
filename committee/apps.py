from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "committee"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: selectors import models, which the app registry forbids before ready().
        from committee.selectors import is_assigned_expert
        from masking.selectors import register_masked_reader

        # Masking serves files below committee; it learns here who may receive masked copies only.
        register_masked_reader(is_assigned_expert)
