from django.urls import path

from . import views

app_name = "interactions"

urlpatterns = [
    path("interactions/new/", views.interaction_log, name="log"),
    path("interactions/<int:pk>/", views.interaction_detail, name="detail"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="edit"),
    path("interactions/<int:pk>/delete/", views.interaction_delete, name="delete"),
    path("interactions/<int:pk>/follow-up/", views.follow_up_toggle, name="follow_up_toggle"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
]
