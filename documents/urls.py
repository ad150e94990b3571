from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("verify/<str:code>/", views.verify, name="verify"),
    path("dossier/<int:dossier_id>/evaluation-form/", views.evaluation_form, name="evaluation_form"),
    path("dossier/<int:dossier_id>/commitment/", views.commitment_letter, name="commitment"),
    path("dossier/<int:dossier_id>/ce-exemption/", views.ce_exemption, name="ce_exemption"),
    path("files/<int:pk>/", views.download, name="download"),
    path("roster/", views.roster, name="roster"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:pk>/retry/", views.batch_retry, name="batch_retry"),
]
