from django.urls import path

app_name = "masking"
urlpatterns: list = []
