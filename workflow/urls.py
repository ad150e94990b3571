from django.urls import path

from workflow import views

app_name = "workflow"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("dossier/<int:pk>/", views.detail, name="detail"),
    path("dossier/<int:pk>/act/", views.act, name="act"),
    path("dossier/<int:pk>/return/", views.return_dossier, name="return"),
    path("dossier/<int:pk>/unit-records/", views.unit_record_upload, name="unit_record_upload"),
    path("dossier/<int:pk>/submissions/", views.submissions, name="submissions"),
    path("dossier/<int:pk>/next/", views.next_dossier, name="next"),
    path("attachments/<int:attachment_id>/check/", views.attachment_check, name="attachment_check"),
    path("publicity/", views.publicity_list, name="publicity_list"),
    path("publicity/new/", views.publicity_new, name="publicity_new"),
    path("publicity/<int:pk>/", views.publicity_detail, name="publicity_detail"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
