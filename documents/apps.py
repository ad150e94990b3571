from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "文件与打印"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready (Django's rule for AppConfig.ready).
        from documents.selectors import PASSED_STATES
        from rounds.policy import require_states

        # The roster's 是否通过 column reads these states: every policy must define them.
        require_states("花名册“是否通过”", PASSED_STATES)
