from django.urls import path

from dossiers import views

app_name = "dossiers"
urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("<int:pk>/", views.dossier_detail, name="detail"),
    path("<int:pk>/completeness/", views.completeness_fragment, name="completeness"),
    path("<int:pk>/nav/", views.section_nav_fragment, name="section_nav"),
    path("<int:pk>/sections/<slug:key>/", views.section_edit, name="section"),
    path("<int:pk>/sections/<slug:key>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("attachments/<int:pk>/file.jpg", views.attachment_file, name="attachment_file"),
]
