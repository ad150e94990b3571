from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("verify/<str:code>/", views.verify, name="verify"),
]
