from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/new/", views.meeting_create, name="create"),
    path("meetings/slot-check/", views.slot_check, name="slot_check"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("meetings/<int:pk>/held/", views.meeting_mark_held, name="mark_held"),
    path("meetings/<int:pk>/actions/new/", views.action_item_add, name="action_add"),
    path("meetings/<int:pk>/decisions/new/", views.decision_add, name="decision_add"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes_edit, name="minutes_edit"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance_edit, name="attendance_edit"),
    path("meetings/<int:pk>/invite.ics", views.meeting_ics, name="ics"),
    path("meetings/<int:pk>/attendees/<int:attendee_pk>/rsvp/", views.attendee_respond, name="rsvp"),
    path("meetings/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("meetings/<int:pk>/documents/<int:document_pk>/", views.document_download, name="document_download"),
    path(
        "meetings/<int:pk>/documents/<int:document_pk>/delete/", views.document_delete, name="document_delete"
    ),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/<int:pk>/status/", views.action_item_status, name="action_status"),
    path("actions/<int:pk>/chaser/", views.action_item_chaser, name="action_chaser"),
    path("calendar/", views.calendar_subscription, name="calendar_subscription"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
