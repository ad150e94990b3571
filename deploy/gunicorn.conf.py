"""gunicorn configuration of one app server (deploy/compose.yaml runs two or more of these behind Caddy).

Threads, not only processes: a request spends much of its time waiting for PostgreSQL and Redis, and a
thread costs far less memory than a process. Workers are recycled after a bounded number of requests so a
large response never pins its memory for the life of the server.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
# gthread keeps a client's connection with the worker that accepted it (uneven under direct load; Caddy's pooled
# connections spread requests). "sync" balances every request but costs a connection each: measured no better
# (BENCHMARKS.md, deadline-day load, session 9). Settable for such comparisons.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Recycle workers (jittered so they do not all restart at once).
# Rarely: each recycle resets the connections its clients keep alive (a request sent on one at that instant
# fails — 4 of 4,276 requests at 200 users in the load run with 2,000), and pages are paged now, so a worker's
# memory no longer grows with what one response holds.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = 2000
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Longer than any client keeps an idle connection before reusing it: Caddy keeps its idle upstream connections
# 30 s (deploy/Caddyfile), a browser or locust a few seconds. A server that closes first races the client's next
# request on that connection, which then fails ("connection closed without response"; Caddy can retry a GET on
# another connection, not a POST or PUT). gthread parks idle connections in its poller, not in a thread.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 75))
# The proxy in front terminates TLS and sets X-Forwarded-*; trust it only from the private network.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# Load the app before forking: workers share its memory pages (copy-on-write).
preload_app = True


def when_ready(server):  # gunicorn calls it in the master, after loading the app, before forking
    """The app is loaded (preload_app): its import-time objects (modules, templates, policies, URL patterns…) are
    moved out of the garbage collector's generations before the workers fork. Every collection a worker runs then
    skips them (a full one walked them all, several times a minute under load), and the pages they sit on stay
    shared with the master instead of being written by the collector (copy-on-write)."""
    if os.environ.get("GUNICORN_GC_FREEZE", "1") == "1":
        import gc

        gc.collect()
        gc.freeze()
