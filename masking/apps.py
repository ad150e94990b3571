from django.apps import AppConfig


class MaskingConfig(AppConfig):
    name = "masking"
    verbose_name = "姓名遮盖"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from masking import (
            receivers,  # noqa: F401  (connects the attachment signal receivers)
            tasks,  # noqa: F401  (registers the huey task with the consumer)
        )
