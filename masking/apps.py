from django.apps import AppConfig


class MaskingConfig(AppConfig):
    name = "masking"
    verbose_name = "姓名遮盖"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: these import models, which the app registry forbids before ready().
        from dossiers.selectors import register_section_check
        from masking import (
            receivers,  # noqa: F401  (connects the attachment signal receivers)
            tasks,  # noqa: F401  (registers the huey task with the consumer)
        )
        from masking.selectors import masking_missing

        # Section 15 (姓名遮盖) of a dossier is complete when masking says so; dossiers never imports masking.
        register_section_check("masking", masking_missing)
