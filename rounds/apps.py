from django.apps import AppConfig


class RoundsConfig(AppConfig):
    name = "rounds"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rounds import checks  # noqa: F401  (registers the policy check)
