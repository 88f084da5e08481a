from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.permissions import can_edit_organisation, can_edit_stakeholder, can_edit_tag
from api.viewsets import NO_DELETE, ModelViewSet

from .. import services
from ..filtersets import (
    ObjectiveApiFilterSet,
    OrganisationApiFilterSet,
    StakeholderApiFilterSet,
    TagFilterSet,
)
from ..locks import IfOwnMerged, people_hold
from ..models import Affiliation, Objective, ObjectiveStatus, Organisation, Stakeholder, Tag
from .serializers import (
    AffiliationEndSerializer,
    AffiliationSerializer,
    ObjectiveInputSerializer,
    ObjectiveSerializer,
    OrganisationSerializer,
    PortfolioHandoverInputSerializer,
    PortfolioHandoverSerializer,
    StakeholderSerializer,
    TagSerializer,
)


class TagViewSet(ModelViewSet):
    serializer_class = TagSerializer
    filterset_class = TagFilterSet
    ordering_fields = ["name"]
    edit_permission = staticmethod(can_edit_tag)

    def get_queryset(self):
        return Tag.objects.visible_to(self.request.user)

    def create_object(self, data):
        return services.tag_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        # A PATCH that leaves the name out keeps it; the service still checks who may rename.
        name = data.get("name", instance.name)
        return services.tag_rename(tag=instance, actor=self.request.user, name=name)

    def delete_object(self, instance):
        services.tag_delete(tag=instance, actor=self.request.user)


class OrganisationViewSet(ModelViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationApiFilterSet
    ordering_fields = ["name", "created_at", "updated_at"]
    search_ordering = ("-name_similarity", "name")
    edit_permission = staticmethod(can_edit_organisation)
    http_method_names = NO_DELETE

    def get_queryset(self):
        return Organisation.objects.visible_to(self.request.user).for_api()

    def create_object(self, data):
        return services.organisation_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.organisation_update(organisation=instance, actor=self.request.user, **data)


class StakeholderViewSet(ModelViewSet):
    """Stakeholders are archived, never deleted: POST …/archive/ and …/restore/. A manager moves an
    officer's portfolio to another with POST …/handover/."""

    serializer_class = StakeholderSerializer
    filterset_class = StakeholderApiFilterSet
    ordering_fields = ["name", "created_at", "updated_at"]
    search_ordering = ("-name_similarity", "name")
    edit_permission = staticmethod(can_edit_stakeholder)
    http_method_names = NO_DELETE

    def get_queryset(self):
        return Stakeholder.objects.visible_to(self.request.user).for_api()

    def create_object(self, data):
        return services.stakeholder_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.stakeholder_update(stakeholder=instance, actor=self.request.user, **data)

    @extend_schema(request=None, responses=StakeholderSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self.workflow(
            lambda stakeholder: services.stakeholder_archive(stakeholder=stakeholder, actor=request.user)
        )

    @extend_schema(request=None, responses=StakeholderSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        return self.workflow(
            lambda stakeholder: services.stakeholder_restore(stakeholder=stakeholder, actor=request.user)
        )

    @extend_schema(
        request=PortfolioHandoverInputSerializer,
        responses=PortfolioHandoverSerializer,
        description=(
            "Moves an officer's stakeholders (archived ones included; with `organisation`, only those "
            "working there) to another officer, with the open follow-ups, commitments, unresolved concerns "
            "and open action items the leaving officer holds on them, and the chasing of the open actions "
            "those stakeholders owe (`chased_actions`). Meetings and interactions keep their organiser and "
            "author. For managers of both officers and administrators; the new owner is told by email."
        ),
    )
    @action(detail=False, methods=["post"])
    def handover(self, request):
        serializer = PortfolioHandoverInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        handover = services.portfolio_handover(actor=request.user, **serializer.validated_data)
        return Response(PortfolioHandoverSerializer(handover, context=self.get_serializer_context()).data)


class AffiliationViewSet(ModelViewSet):
    """A person's positions. Ending one (POST …/end/) keeps it as history; none is deleted."""

    serializer_class = AffiliationSerializer
    filterset_fields = ["stakeholder", "organisation", "is_primary"]
    # Cursor pages need a field that is never empty: a position's dates may be.
    ordering_fields = ["id"]
    ordering = ("id",)
    edit_permission = staticmethod(
        lambda user, affiliation: can_edit_stakeholder(user, affiliation.stakeholder)
    )
    http_method_names = NO_DELETE

    def get_queryset(self):
        visible = Stakeholder.objects.visible_to(self.request.user)
        return Affiliation.objects.filter(stakeholder__in=visible).select_related(
            "organisation", "stakeholder"
        )

    def hold_people_first(self, named):
        # The person first, as a merge takes them before moving their positions: a position locked first
        # would wait for the merge holding the person while the merge waits for the position. Merged
        # meanwhile, the position moved with them to the record kept, where it is read once locked.
        people_hold(
            own=[self.record_before_lock.stakeholder], field="stakeholder", if_own_merged=IfOwnMerged.LET_GO
        )

    def create_object(self, data):
        stakeholder = data.pop("stakeholder", None)
        if stakeholder is None:
            raise ValidationError({"stakeholder": [_("This field is required.")]})
        return services.affiliation_save(
            affiliation=Affiliation(stakeholder=stakeholder), actor=self.request.user, **data
        )

    def update_object(self, instance, data):
        data.pop("stakeholder", None)
        return services.affiliation_save(affiliation=instance, actor=self.request.user, **data)

    @extend_schema(request=AffiliationEndSerializer, responses=AffiliationSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        serializer = AffiliationEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.workflow(
            lambda affiliation: services.affiliation_end(
                affiliation=affiliation, actor=request.user, **serializer.validated_data
            )
        )


class ObjectiveViewSet(ModelViewSet):
    """Stakeholders' engagement plans: what each relationship should achieve, and by when. POST sets one;
    PATCH changes its wording or target date; it is closed by actions — achieve, drop, reopen — and never
    deleted. Whoever may edit the stakeholder may change their plan."""

    serializer_class = ObjectiveSerializer
    input_serializer_class = ObjectiveInputSerializer
    filterset_class = ObjectiveApiFilterSet
    ordering_fields = ["id", "updated_at"]
    ordering = ("id",)
    edit_permission = staticmethod(lambda user, objective: can_edit_stakeholder(user, objective.stakeholder))
    http_method_names = NO_DELETE

    def get_queryset(self):
        visible = Stakeholder.objects.visible_to(self.request.user)
        return Objective.objects.filter(stakeholder__in=visible).select_related("stakeholder__owner")

    def create_object(self, data):
        return services.objective_add(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("stakeholder", None)
        return services.objective_update(
            objective=instance,
            actor=self.request.user,
            description=data.get("description", instance.description),
            target_on=data.get("target_on", instance.target_on),
        )

    def _set_status(self, status):
        return self.workflow(
            lambda objective: services.objective_set_status(
                objective=objective, actor=self.request.user, status=status
            )
        )

    @extend_schema(request=None, responses=ObjectiveSerializer)
    @action(detail=True, methods=["post"])
    def achieve(self, request, pk=None):
        """The relationship achieved it."""
        return self._set_status(ObjectiveStatus.ACHIEVED)

    @extend_schema(request=None, responses=ObjectiveSerializer)
    @action(detail=True, methods=["post"])
    def drop(self, request, pk=None):
        """No longer pursued."""
        return self._set_status(ObjectiveStatus.DROPPED)

    @extend_schema(request=None, responses=ObjectiveSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._set_status(ObjectiveStatus.OPEN)
