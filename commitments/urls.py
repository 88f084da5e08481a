from django.urls import path

from . import views

app_name = "commitments"

urlpatterns = [
    path("commitments/", views.commitment_list, name="list"),
    path("commitments/new/", views.commitment_create, name="create"),
    path("commitments/<int:pk>/", views.commitment_detail, name="detail"),
    path("commitments/<int:pk>/edit/", views.commitment_edit, name="edit"),
    path("commitments/<int:pk>/fulfil/", views.commitment_transition, {"action": "fulfil"}, name="fulfil"),
    path("commitments/<int:pk>/cancel/", views.commitment_transition, {"action": "cancel"}, name="cancel"),
    path("commitments/<int:pk>/broken/", views.commitment_transition, {"action": "break"}, name="break"),
    path("commitments/<int:pk>/reopen/", views.commitment_transition, {"action": "reopen"}, name="reopen"),
]
