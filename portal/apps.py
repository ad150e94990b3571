from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The site's entry: home page, menu and footer (the top of the import graph, above every domain app)."""

    name = "portal"
    verbose_name = "门户"

    def ready(self) -> None:
        # why: connects the receivers that forget the cached header and footer figures (portal.chrome), and
        # declares their key prefix to core.cache (a restore forgets every entry under it, in any process).
        from portal import chrome  # noqa: F401
