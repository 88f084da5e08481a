from rest_framework.routers import SimpleRouter

from .views import AffiliationViewSet, ObjectiveViewSet, OrganisationViewSet, StakeholderViewSet, TagViewSet

router = SimpleRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("stakeholders", StakeholderViewSet, basename="stakeholder")
router.register("affiliations", AffiliationViewSet, basename="affiliation")
router.register("objectives", ObjectiveViewSet, basename="objective")
router.register("tags", TagViewSet, basename="tag")

urlpatterns = router.urls
