import django_filters

from api.viewsets import ReadOnlyViewSet

from ..models import Team, User
from .serializers import TeamSerializer, UserSerializer


class UserFilterSet(django_filters.FilterSet):
    class Meta:
        model = User
        fields = ["team", "is_service_account"]


class UserViewSet(ReadOnlyViewSet):
    """Staff and service accounts, read-only: to show who owns, logged or attended something."""

    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ["username"]
    ordering = ("username",)

    def get_queryset(self):
        return User.objects.visible_to(self.request.user).prefetch_related("groups")


class TeamViewSet(ReadOnlyViewSet):
    serializer_class = TeamSerializer
    ordering_fields = ["name"]
    filterset_class = None

    def get_queryset(self):
        return Team.objects.all() if self.request.user.is_active else Team.objects.none()
