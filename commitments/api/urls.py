from rest_framework.routers import SimpleRouter

from .views import CommitmentViewSet

router = SimpleRouter()
router.register("commitments", CommitmentViewSet, basename="commitment")

urlpatterns = router.urls
