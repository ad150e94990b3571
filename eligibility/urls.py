from django.urls import path

app_name = "eligibility"
urlpatterns: list = []
