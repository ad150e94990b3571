"""Benchmark: 申报人员花名册 (annex 5) for a large round, through the real `export_roster` command.

    .venv/bin/python benchmarks/roster_bench.py [--rows 20000]

Seeds a throw-away SQLite database (in a temporary folder) with the demo organisation tree, the real
bz-2023-highway round and N dossiers at 评审委员会已接收材料 (status written directly: seeding 20,000
dossiers through every review step would benchmark the workflow, not the roster), then runs
`manage.py export_roster --round bz-2023-highway --out FILE.xlsx` as a child process and reports its
wall time and peak resident memory (getrusage of the child), and checks the file has N data rows.
Targets (issue 5): 20,000 rows in under 10 s and under 200 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 10.0
TARGET_MB = 200.0


def seed(rows: int) -> str:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import Organization, User
    from demo.setup import seed_organizations
    from dossiers.models import Dossier, DossierSection
    from dossiers.states import COMMITTEE_RECEIVED
    from rounds.services import rounds_load_all

    seed_organizations()
    round_ = next(r for r in rounds_load_all() if r.slug == "bz-2023-highway")
    units = list(Organization.objects.filter(kind=Organization.Kind.UNIT).order_by("code"))
    users = User.objects.bulk_create(
        [User(username=f"bench{i:06d}", full_name=f"申报人{i}", password="!") for i in range(rows)], batch_size=2000
    )
    kinds = [
        ("junior", "initial"),
        ("junior", "evaluation"),
        ("mid", "initial"),
        ("mid", "conferral"),
        ("mid", "evaluation"),
    ]
    dossiers = Dossier.objects.bulk_create(
        [
            Dossier(
                round=round_,
                applicant=user,
                unit=units[i % len(units)],
                level=kinds[i % len(kinds)][0],
                kind=kinds[i % len(kinds)][1],
                serial_number=f"BZ2023-{i:06d}",
                status=COMMITTEE_RECEIVED,
                submission_count=1,
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    sections = []
    for i, dossier in enumerate(dossiers):
        sections.append(
            DossierSection(
                dossier=dossier,
                key="basic_info",
                data={
                    "name": f"申报人{i}",
                    "sex": "男" if i % 2 else "女",
                    "ethnicity": "汉族" if i % 3 else "维吾尔族",
                    "political_status": "中共党员" if i % 4 else "群众",
                    "id_number": f"652801{1980 + i % 20}0101{i % 10000:04d}",
                    "birth_date": f"{1980 + i % 20}-01-01",
                    "phone": "13800000000",
                },
            )
        )
        sections.append(
            DossierSection(
                dossier=dossier,
                key="current_title",
                data={"has_title": True, "title_name": "助理工程师", "level": "junior", "obtained": "2018-12-20"},
            )
        )
    DossierSection.objects.bulk_create(sections, batch_size=4000)
    return round_.slug


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "DJANGO_DEBUG": "false",
        }
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        started = time.perf_counter()
        slug = seed(args.rows)
        print(f"seeded {args.rows} dossiers in {time.perf_counter() - started:.1f} s")

        out = Path(tmp) / "roster.xlsx"
        command = [sys.executable, "manage.py", "export_roster", "--round", slug, "--out", str(out)]
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KiB

        from openpyxl import load_workbook

        sheet = load_workbook(out, read_only=True).active
        data_rows = sum(1 for _ in sheet.iter_rows(min_row=3, values_only=True))
        print(f"command: {' '.join(command[1:])}")
        print(f"rows written: {data_rows} (file {out.stat().st_size / 1e6:.1f} MB)")
        time_verdict = "met" if seconds < TARGET_SECONDS else "MISSED"
        memory_verdict = "met" if peak_mb < TARGET_MB else "MISSED"
        print(f"wall time: {seconds:.2f} s (target < {TARGET_SECONDS:.0f} s) — {time_verdict}")
        print(f"peak RSS: {peak_mb:.0f} MB (target < {TARGET_MB:.0f} MB) — {memory_verdict}")
        if data_rows != args.rows:
            sys.exit(f"expected {args.rows} rows, found {data_rows}")


if __name__ == "__main__":
    main()
