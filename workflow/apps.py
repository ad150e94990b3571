from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "逐级审核"

    def ready(self) -> None:
        from rounds.policy import register_block_validator
        from workflow import (
            notifications,  # noqa: F401  (connects the transition receivers)
            tallies,  # noqa: F401  (keeps the dossier counts with every dossier write)
        )
        from workflow.policy_checks import validate_workflow_block

        register_block_validator(validate_workflow_block)
