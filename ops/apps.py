from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the platform: health check, backup and restore (the top floor: it reads every app through the
    app registry and imports none of them)."""

    name = "ops"
    verbose_name = "运维"

    def ready(self) -> None:
        # why: imported here, the development server is only touched when the apps are ready.
        from django.core.servers.basehttp import WSGIServer

        # `runserver` is the embedded default's web server (scripts/dev.py run). Its accept queue of 10
        # resets connections when an office uploads in parallel (measured: 8 of 36 simultaneous
        # uploads reset at the TCP level, never reaching Django); production servers queue thousands.
        WSGIServer.request_queue_size = 256
