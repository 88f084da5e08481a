from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from accounts.permissions import can_edit_commitment
from api.viewsets import NO_DELETE, ModelViewSet

from .. import services
from ..filtersets import CommitmentApiFilterSet
from ..models import Commitment
from .serializers import CommitmentInputSerializer, CommitmentRecordSerializer, CommitmentSerializer


class CommitmentViewSet(ModelViewSet):
    """The commitments register: who promised what to whom, by when. POST records one (chased by you unless
    `owner` says otherwise); its status moves by actions — fulfil, cancel, break, reopen — and it is never
    deleted: a cancelled or broken promise is part of the relationship's record."""

    serializer_class = CommitmentSerializer
    input_serializer_class = CommitmentInputSerializer
    filterset_class = CommitmentApiFilterSet
    ordering_fields = ["created_at", "updated_at"]
    ordering = ("-created_at",)
    edit_permission = staticmethod(can_edit_commitment)
    referenced_fields = ("stakeholder",)
    http_method_names = NO_DELETE

    def get_queryset(self):
        return Commitment.objects.visible_to(self.request.user).for_api(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return CommitmentRecordSerializer
        return super().get_serializer_class()

    def create_object(self, data):
        return services.commitment_record(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.commitment_update(commitment=instance, actor=self.request.user, **data)

    @extend_schema(request=None, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        """The promise was kept."""
        return self.workflow(
            lambda commitment: services.commitment_fulfil(commitment=commitment, actor=request.user)
        )

    @extend_schema(request=None, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Withdrawn by agreement, or no longer needed."""
        return self.workflow(
            lambda commitment: services.commitment_cancel(commitment=commitment, actor=request.user)
        )

    @extend_schema(request=None, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"], url_path="break")
    def mark_broken(self, request, pk=None):
        """The promise was not honoured."""
        return self.workflow(
            lambda commitment: services.commitment_mark_broken(commitment=commitment, actor=request.user)
        )

    @extend_schema(request=None, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self.workflow(
            lambda commitment: services.commitment_reopen(commitment=commitment, actor=request.user)
        )
