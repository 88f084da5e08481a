from django.urls import path

from . import views

app_name = "concerns"

urlpatterns = [
    path("concerns/", views.concern_list, name="list"),
    path("concerns/new/", views.concern_create, name="create"),
    path("concerns/<int:pk>/", views.concern_detail, name="detail"),
    path("concerns/<int:pk>/edit/", views.concern_edit, name="edit"),
    path("concerns/<int:pk>/in-progress/", views.concern_mark_in_progress, name="in_progress"),
    path("concerns/<int:pk>/resolve/", views.concern_resolve, name="resolve"),
    path("concerns/<int:pk>/reopen/", views.concern_reopen, name="reopen"),
    path("concerns/<int:pk>/interactions/", views.concern_link_interaction, name="link_interaction"),
    path(
        "concerns/<int:pk>/interactions/<int:interaction_pk>/unlink/",
        views.concern_unlink_interaction,
        name="unlink_interaction",
    ),
]
