from functools import cached_property

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.decorators import action

from accounts.permissions import can_edit_interaction, can_update_follow_up
from api.viewsets import ModelViewSet
from contacts.locks import people_hold

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
    referenced_fields = ("stakeholders",)
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

    def hold_people_first(self, named):
        # Its people, and any the input gives it, before the interaction, as interactions.services holds them.
        if self.action in ("update", "partial_update", "destroy"):
            interaction = self.record_before_lock
            people_hold(
                own=interaction.stakeholders.all(),
                joining=named.get("stakeholders") or (),
                field="stakeholders",
            )

    @cached_property
    def record_before_lock(self):
        # Only its people are read from it: not the API's representation (get_object), nor who may edit it,
        # which is asked once it is locked.
        return generics.get_object_or_404(
            Interaction.objects.visible_to(self.request.user), pk=self.kwargs[self.lookup_field]
        )

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
