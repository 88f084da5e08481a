from django.urls import path

from . import views

app_name = "history"

# Each record page loads its history from its own address (history/_lazy.html): `kind` names the stream.
RECORD_HISTORY = [
    ("stakeholders/<int:pk>/history/", "stakeholder"),
    ("stakeholders/<int:pk>/history/positions/", "position"),
    ("stakeholders/<int:pk>/history/objectives/", "objective"),
    ("organisations/<int:pk>/history/", "organisation"),
    ("interactions/<int:pk>/history/", "interaction"),
    ("meetings/<int:pk>/history/", "meeting"),
    ("meetings/<int:pk>/history/actions/", "action"),
    ("meetings/<int:pk>/history/decisions/", "decision"),
    ("meetings/<int:pk>/history/attendance/", "attendance"),
    ("commitments/<int:pk>/history/", "commitment"),
    ("concerns/<int:pk>/history/", "concern"),
    ("mail/<int:pk>/history/", "inbound"),
]

urlpatterns = [
    path("history/", views.recent_changes, name="recent"),
    *(path(route, views.record_history, {"kind": kind}, name=kind) for route, kind in RECORD_HISTORY),
]
