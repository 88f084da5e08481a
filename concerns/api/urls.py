from rest_framework.routers import SimpleRouter

from .views import ConcernViewSet

router = SimpleRouter()
router.register("concerns", ConcernViewSet, basename="concern")

urlpatterns = router.urls
