from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "committee"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready (Django's rule for AppConfig.ready).
        from committee.stage import REQUIRED_STATES
        from rounds.policy import require_states

        # The committee's steps move dossiers into these states: every policy must define them.
        require_states("评审委员会", REQUIRED_STATES)
