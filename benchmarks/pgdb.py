"""The benchmarks' own PostgreSQL databases (no Django import: it runs before Django reads DATABASE_URL)."""

from __future__ import annotations

import os

import psycopg


def recreate_postgres_database(url: str) -> None:
    """Drop and create the benchmark's own database (never a shared one: the name must start with i14_)."""
    name = url.rsplit("/", 1)[1]
    if not name.startswith(("i14_", "bench_")):
        raise SystemExit(f"refusing to recreate database {name!r}: benchmark databases start with i14_ or bench_")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
