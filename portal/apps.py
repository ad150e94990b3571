from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The site's entry: home page, menu and footer (the top of the import graph, above every domain app)."""

    name = "portal"
    verbose_name = "门户"
