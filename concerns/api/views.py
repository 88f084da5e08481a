from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from accounts.permissions import can_edit_concern
from api.viewsets import NO_DELETE, ModelViewSet

from .. import services
from ..filtersets import ConcernApiFilterSet
from ..models import Concern
from .serializers import (
    ConcernInputSerializer,
    ConcernInteractionSerializer,
    ConcernRaiseSerializer,
    ConcernResolveSerializer,
    ConcernSerializer,
)


class ConcernViewSet(ModelViewSet):
    """Issues and disputes stakeholders raise. POST records one (handled by you unless `owner` says
    otherwise); it moves by actions — in-progress, resolve, reopen — and is never deleted. Interactions are
    linked and unlinked by actions too; only those you may read are shown or accepted."""

    serializer_class = ConcernSerializer
    input_serializer_class = ConcernInputSerializer
    filterset_class = ConcernApiFilterSet
    ordering_fields = ["created_at", "updated_at", "raised_on"]
    ordering = ("-created_at",)
    edit_permission = staticmethod(can_edit_concern)
    referenced_fields = ("stakeholder",)
    http_method_names = NO_DELETE

    def get_queryset(self):
        return Concern.objects.visible_to(self.request.user).for_api(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return ConcernRaiseSerializer
        return super().get_serializer_class()

    def create_object(self, data):
        return services.concern_raise(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.concern_update(concern=instance, actor=self.request.user, **data)

    @extend_schema(request=None, responses=ConcernSerializer)
    @action(detail=True, methods=["post"], url_path="in-progress")
    def in_progress(self, request, pk=None):
        """Someone is working on it."""
        return self.workflow(
            lambda concern: services.concern_mark_in_progress(concern=concern, actor=request.user)
        )

    @extend_schema(request=ConcernResolveSerializer, responses=ConcernSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Closes it with what was done or agreed."""
        return self.workflow(
            lambda concern, **data: services.concern_resolve(concern=concern, actor=request.user, **data),
            body=ConcernResolveSerializer,
        )

    @extend_schema(request=None, responses=ConcernSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Back to open; the earlier resolution is kept until it is resolved again."""
        return self.workflow(lambda concern: services.concern_reopen(concern=concern, actor=request.user))

    @extend_schema(request=ConcernInteractionSerializer, responses=ConcernSerializer)
    @action(detail=True, methods=["post"], url_path="link-interaction")
    def link_interaction(self, request, pk=None):
        return self.workflow(
            lambda concern, **data: services.concern_link_interaction(
                concern=concern, actor=request.user, **data
            ),
            body=ConcernInteractionSerializer,
        )

    @extend_schema(request=ConcernInteractionSerializer, responses=ConcernSerializer)
    @action(detail=True, methods=["post"], url_path="unlink-interaction")
    def unlink_interaction(self, request, pk=None):
        return self.workflow(
            lambda concern, **data: services.concern_unlink_interaction(
                concern=concern, actor=request.user, **data
            ),
            body=ConcernInteractionSerializer,
        )
