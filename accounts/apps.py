from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与组织"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the failed-sign-in counter of the per-address brake.
        # Connects the receivers that forget a cached signed-in user after it changes, and declares its key
        # prefix to core.cache (a restore forgets every entry under it, in any process).
        from accounts import (
            backends,  # noqa: F401
            throttle,  # noqa: F401
        )
