from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo set-up, sample dossiers and the masking corpus: used by `seed_demo`, tests and benchmarks only.

    Nothing in the product imports it. Its dossiers follow the chain of the policy it copies (BASE_ROUND)."""

    name = "demo"
    verbose_name = "演示数据"
