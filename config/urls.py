from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from config.api import api
from workflow.views import dossier_submit

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("accounts.urls")),
    # Submitting is a workflow action; its page keeps its address beside the dossier's pages.
    path("dossiers/<int:pk>/submit/", dossier_submit, name="dossier_submit"),
    path("dossiers/", include("dossiers.urls")),
    path("review/", include("workflow.urls")),
    path("eligibility/", include("eligibility.urls")),
    path("documents/", include("documents.urls")),
    path("masking/", include("masking.urls")),
    path("committee/", include("committee.urls")),
    path("", include("portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
