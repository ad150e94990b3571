from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the platform: health check, backup and restore (the top floor: it reads every app through the
    app registry and imports none of them)."""

    name = "ops"
    verbose_name = "运维"
