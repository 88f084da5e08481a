import contextlib
from collections.abc import Mapping

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from accounts.permissions import can_edit_interaction, can_update_follow_up
from api.viewsets import ModelViewSet
from contacts.models import Stakeholder

from .. import services
from ..filtersets import InteractionApiFilterSet
from ..models import Interaction
from .serializers import InteractionInputSerializer, InteractionSerializer


class InteractionViewSet(ModelViewSet):
    """The interaction log. POST logs an interaction (and restarts the stakeholders' contact cadence).

    Confidential interactions appear only to their author, the colleague asked to follow them up, the
    stakeholders' owners and their managers. A follow-up is marked done or reopened by its owner too.
    """

    serializer_class = InteractionSerializer
    input_serializer_class = InteractionInputSerializer
    filterset_class = InteractionApiFilterSet
    ordering_fields = ["occurred_at", "created_at", "updated_at"]
    ordering = ("-occurred_at",)

    @property
    def edit_permission(self):
        if self.action in ("complete_follow_up", "reopen_follow_up"):
            return can_update_follow_up
        return can_edit_interaction

    def get_queryset(self):
        return Interaction.objects.visible_to(self.request.user).for_api()

    def get_object_for_write(self):
        if self.action in ("update", "partial_update", "destroy"):
            # Its people, and any the input gives it, first: services.interaction_people_lock says why.
            visible = Interaction.objects.visible_to(self.request.user)
            if interaction := visible.filter(pk=self.kwargs[self.lookup_field]).first():
                joining = Stakeholder.objects.filter(pk__in=self._stakeholder_ids_named()).only("pk", "name")
                services.interaction_people_lock(interaction, joining=joining)
        return super().get_object_for_write()

    def _stakeholder_ids_named(self) -> list[int]:
        """The ids an update's input gives as `stakeholders`, as far as they read as ids: the serializer
        reports the rest once the interaction is locked."""
        data = self.request.data
        if self.action == "destroy" or not isinstance(data, Mapping):
            return []
        named = data.getlist("stakeholders") if hasattr(data, "getlist") else data.get("stakeholders")
        ids = []
        for value in named if isinstance(named, list) else []:
            with contextlib.suppress(TypeError, ValueError):
                ids.append(int(str(value)))
        return ids

    def create_object(self, data):
        return services.interaction_log(author=self.request.user, **data)

    def update_object(self, instance, data):
        return services.interaction_update(interaction=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.interaction_delete(interaction=instance, actor=self.request.user)

    @extend_schema(request=None, responses=InteractionSerializer)
    @action(detail=True, methods=["post"], url_path="complete-follow-up")
    def complete_follow_up(self, request, pk=None):
        return self.workflow(
            lambda interaction: services.follow_up_complete(interaction=interaction, actor=request.user)
        )

    @extend_schema(request=None, responses=InteractionSerializer)
    @action(detail=True, methods=["post"], url_path="reopen-follow-up")
    def reopen_follow_up(self, request, pk=None):
        return self.workflow(
            lambda interaction: services.follow_up_reopen(interaction=interaction, actor=request.user)
        )
