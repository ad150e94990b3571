"""Deadline-day load on the production settings: gunicorn + PostgreSQL + Redis (huey queue and cache), loopback only.

    .venv/bin/python benchmarks/load/run.py [--users 50,200,500] [--duration 60] [--dossiers 10000]
        [--database-url postgres://postgres@127.0.0.1:5432/i14_scale_load] [--redis-url redis://127.0.0.1:6379/14]
        [--server-python /usr/bin/python3.11]

Recreates its own database, seeds the demo organisations and officers and `--dossiers` bulk dossiers
(benchmarks/seeding.py; every applicant's password hashed with the production hasher), flushes its own Redis
database number, collects static files, starts gunicorn with deploy/gunicorn.conf.py (`--workers`, 4
threads each) and one huey worker process on 127.0.0.1, then for each number of users runs locust headless
(benchmarks/load/locustfile.py: applicants and clerks, 9:1) for `--duration` seconds, and the bare view alone
at the same number of users for a third of that. At the end every dossier that was saved is read back from
PostgreSQL and compared with the last save the server answered 200 to: an older answered save (or nothing)
read back is a lost save; a save newer than the last answer was in flight when locust stopped (written, its
answer never read).
Locust runs on the same two cores as the server (its own CPU use is part of what the figures show).
`--server-python`: the interpreter the app servers and the worker run on (default: this one). Another one gets
a virtualenv of its own with requirements/base.txt (var/bench-venvs/, made once). The build matters: this
machine's pyenv CPython (shared library, no PGO/LTO) spends 20-30 % more CPU per request than Debian's
python3.11 (BENCHMARKS.md); production should run an optimised build (Debian's, the official Docker image).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
WORK = Path("/tmp/i14-load")
PY = Path(sys.executable)
BIN = PY.parent


def server_venv_bin(python: str) -> Path:
    """The bin directory of a virtualenv on `python` with the product's requirements (this process's own when
    `python` is the interpreter running this script); made, or brought up to date, once per requirements."""
    import hashlib
    import sysconfig

    target = Path(python).resolve()
    if target == PY.resolve() or str(target) == sysconfig.get_config_var("BINDIR"):
        return BIN
    requirements = (ROOT / "requirements" / "base.txt").read_bytes()
    digest = hashlib.sha256(str(target).encode() + requirements).hexdigest()[:12]
    venv = ROOT / "var" / "bench-venvs" / digest
    if not (venv / ".ready").exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([str(target), "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "-r", str(ROOT / "requirements" / "base.txt")], check=True)
        (venv / ".ready").write_text(str(target))
    return venv / "bin"


# A fixed piece of pure-Python work (dicts, objects, JSON), timed in the servers' interpreter: how fast this
# interpreter is on this box at this moment. Both vary (the build by 20-30 %, this shared box by up to 2x within
# an hour), so every report names it beside the figures it measured.
_CALIBRATION = """
import json, sys, time
def work():
    d = {str(i): [i, {"a": i}] for i in range(50000)}
    json.loads(json.dumps(d))
    class A:
        def __init__(self, x): self.x = x
        def g(self): return self.x + 1
    return sum(A(i).g() for i in range(100000))
best = min((lambda s: (work(), time.process_time() - s)[1])(time.process_time()) for _ in range(5))
print(sys.version.split()[0], sys.executable, f"calibration {best * 1000:.0f} ms CPU")
"""


def interpreter_line(bin_dir: Path) -> str:
    """Which CPython runs the servers and how fast it is on this box now (the calibration's CPU time)."""
    done = subprocess.run([str(bin_dir / "python"), "-c", _CALIBRATION], capture_output=True, text=True, check=True)
    return done.stdout.strip()


PASSWORD = "Demo@2023pass"
STATE_CYCLE = 12  # benchmarks.seeding.STATE_MIX: two drafts in every twelve dossiers


def _env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DJANGO_SECRET_KEY": "load-bench-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(WORK / "media"),
        "STATIC_ROOT": str(WORK / "static"),
        "SAVES_LOG": str(WORK / "saves.jsonl"),
        "LOAD_PASSWORD": PASSWORD,
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESSLOG": "",  # no access log: writing it would be part of the measure
        "PYTHONPATH": str(ROOT),
    }


def seed_database(database_url: str, redis_url: str, dossiers: int) -> str:
    """A fresh PostgreSQL database with the demo's organisations and `dossiers` bulk dossiers (every applicant's
    password PASSWORD, whose hash is returned), static files collected, our Redis database emptied. Django is
    set up here: DATABASE_URL must be in the environment first."""
    from benchmarks.pgdb import recreate_postgres_database  # before Django reads DATABASE_URL

    recreate_postgres_database(database_url)
    import django

    django.setup()
    import redis
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from benchmarks.seeding import analyze, grow_to, seed_base  # models: only after django.setup()

    redis.Redis.from_url(redis_url).flushdb()  # our own database number only
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seed_base(with_review_dossiers=False)
    hashed = make_password(PASSWORD)
    grow_to(dossiers, password_hash=hashed)
    analyze()
    return str(hashed)


def prepare(args: argparse.Namespace) -> dict[str, float]:
    """Seed (in this process, with the load settings) and measure the password hasher."""
    os.environ.update(_env(args))
    sys.path.insert(0, str(ROOT))
    hashed = seed_database(args.database_url, args.redis_url, args.dossiers)
    from django.contrib.auth.hashers import check_password, get_hasher

    started = time.perf_counter()
    for _ in range(5):
        check_password(PASSWORD, hashed)
    hasher = get_hasher()
    return {
        "hasher": hasher.algorithm,  # type: ignore[dict-item]
        "check_ms": (time.perf_counter() - started) / 5 * 1000,
        "params": str(hasher.safe_summary(hashed)),  # type: ignore[dict-item]
    }


def _wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server did not answer at {url}")


# The proxy block of deploy/Caddyfile without TLS and health checks: what stands between production's clients
# and its app servers (connection reuse to gunicorn, compression, the body limit), on loopback.
_CADDYFILE = """{
	admin off
	auto_https off
}
http://127.0.0.1:%(port)d {
	encode zstd gzip
	request_body {
		max_size 32MB
	}
	reverse_proxy 127.0.0.1:%(app_port)d {
		lb_policy least_conn
		transport http {
			keepalive 30s
		}
	}
}
"""


def _start_caddy(port: int, app_port: int) -> subprocess.Popen[bytes]:
    caddy = shutil.which("caddy")
    if caddy is None:
        raise SystemExit("--proxy needs caddy (apt-get install caddy; scripts/dev.py setup installs it)")
    config = WORK / "Caddyfile"
    config.write_text(_CADDYFILE % {"port": port, "app_port": app_port})
    return subprocess.Popen(
        [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
        env={**os.environ, "XDG_DATA_HOME": str(WORK / "caddy"), "XDG_CONFIG_HOME": str(WORK / "caddy")},
        stdout=subprocess.DEVNULL,
        stderr=open(WORK / "caddy.log", "w"),  # lives as long as the proxy
    )


def _locust(
    env: dict[str, str], host: str, users: int, seconds: int, classes: list[str], prefix: Path, rate: float = 0
) -> None:
    """locust headless; `rate`: users started per second (0: a tenth of them, at least 10: all in ~10 s)."""
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "benchmarks/load/locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(rate or max(10, users // 10)),
        "-t",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    env = {**env, "REQUESTS_LOG": f"{prefix}_requests.tsv"}
    subprocess.run(command, env=env, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _after_sign_in(prefix: Path) -> str:
    """The requests started after the last user's sign-in was answered (every user working, none signing in):
    count, p50/p95/p99 and requests/s, from the run's request log; '' without one."""
    log = Path(f"{prefix}_requests.tsv")
    if not log.exists():
        return ""
    rows = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    ended = [(float(at), name, float(ms)) for at, name, ms, _failed in rows]
    signed_in = max((at for at, name, _ms in ended if name == "login (POST)"), default=None)
    if signed_in is None:
        return ""
    start = min(at - ms / 1000 for at, _name, ms in ended)
    steady = [(at, ms) for at, _name, ms in ended if at - ms / 1000 >= signed_in]
    if not steady:
        return ""
    times = [ms for _at, ms in steady]
    span = max(at for at, _ms in steady) - signed_in
    p50, p95, p99 = (_percentile(times, q) for q in (0.5, 0.95, 0.99))
    return (
        f"after the last sign-in ({signed_in - start:.0f} s into the run): {len(times)} requests, "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, {len(times) / span:.1f} requests/s"
    )


_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu_seconds(root_pid: int) -> float:
    """CPU seconds (user + system) of a process, its live descendants and the children it has reaped
    (a recycled gunicorn worker's time stays in its master's cutime/cstime)."""
    stats: dict[int, tuple[int, float, float]] = {}  # pid → (parent, own seconds, reaped children's seconds)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        # After the command name: state, ppid, … utime (14th field of the line), stime, cutime, cstime.
        ppid, utime, stime, cutime, cstime = int(fields[1]), *(int(f) for f in fields[11:15])
        stats[int(entry.name)] = (ppid, (utime + stime) / _TICK, (cutime + cstime) / _TICK)
    if root_pid not in stats:
        return 0.0
    total, todo = stats[root_pid][1] + stats[root_pid][2], [root_pid]
    while todo:
        parent = todo.pop()
        for pid, (ppid, own, _reaped) in stats.items():
            if ppid == parent:
                total += own  # a live child's reaped children are in its own cutime only once it waits: rare
                todo.append(pid)
    return total


def _postmaster_pid() -> int:
    """The local PostgreSQL server's main process (its backends are its children), 0 when not found."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster") and (
                    entry / "stat"
                ).read_text().rsplit(")", 1)[1].split()[1] == "1":
                    return int(entry.name)
            except OSError:
                continue
    return 0


class CpuMeter:
    """CPU seconds spent by the app servers, the worker, PostgreSQL and locust during one step of users."""

    def __init__(self, server: int, worker: int, proxy: int = 0) -> None:
        self.pids = {"app servers (gunicorn)": server, "huey worker": worker, "PostgreSQL": _postmaster_pid()}
        if proxy:
            self.pids["Caddy"] = proxy

    def read(self) -> dict[str, float]:
        import resource

        found = {name: _tree_cpu_seconds(pid) for name, pid in self.pids.items() if pid}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        # locust runs to its end under subprocess.run: reaped, so its time is in this process's children's.
        found["locust"] = children.ru_utime + children.ru_stime
        return found


def _rows(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _lost_saves(args: argparse.Namespace) -> tuple[int, int, int]:
    """(saves answered 200, dossiers whose stored text is an older answered save or none at all — lost,
    dossiers whose stored text is a save never answered: in flight when locust stopped, written after all)."""
    from dossiers.models import DossierSection  # Django is set up by prepare()

    answered: dict[int, list[str]] = {}
    count = 0
    log = WORK / "saves.jsonl"
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        entry = json.loads(line)
        answered.setdefault(entry["dossier"], []).append(entry["text"])
        count += 1
    stored = dict(
        DossierSection.objects.filter(dossier_id__in=list(answered), key="work_summary").values_list(
            "dossier_id", "data__text"
        )
    )
    differs = [dossier for dossier, texts in answered.items() if stored.get(dossier) != texts[-1]]
    lost = sum(1 for dossier in differs if stored.get(dossier) is None or stored[dossier] in answered[dossier])
    return count, lost, len(differs) - lost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="50,200")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8114)
    parser.add_argument("--worker-nice", type=int, default=10, help="the huey worker's niceness (0: same as the web)")
    parser.add_argument(
        "--worker-idle", action="store_true", help="the huey worker under SCHED_IDLE: only CPU the web leaves idle"
    )
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=0,
        help="users started per second (default: a tenth of the users, at least 10, so all sign in within ~10 s)",
    )
    parser.add_argument(
        "--proxy",
        action="store_true",
        help="Caddy in front of gunicorn, as in production (deploy/Caddyfile's proxy settings, plain HTTP)",
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/i14_scale_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--server-python", default=sys.executable, help="the interpreter of the app servers and the worker"
    )
    parser.add_argument("--report-only", action="store_true", help="print the last run's figures again")
    args = parser.parse_args()
    users = [int(u) for u in args.users.split(",")]
    if args.report_only:
        os.environ.update(_env(args))
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        _print([(n, _rows(WORK / f"u{n}"), _rows(WORK / f"bare{n}")) for n in users], *_lost_saves(args))
        return
    if max(users) // 2 * STATE_CYCLE > args.dossiers:
        raise SystemExit("not enough draft dossiers for that many applicants: raise --dossiers")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    started = time.perf_counter()
    hasher = prepare(args)
    print(f"seeded {args.dossiers:,} dossiers in {time.perf_counter() - started:.0f} s")
    print(f"password hasher: {hasher['hasher']} {hasher['params']}: {hasher['check_ms']:.0f} ms per check")
    server_bin = server_venv_bin(args.server_python)
    print(f"servers run on: {interpreter_line(server_bin)}")
    app_port = args.port + 1 if args.proxy else args.port
    env = {**_env(args), "GUNICORN_BIND": f"127.0.0.1:{app_port}", "GUNICORN_WORKERS": str(args.workers)}
    host = f"http://127.0.0.1:{args.port}"
    proxy = _start_caddy(args.port, app_port) if args.proxy else None
    server = subprocess.Popen(
        [str(server_bin / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"), "config.wsgi:application"],
        env=env,
        cwd=ROOT,
        stderr=open(WORK / "gunicorn.log", "w"),  # noqa: SIM115 (lives as long as the server)
    )
    worker = subprocess.Popen(
        # Below the web servers in CPU priority (as deploy/systemd's worker unit): on a shared box a page waiting
        # for a core matters more than an OCR job finishing a second later; the queue drains after the peak.
        [
            *(["chrt", "--idle", "0"] if args.worker_idle else ["nice", "-n", str(args.worker_nice)]),
            str(server_bin / "python"),
            "manage.py",
            "run_huey",
            "--workers",
            "1",
            "--worker-type",
            "process",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(WORK / "huey.log", "w"),  # noqa: SIM115
    )
    try:
        _wait_up(f"{host}/bench/bare/")
        meter = CpuMeter(server.pid, worker.pid, proxy.pid if proxy else 0)
        for n in users:
            before, started = meter.read(), time.monotonic()
            _locust(env, host, n, args.duration, ["Applicant", "Clerk"], WORK / f"u{n}", args.spawn_rate)
            after, wall = meter.read(), time.monotonic() - started
            cpu = {name: after[name] - before.get(name, 0.0) for name in after}
            (WORK / f"cpu{n}.json").write_text(json.dumps({"wall": wall, "cpu": cpu}))
            _locust(env, host, n, max(15, args.duration // 3), ["Bare"], WORK / f"bare{n}")
    finally:
        processes = [p for p in (proxy, server, worker) if p is not None]
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()  # requests still queued at the end of the run: nobody waits for them now
    print(f"servers ran on: {interpreter_line(server_bin)} (after the run)")
    _print([(n, _rows(WORK / f"u{n}"), _rows(WORK / f"bare{n}")) for n in users], *_lost_saves(args))


def _print(
    report: list[tuple[int, list[dict[str, str]], list[dict[str, str]]]], saves: int, lost: int, in_flight: int
) -> None:
    print("\n| users | request | count | errors | p50 ms | p95 ms | p99 ms | req/s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n, rows, bare in report:
        for row in [*rows, *[r for r in bare if r["Name"] != "Aggregated"]]:
            name = "**all (applicants + clerks)**" if row["Name"] == "Aggregated" else row["Name"]
            print(
                f"| {n} | {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} "
                f"| {row['99%']} | {float(row['Requests/s']):.1f} |"
            )
    for n, rows, _bare in report:
        cpu_file = WORK / f"cpu{n}.json"
        if not cpu_file.exists():
            continue
        measured = json.loads(cpu_file.read_text())
        requests = sum(int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated")
        wall = measured["wall"]
        shares = ", ".join(f"{name} {sec:.1f} s ({sec / wall:.2f} cores)" for name, sec in measured["cpu"].items())
        app = measured["cpu"].get("app servers (gunicorn)", 0.0)
        per_request = f"; app servers {1000 * app / requests:.1f} ms of CPU per request" if requests else ""
        print(f"\n{n} users, CPU over {wall:.0f} s: {shares}{per_request}")
        if steady := _after_sign_in(WORK / f"u{n}"):
            print(f"{n} users, {steady}")
    print(
        f"\nsaves answered 200: {saves}; lost (an older answered save or nothing read back): {lost}; "
        f"newer than the last answer (in flight when locust stopped, written): {in_flight}"
    )


if __name__ == "__main__":
    main()
