from django.urls import path

from . import views

app_name = "outbox"

urlpatterns = [
    path("outbox/", views.message_list, name="message_list"),
    path("outbox/<int:pk>/", views.message_detail, name="message_detail"),
    path("outbox/<int:pk>/send-again/", views.message_send_again, name="message_send_again"),
    path("outbox/<int:pk>/send-current/", views.message_send_current, name="message_send_current"),
    path("outbox/<int:pk>/cancel/", views.message_cancel, name="message_cancel"),
]
