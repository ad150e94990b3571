"""Benchmark scripts, run as files (`.venv/bin/python benchmarks/NAME.py`); a package so tests import generators."""
