from django.urls import path

from . import views

app_name = "mailin"

urlpatterns = [
    path("mail/inbound/", views.inbound, name="inbound"),
    path("mail/", views.message_list, name="list"),
    path("mail/<int:pk>/", views.message_detail, name="detail"),
    path("mail/<int:pk>/discard/", views.message_discard, name="discard"),
    path("mail/<int:pk>/restore/", views.message_restore, name="restore"),
    path("mail/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
