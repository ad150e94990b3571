from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from config.api import api
from workflow.views import dossier_submit

# The admin site in the platform's words (Django's default header reads "Django 站点管理员").
admin.site.site_header = "职称申报评审平台 · 系统管理"
admin.site.site_title = "职称申报评审平台"
admin.site.index_title = "系统管理"

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
    path("", include("ops.urls")),
    path("", include("portal.urls")),
]
# Stored files (attachments, PDFs) are never served from a public /media/ URL, not even with DEBUG on: each
# one goes through a view that checks who may see it (dossiers.views.attachment_file, documents.views).
