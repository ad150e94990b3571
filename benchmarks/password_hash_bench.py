"""What one sign-in costs in password hashing: Django's default argon2 parameters beside ours.

    .venv/bin/python benchmarks/password_hash_bench.py [--rounds 10]

Prints, for each hasher, the median and worst milliseconds of one check (a sign-in verifies once) and the
memory it takes while hashing, plus the CPU-seconds 200 sign-ins within a minute would need.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402

from accounts.hashers import Argon2idPasswordHasher  # noqa: E402


def time_checks(hasher: Argon2PasswordHasher, rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each check (argon2 with parallelism > 1 uses several threads)."""
    encoded = hasher.encode("Demo@2023pass", hasher.salt())
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        assert hasher.verify("Demo@2023pass", encoded)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}, {args.rounds} checks each")
    print("| hasher | memory | time cost | parallelism | median ms | worst ms | CPU ms | CPU-s for 200 sign-ins |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, hasher in (
        ("Django default Argon2PasswordHasher", Argon2PasswordHasher()),
        ("accounts.hashers.Argon2idPasswordHasher", Argon2idPasswordHasher()),
    ):
        wall, cpu = time_checks(hasher, args.rounds)
        cpu_ms = statistics.median(cpu)
        print(
            f"| {label} | {hasher.memory_cost // 1024} MiB | {hasher.time_cost} | {hasher.parallelism} | "
            f"{statistics.median(wall):.0f} | {max(wall):.0f} | {cpu_ms:.0f} | {cpu_ms * 200 / 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
