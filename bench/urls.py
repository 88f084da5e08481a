from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("plain/json", views.plain_json, name="plain_json"),
    path("plain/db", views.plain_db, name="plain_db"),
]
