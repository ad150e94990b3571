from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "eligibility"
    verbose_name = "申报资格"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: registered at ready(), once every app's models are loaded.
        from eligibility.rules.parameters import validate_eligibility_block
        from rounds.policy import register_block_validator

        # A round whose `eligibility:` block is malformed is refused at load, naming the field.
        register_block_validator(validate_eligibility_block)
