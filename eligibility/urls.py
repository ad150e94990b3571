from django.urls import path

from eligibility import views

app_name = "eligibility"
urlpatterns = [
    path("dossiers/<int:pk>/panel/", views.dossier_panel, name="dossier_panel"),
]
