from django.urls import include, path

from committee import views

app_name = "committee"
urlpatterns = [
    path("expert/", views.expert_list, name="expert_list"),
    path("expert/<int:assignment_id>/", views.expert_dossier, name="expert_dossier"),
    path("expert/<int:assignment_id>/files/<int:attachment_id>.jpg", views.expert_file, name="expert_file"),
    path("", include("committee.urls_review")),
]
