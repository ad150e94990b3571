"""Start-up check: every policy file in POLICY_DIR must validate, or the platform refuses to start."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register

from rounds.policy import PolicyError, load_policy_file


@register()
def check_policy_files(app_configs, **kwargs):
    errors = []
    for path in sorted(Path(settings.POLICY_DIR).glob("*.yaml")):
        try:
            load_policy_file(path)
        except PolicyError as exc:
            errors.append(Error(f"策略文件无效：{exc.message}", obj=str(path), id="rounds.E001"))
    return errors
