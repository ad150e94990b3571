"""Benchmark: what every page and API list of every role costs as the number of dossiers grows.

    .venv/bin/python benchmarks/scale_bench.py [--sizes 1000,10000,100000] [--repeat 5]
        [--database-url postgres://postgres@127.0.0.1:5432/i14_scale_bench] [--json out.json]

Recreates its own PostgreSQL database, runs the demo set-up (dossiers built through the services, for
realistic pages), then for each size adds bulk dossiers (`benchmarks/seeding.py`: spread over 202 units in
nine counties and every state, with floors: the first 800 fill the demo expert's assignments, the demo unit's,
county's and prefecture's queues and the committee board, so every list page is as full at 1k as at 100k and
the ratio compares like with like), runs VACUUM ANALYZE, and requests every page of the table below with Django's test
client as the role's demo user: one warm-up, then `--repeat` timed requests (median wall time, in this
process: URL resolution, middleware, session, view, SQL, template) and the SQL query count of one request
(an execute wrapper on the connection). A bare Django view and the same view with one query are measured in the same run
as the floor. Targets (issue 14): every page ≤ 150 ms and ≤ 25 queries at 100k; 100k / 1k time ≤ 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/i14_scale_bench"
TARGET_MS = 150.0
TARGET_QUERIES = 25
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class Page:
    role: str  # the demo user who opens it ("" = anonymous)
    label: str
    url: Callable[[dict[str, Any]], str]  # from the ids of the demo objects to the address


def _pages() -> list[Page]:
    def fixed(address: str) -> Callable[[dict[str, Any]], str]:
        return lambda ids: address

    return [
        Page("", "bare view (floor)", fixed("/bench/bare/")),
        Page("", "bare view + 1 query", fixed("/bench/bare-query/")),
        Page("", "login page", fixed("/accounts/login/")),
        Page("", "public: home", fixed("/")),
        Page("demo_applicant3", "applicant: home", fixed("/")),
        Page("demo_applicant3", "applicant: my dossiers", fixed("/dossiers/")),
        Page("demo_applicant3", "applicant: dossier page", lambda ids: f"/dossiers/{ids['submitted']}/"),
        Page("demo_applicant7", "applicant: section form", lambda ids: f"/dossiers/{ids['returned']}/sections/papers/"),
        Page("demo_applicant7", "applicant: completeness", lambda ids: f"/dossiers/{ids['returned']}/completeness/"),
        Page("demo_applicant3", "applicant: masking page", lambda ids: f"/masking/dossiers/{ids['submitted']}/"),
        Page("demo_applicant3", "applicant: notifications", fixed("/review/notifications/")),
        Page("demo_applicant3", "API applicant: dossiers", fixed("/api/dossiers/")),
        Page("demo_applicant3", "API applicant: dossier", lambda ids: f"/api/dossiers/{ids['submitted']}"),
        Page("demo_applicant3", "API applicant: notifications", fixed("/api/workflow/notifications")),
        Page(
            "demo_applicant3",
            "API applicant: history",
            lambda ids: f"/api/workflow/dossiers/{ids['submitted']}/history",
        ),
        Page(
            "demo_applicant3",
            "API applicant: masking list",
            lambda ids: f"/api/masking/dossiers/{ids['submitted']}/attachments",
        ),
        Page(
            "demo_applicant3",
            "API applicant: eligibility",
            lambda ids: f"/api/eligibility/dossiers/{ids['submitted']}",
        ),
        Page("demo_unit", "unit: queue", fixed("/review/")),
        Page("demo_unit", "unit: queue, all states", fixed("/review/?all=1")),
        Page("demo_unit", "unit: dossier review", lambda ids: f"/review/dossier/{ids['submitted']}/"),
        Page("demo_unit", "unit: publicities", fixed("/review/publicity/")),
        Page("demo_unit", "unit: publicity page", lambda ids: f"/review/publicity/{ids['publicity']}/"),
        Page("demo_unit", "unit: submissions", lambda ids: f"/review/dossier/{ids['submitted']}/submissions/"),
        Page("demo_unit", "unit: notifications", fixed("/review/notifications/")),
        Page("demo_unit", "API unit: queue", fixed("/api/workflow/queue")),
        Page("demo_county", "county: queue", fixed("/review/")),
        Page("demo_county", "county: queue, ≤ 3 days left", fixed("/review/?days_left=3&all=1")),
        Page("demo_county", "county: dossier review", lambda ids: f"/review/dossier/{ids['recommended']}/"),
        Page("demo_county", "API county: queue", fixed("/api/workflow/queue")),
        Page("demo_prefecture", "prefecture: queue", fixed("/review/")),
        Page("demo_prefecture", "prefecture: queue, all states", fixed("/review/?all=1")),
        Page("demo_prefecture", "prefecture: dossier review", lambda ids: f"/review/dossier/{ids['prefecture']}/"),
        Page(
            "demo_prefecture",
            "prefecture: masking decisions",
            lambda ids: f"/masking/office/dossiers/{ids['received']}/",
        ),
        Page("demo_prefecture", "prefecture: roster page", fixed("/documents/roster/")),
        Page("demo_prefecture", "prefecture: batch ZIPs page", fixed("/documents/batches/")),
        Page("demo_prefecture", "API prefecture: queue", fixed("/api/workflow/queue")),
        Page("demo_prefecture", "API prefecture: queue, all states", fixed("/api/workflow/queue?all=true")),
        # The committee office's pages on the round holding the bulk dossiers (its board grows with them).
        Page("demo_prefecture", "office: rounds", fixed("/committee/office/")),
        Page("demo_prefecture", "office: board", lambda ids: f"/committee/office/{ids['round']}/"),
        # A deep page that exists at every size: the seeding's floors give the board 8+ pages at 1k.
        Page("demo_prefecture", "office: board, page 5", lambda ids: f"/committee/office/{ids['round']}/?page=5"),
        Page(
            "demo_prefecture",
            "office: board, one step",
            lambda ids: f"/committee/office/{ids['round']}/?step=待收纸质评审表",
        ),
        Page("demo_prefecture", "office: board, overdue", lambda ids: f"/committee/office/{ids['round']}/?overdue=1"),
        Page("demo_prefecture", "office: fees", lambda ids: f"/committee/office/{ids['round']}/fees/"),
        Page("demo_prefecture", "office: unpaid", lambda ids: f"/committee/office/{ids['round']}/fees/?fee=unpaid"),
        Page("demo_prefecture", "office: paper", lambda ids: f"/committee/office/{ids['round']}/paper/"),
        Page("demo_prefecture", "office: defence", lambda ids: f"/committee/office/{ids['round']}/defence/"),
        Page("demo_prefecture", "office: draws", lambda ids: f"/committee/office/{ids['round']}/draws/"),
        Page("demo_prefecture", "office: meetings", lambda ids: f"/committee/office/{ids['round']}/meetings/"),
        Page("demo_prefecture", "office: results", lambda ids: f"/committee/office/{ids['round']}/results/"),
        Page("demo_prefecture", "office: experts", fixed("/committee/office/experts/")),
        Page("demo_prefecture", "office: committee demo board", lambda ids: f"/committee/office/{ids['committee']}/"),
        Page("demo_prefecture", "office: meeting page", lambda ids: f"/committee/office/meetings/{ids['meeting']}/"),
        Page("demo_prefecture", "office: defence session", lambda ids: f"/committee/defence/{ids['session']}/"),
        Page("demo_prefecture", "office: fraud register", fixed("/committee/fraud/")),
        Page("demo_prefecture", "office: statistics", lambda ids: f"/committee/stats/?round={ids['round']}"),
        Page("demo_prefecture", "office: statistics XLSX", lambda ids: f"/committee/stats/{ids['round']}.xlsx"),
        Page(
            "demo_prefecture",
            "API office: board",
            lambda ids: f"/api/committee/office/rounds/{ids['round']}/board",
        ),
        Page("demo_expert", "expert: assignments", fixed("/committee/review/")),
        Page("demo_expert", "expert: blind dossier", lambda ids: f"/committee/review/{ids['assignment']}/"),
        Page("demo_expert", "API expert: assignments", fixed("/api/committee/review/assignments")),
        Page("demo_expert", "expert: ballots and defence panels", fixed("/committee/vote/")),
        Page("", "public: certificate lookup", lambda ids: f"/committee/certificates/?number={ids['certificate']}"),
    ]


def _demo_ids() -> dict[str, Any]:
    from benchmarks.seeding import demo_round  # models: only after django.setup()
    from committee.models import Certificate, DefenceSession, ExpertAssignment, Meeting
    from demo.committee import COMMITTEE_ROUND
    from dossiers.models import Dossier
    from workflow.models import Publicity

    def of(username: str) -> int:
        return Dossier.objects.filter(applicant__username=username, round__is_demo=True).values_list("pk", flat=True)[0]

    return {
        "submitted": of("demo_applicant3"),
        "recommended": of("demo_applicant5"),
        "returned": of("demo_applicant7"),
        "prefecture": of("demo_applicant8"),
        "received": of("demo_applicant9"),
        "round": demo_round().slug,
        "committee": COMMITTEE_ROUND,
        "certificate": Certificate.objects.values_list("number", flat=True).first() or "none",
        "session": DefenceSession.objects.filter(round__slug=COMMITTEE_ROUND).values_list("pk", flat=True).first(),
        "publicity": Publicity.objects.filter(unit__code="U-KRLJT").order_by("pk").values_list("pk", flat=True).first(),
        "meeting": Meeting.objects.filter(round__slug=COMMITTEE_ROUND).values_list("pk", flat=True).first(),
        "assignment": ExpertAssignment.objects.filter(dossier__applicant__username="demo_applicant9").values_list(
            "pk", flat=True
        )[0],
    }


@dataclass
class Measure:
    ms: float
    queries: int
    kb: float
    status: int


class StatementRecorder:
    """An execute wrapper that records every SQL statement the connection runs (also benchmarks/page_profile.py)."""

    def __init__(self, into: list[str]) -> None:
        self.into = into

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.into.append(sql)
        return execute(sql, params, many, context)


def _measure(pages: list[Page], repeat: int) -> dict[str, Measure]:
    from django.db import connection  # Django: only after django.setup()
    from django.test import Client

    from accounts.models import User

    ids = _demo_ids()
    clients: dict[str, Client] = {}
    results: dict[str, Measure] = {}
    for page in pages:
        client = clients.get(page.role)
        if client is None:
            client = clients[page.role] = Client()
            if page.role:
                client.force_login(User.objects.get(username=page.role))
        url = page.url(ids)
        client.get(url)  # warm-up: caches, the session, the policy
        # Counted by an execute wrapper: CaptureQueriesContext read 0 here (the request closes and reopens the
        # connection, and the debug log it slices is cleared at request start).
        captured: list[str] = []
        with connection.execute_wrapper(StatementRecorder(captured)):
            response = client.get(url)
        body = b"".join(response) if response.streaming else response.content
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        results[page.label] = Measure(
            ms=statistics.median(times), queries=len(captured), kb=len(body) / 1024, status=response.status_code
        )
        print(f"  {page.label:<40} {results[page.label].ms:8.1f} ms {len(captured):5d} q", flush=True)
    return results


def _report(sizes: list[int], runs: dict[int, dict[str, Measure]], pages: list[Page]) -> bool:
    first, last = sizes[0], sizes[-1]
    head = " | ".join(f"{n:,} ms / q" for n in sizes)
    print(f"\n| page | {head} | KB at {last:,} | {last:,}/{first:,} time |")
    print("| --- | " + " | ".join("---" for _ in sizes) + " | --- | --- |")
    ok = True
    for page in pages:
        cells = []
        for n in sizes:
            m = runs[n][page.label]
            flag = "" if m.status == 200 else f" ({m.status})"
            cells.append(f"{m.ms:.1f} / {m.queries}{flag}")
        big, small = runs[last][page.label], runs[first][page.label]
        ratio = big.ms / small.ms if small.ms else 0.0
        print(f"| {page.label} | " + " | ".join(cells) + f" | {big.kb:.0f} | {ratio:.2f} |")
        if big.ms > TARGET_MS or big.queries > TARGET_QUERIES or big.status >= 400:  # a redirect is an answer
            ok = False
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run (sizes only grow)")
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose label contains one of these comma-separated words (the floor is always timed)",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("MEDIA_ROOT", "/tmp/i14-scale-bench-media")
    from benchmarks.pgdb import recreate_postgres_database  # sets DATABASE_URL before Django reads it

    if args.reuse:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        recreate_postgres_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from benchmarks.seeding import analyze, grow_to, seed_base  # models: only after django.setup()

    settings.ROOT_URLCONF = "benchmarks.urls"
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed_base()
    print(f"demo set-up in {time.perf_counter() - started:.0f} s")
    pages = _pages()
    if args.pages:
        wanted = [w.strip() for w in args.pages.split(",") if w.strip()]
        pages = [p for p in pages if p.label.startswith("bare view") or any(w in p.label for w in wanted)]
    runs: dict[int, dict[str, Measure]] = {}
    for n in sizes:
        started = time.perf_counter()
        grow_to(n, floors=True)
        analyze()
        print(f"\n{n:,} bulk dossiers (seeded in {time.perf_counter() - started:.0f} s)")
        runs[n] = _measure(pages, args.repeat)
    ok = _report(sizes, runs, pages)
    if args.json:
        args.json.write_text(
            json.dumps({n: {k: vars(m) for k, m in r.items()} for n, r in runs.items()}, ensure_ascii=False, indent=1)
        )
    print(
        f"\ntargets at {sizes[-1]:,}: ≤ {TARGET_MS:.0f} ms and ≤ {TARGET_QUERIES} queries — {'met' if ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
