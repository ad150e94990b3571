"""deploy/systemd/ for a multi-machine install: the units parse (systemd's own `systemd-analyze verify` with
the install path /opt/titles pointed at this checkout), every command they start exists here, and every
variable they and the Caddyfile read is in deploy/env.example, the file the install copies to
/etc/titles/titles.env."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALL = "/opt/titles"  # where the units expect the checkout (README, "Production layout")
ENV_FILE = "/etc/titles/titles.env"
SERVICES = ["titles-web@.service", "titles-worker@.service", "titles-migrate.service"]
# The Caddyfile's placeholders only scripts/layout.py sets (a real install keeps their defaults).
LOCAL_RUN_ONLY = {"CADDY_ADMIN", "CADDY_HTTP_PORT", "CADDY_HTTPS_PORT", "CADDY_DEFAULT_BIND"}


def _unit(path: Path) -> dict[str, list[str]]:
    """key → values in order (systemd allows a key several times, e.g. ExecStart of a oneshot)."""
    entries: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            entries.setdefault(key.strip(), []).append(value.strip())
    return entries


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value.strip('"')
    return values


def _all_units() -> dict[str, dict[str, list[str]]]:
    units = {name: _unit(UNITS / name) for name in SERVICES}
    units["caddy.service.d/titles.conf"] = _unit(UNITS / "caddy.service.d" / "titles.conf")
    return units


def _local(path: str) -> Path:
    """A path of the install as it is in this checkout."""
    return ROOT / path.removeprefix(INSTALL + "/") if path.startswith(INSTALL) else Path(path)


def test_every_command_the_units_start_exists_in_the_project():
    commands = get_commands()
    for name, unit in _all_units().items():
        starts = [v for key in ("ExecStart", "ExecReload") for v in unit.get(key, []) if v]
        assert starts, name
        for line in starts:
            argv = shlex.split(line.replace("$MAINPID", "1"))
            program = _local(argv[0])
            if argv[0].startswith(INSTALL):
                assert program.exists(), f"{name}: {argv[0]} is not in the project's venv"
            elif not program.exists():
                pytest.skip(f"{argv[0]} is not installed here (scripts/dev.py installs caddy)")
            if "manage.py" in argv:
                command = argv[argv.index("manage.py") + 1]
                assert command in commands, f"{name}: manage.py has no command {command!r}"
            for option in ("-c", "--config"):
                if option in argv:
                    assert _local(argv[argv.index(option) + 1]).exists(), f"{name}: {line}"
            if argv[0].endswith("gunicorn"):
                assert argv[-1] == "config.wsgi:application" and (ROOT / "config" / "wsgi.py").exists()
        if name.startswith("titles-"):
            assert unit["WorkingDirectory"] == [INSTALL]
            assert "Environment" in unit and "DJANGO_SETTINGS_MODULE=config.settings.production" in unit["Environment"]
        assert unit["EnvironmentFile"] == [ENV_FILE], name
    assert "GUNICORN_BIND=0.0.0.0:%i" in _all_units()["titles-web@.service"]["Environment"]


def test_env_example_holds_every_variable_the_units_and_the_caddyfile_read():
    keys = set(_env_example())
    lines = (ROOT / "deploy" / "Caddyfile").read_text().splitlines()
    caddyfile = "\n".join(line for line in lines if not line.strip().startswith("#"))
    placeholders = set(re.findall(r"\{\$([A-Z_]+)", caddyfile)) - LOCAL_RUN_ONLY
    assert {"SITE_DOMAIN", "WEB_UPSTREAMS", "FILES_DOMAIN", "FILES_UPSTREAM"} <= placeholders
    assert placeholders <= keys, placeholders - keys
    # What compose.yaml sets for its containers itself, a systemd install finds in the env file.
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    for service in ("web1", "worker", "caddy"):
        set_by_compose = set(compose["services"][service].get("environment", {}))
        assert set_by_compose <= keys, (service, set_by_compose - keys)
    # config/settings/production.py refuses to start without these.
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= keys


def test_the_caddyfile_adapts_with_the_env_example_values():
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed (scripts/dev.py installs it)")
    values = _env_example()
    adapted = subprocess.run(
        ["caddy", "adapt", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **values},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    config = json.loads(adapted.stdout)
    dials = re.findall(r'"dial":\s*"([^"]+)"', json.dumps(config))
    assert sorted(dials) == sorted([*values["WEB_UPSTREAMS"].split(), values["FILES_UPSTREAM"]])
    hosts = {
        host
        for server in config["apps"]["http"]["servers"].values()
        for route in server["routes"]
        for match in route.get("match", [])
        for host in match.get("host", [])
    }
    assert hosts == {values["SITE_DOMAIN"], values["FILES_DOMAIN"]}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path):
    """systemd's own parser, with the install path pointed at this checkout so that it checks the commands."""
    for source in [*(UNITS / name for name in SERVICES), UNITS / "caddy.service.d" / "titles.conf"]:
        target = tmp_path / source.relative_to(UNITS)
        target.parent.mkdir(exist_ok=True)
        target.write_text(source.read_text().replace(INSTALL, str(ROOT)))
    units = ["titles-web@8001.service", "titles-worker@1.service", "titles-migrate.service"]
    debian_caddy = Path("/lib/systemd/system/caddy.service")
    if debian_caddy.exists():  # the drop-in is verified on top of Debian's unit
        shutil.copy(debian_caddy, tmp_path / "caddy.service")
        units.append("caddy.service")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Any remark (unknown key, bad value, missing command) fails, not only the errors verify exits 1 for.
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
