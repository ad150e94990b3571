from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: imported here, the development server is only touched when the apps are ready.
        from django.core.servers.basehttp import WSGIServer

        # `runserver` is the embedded default's web server (scripts/dev.py run). Its accept queue of 10
        # resets connections when an office uploads in parallel (measured: 8 of 36 simultaneous
        # uploads reset at the TCP level, never reaching Django); production servers queue thousands.
        WSGIServer.request_queue_size = 256
