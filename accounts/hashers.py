"""The password hasher, chosen for its cost (issue 14 point 3).

Django's Argon2PasswordHasher defaults (argon2id, 100 MiB, time cost 2, parallelism 8) took 0.7-1.1 s of CPU per
sign-in on a 2-core box, so 200 people signing in within a minute needed 140-220 CPU-seconds. OWASP's Password
Storage Cheat Sheet gives argon2id with 19 MiB, time cost 2 and parallelism 1 as its minimum configuration;
figures in BENCHMARKS.md (`benchmarks/password_hash_bench.py`)."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """argon2id at OWASP's minimum. The algorithm name stays "argon2", so hashes stored with other parameters
    still verify, and Django re-hashes them with these on the next successful sign-in (must_update)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
