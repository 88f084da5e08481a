from rest_framework.routers import SimpleRouter

from .views import ActionItemViewSet, MeetingDocumentViewSet, MeetingViewSet

router = SimpleRouter()
router.register("meetings", MeetingViewSet, basename="meeting")
router.register(
    r"meetings/(?P<meeting_pk>\d+)/documents", MeetingDocumentViewSet, basename="meeting-document"
)
router.register("action-items", ActionItemViewSet, basename="action-item")

urlpatterns = router.urls
