from rest_framework.routers import SimpleRouter

from .views import TeamViewSet, UserViewSet

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")

urlpatterns = router.urls
