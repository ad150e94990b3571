from django.apps import AppConfig


class RoundsConfig(AppConfig):
    name = "rounds"
    verbose_name = "评审批次"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: Django apps register checks and receivers at ready(), once every model is loaded.
        from rounds import checks  # noqa: F401  (registers the policy check)
