"""The code base stays lint-clean, formatted and type-clean: the same commands a developer runs by hand.

Each tool runs from the repository root with the interpreter running the tests (the project's venv), so the
configuration in pyproject.toml applies; a failure shows the tool's own report.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def _assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{' '.join(map(str, result.args[2:]))} failed:\n{result.stdout}\n{result.stderr}"


def test_ruff_check_is_clean() -> None:
    _assert_clean(_run("ruff", "check", "."))


def test_ruff_format_leaves_every_file_unchanged() -> None:
    _assert_clean(_run("ruff", "format", "--check", "."))


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_finds_no_type_errors() -> None:
    _assert_clean(_run("mypy", "."))
