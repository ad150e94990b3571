from django.urls import path

from masking import views

app_name = "masking"
urlpatterns = [
    path("dossiers/<int:dossier_id>/", views.dossier_masking, name="dossier"),
    path("dossiers/<int:dossier_id>/summary/", views.dossier_summary, name="summary"),
    path("attachments/<int:attachment_id>/card/", views.attachment_card, name="card"),
    path("attachments/<int:attachment_id>/retry/", views.attachment_retry, name="retry"),
    path("attachments/<int:attachment_id>/<str:variant>/thumbnail.jpg", views.attachment_thumbnail, name="thumbnail"),
    path("office/dossiers/<int:dossier_id>/", views.office_dossier_masking, name="office"),
    path("office/attachments/<int:attachment_id>/recover/", views.office_recover, name="office_recover"),
    path("attachments/<int:attachment_id>/<str:variant>.jpg", views.attachment_image, name="image"),
]
