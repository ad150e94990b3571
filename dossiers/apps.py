from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = "申报材料"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready (Django's rule for AppConfig.ready).
        from dossiers.sections import SECTIONS
        from dossiers.states import REQUIRED_STATES
        from rounds.policy import declare_sections, require_states

        # A policy lacking a state the code names, or listing other sections than the code implements,
        # is refused at load and by the start-up check (rounds.checks), naming what is missing.
        require_states("申报材料与审核流程", REQUIRED_STATES)
        declare_sections(SECTIONS)
