from collections.abc import Mapping

from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.permissions import can_edit_meeting, can_respond_for, can_update_action_item, require
from api.viewsets import NO_DELETE, ApiViewMixin, ModelViewSet
from contacts.locks import IfOwnMerged, people_hold
from contacts.models import Stakeholder

from .. import services
from ..filtersets import PAST, ActionItemApiFilterSet, MeetingApiFilterSet
from ..models import ActionItem, Meeting, MeetingDocument
from .serializers import (
    ActionItemCreateSerializer,
    ActionItemInputSerializer,
    ActionItemSerializer,
    DocumentUploadSerializer,
    MeetingCancelSerializer,
    MeetingDocumentSerializer,
    MeetingHeldSerializer,
    MeetingInputSerializer,
    MeetingScheduleSerializer,
    MeetingSerializer,
    RsvpSerializer,
)


def _agenda_as_entries(data: dict) -> dict:
    if "agenda" in data:
        data["agenda"] = [services.AgendaEntry(**entry) for entry in data["agenda"]]
    return data


class MeetingViewSet(ModelViewSet):
    """Meetings. POST schedules one (or a series: `frequency` and `count`) and sends the invitations;
    PATCH changes one meeting, or one occurrence of a series, and tells the attendees; on a held meeting it
    corrects only its `minutes` and who `attended`.

    Meetings are cancelled (POST …/cancel/), never deleted. POST …/mark-held/ records the outcome and logs
    it on each attending stakeholder's timeline; POST …/rsvp/ records an attendee's reply.
    """

    serializer_class = MeetingSerializer
    input_serializer_class = MeetingInputSerializer
    filterset_class = MeetingApiFilterSet
    ordering_fields = ["starts_at", "created_at", "updated_at"]
    edit_permission = staticmethod(can_edit_meeting)
    referenced_fields = ("stakeholders",)
    http_method_names = NO_DELETE

    @property
    def ordering(self):
        # As on the meetings page: what is coming soonest first, or the most recent past meeting first.
        request = getattr(self, "request", None)
        past = request is not None and request.query_params.get("when") == PAST
        return ("-starts_at",) if past else ("starts_at",)

    def get_queryset(self):
        return Meeting.objects.visible_to(self.request.user).for_api(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return MeetingScheduleSerializer
        return super().get_serializer_class()

    def hold_people_first(self, named):
        if self.action == "mark_held":
            # Those it is logged with, as meetings.services.meeting_mark_held holds them; the actions' owners,
            # parsed once the meeting is locked, are among them or are refused.
            people_hold(
                own=Stakeholder.objects.invited_to(self.record_before_lock).only("name"),
                field="actions",
                if_own_merged=IfOwnMerged.REFUSE,
            )
            return
        if isinstance(self.request.data, Mapping) and "attended" in self.request.data:
            # Those the interaction it was logged as may gain or lose, as meeting_attendance_correct holds
            # them.
            people_hold(
                own=Stakeholder.objects.invited_to(self.record_before_lock).only("name"),
                field="attended",
                if_own_merged=IfOwnMerged.REFUSE,
            )
        super().hold_people_first(named)

    def people_stored(self, field):
        # Its stakeholders are its guests, as meetings.services.meeting_update reads them.
        return Stakeholder.objects.invited_to(self.record_before_lock)

    def create_object(self, data):
        return services.meeting_schedule(organiser=self.request.user, **_agenda_as_entries(data))

    def update_object(self, instance, data):
        minutes = data.pop("minutes", None)
        attended = data.pop("attended", None)
        if data or (minutes is None and attended is None):
            instance = services.meeting_update(
                meeting=instance, actor=self.request.user, **_agenda_as_entries(data)
            ).meeting
        if minutes is not None:
            instance = services.meeting_minutes_update(
                meeting=instance, actor=self.request.user, minutes=minutes
            )
        if attended is not None:
            instance = services.meeting_attendance_correct(
                meeting=instance, actor=self.request.user, attended=attended
            )
        return instance

    @extend_schema(request=MeetingCancelSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancels this meeting, or with `and_following` this occurrence of a series and every later planned
        one (earlier ones stay as they are); attendees are told."""
        return self.workflow(
            lambda meeting, **data: services.meeting_cancel(meeting=meeting, actor=request.user, **data),
            body=MeetingCancelSerializer,
        )

    @extend_schema(request=MeetingHeldSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="mark-held")
    def mark_held(self, request, pk=None):
        """Records who attended, minutes, decisions and actions, logs the meeting on the timeline of each
        stakeholder who attended and sends them the follow-up email."""
        return self.workflow(
            lambda meeting, action_items, **data: services.meeting_mark_held(
                meeting=meeting,
                actor=request.user,
                actions=[services.ActionEntry(**entry) for entry in action_items],
                **data,
            ),
            body=MeetingHeldSerializer,
        )

    @extend_schema(request=RsvpSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def rsvp(self, request, pk=None):
        """An attendee's reply: staff answer their own invitations; the organiser records a stakeholder's."""
        with transaction.atomic():
            # Not the edit rule: an invited colleague may answer for themselves.
            queryset = self.get_queryset().select_for_update(no_key=True, of=("self",))
            meeting = generics.get_object_or_404(queryset, pk=pk)
            serializer = RsvpSerializer(data=request.data, context={"record": meeting, "request": request})
            serializer.is_valid(raise_exception=True)
            attendee = serializer.validated_data["attendee"]
            require(can_respond_for(request.user, attendee), _("You cannot answer for this attendee."))
            self.require_current(meeting)
            services.attendee_respond(
                attendee=attendee, actor=request.user, rsvp=serializer.validated_data["rsvp"]
            )
        return self.object_response(meeting)


class ActionItemViewSet(ModelViewSet):
    """Actions agreed at meetings, chased until done. They are recorded when a meeting is marked held;
    POST adds one to a planned or held meeting (by its organiser, their managers or administrators); PATCH
    moves one along (`status`), hands it to someone else (`owner_user` or `owner_stakeholder`) or, when a
    stakeholder owes it, hands its chasing to a colleague (`chaser`; the meeting's organiser unless
    changed). Who chases an action moves it along, as do the meeting's organiser and their managers."""

    serializer_class = ActionItemSerializer
    input_serializer_class = ActionItemInputSerializer
    filterset_class = ActionItemApiFilterSet
    ordering_fields = ["created_at", "updated_at"]
    ordering = ("created_at",)
    edit_permission = staticmethod(can_update_action_item)
    referenced_fields = ("owner_stakeholder",)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return ActionItem.objects.visible_to(self.request.user).for_api()

    def get_object_for_write(self):
        # Its meeting first, as the services lock them (meetings.services): an action locked before its
        # meeting would wait for a change made on the meeting's page that holds the meeting and waits for
        # the action, each for the other.
        generics.get_object_or_404(
            Meeting.objects.select_for_update(no_key=True, of=("self",)), action_items=self.kwargs["pk"]
        )
        return super().get_object_for_write()

    def get_serializer_class(self):
        if self.action == "create":
            return ActionItemCreateSerializer
        return super().get_serializer_class()

    def create_object(self, data):
        meeting = data.pop("meeting")
        return services.action_item_add(
            meeting=meeting, actor=self.request.user, entry=services.ActionEntry(**data)
        )

    def update_object(self, instance, data):
        user = self.request.user
        # The status first: handing the action to someone else may leave the caller no right to move it.
        if "status" in data:
            instance = services.action_item_set_status(
                action_item=instance, actor=user, status=data["status"]
            )
        # The chaser with the owner: an action handed to a stakeholder may name who chases it at once.
        if "owner_user" in data or "owner_stakeholder" in data:
            instance = services.action_item_reassign(
                action_item=instance,
                actor=user,
                owner_user=data.get("owner_user"),
                owner_stakeholder=data.get("owner_stakeholder"),
                chaser=data.get("chaser"),
            )
        elif "chaser" in data:
            instance = services.action_item_set_chaser(
                action_item=instance, actor=user, chaser=data["chaser"]
            )
        return instance


MEETING_IN_PATH = OpenApiParameter(
    "meeting_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The meeting."
)


@extend_schema_view(
    list=extend_schema(parameters=[MEETING_IN_PATH]),
    create=extend_schema(
        parameters=[MEETING_IN_PATH],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: MeetingDocumentSerializer},
    ),
    retrieve=extend_schema(
        parameters=[MEETING_IN_PATH],
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file, as uploaded.")},
    ),
    destroy=extend_schema(parameters=[MEETING_IN_PATH]),
)
class MeetingDocumentViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A meeting's papers. Everyone on the staff lists and downloads them, as they read the meeting; the
    organiser, their managers and administrators add (multipart/form-data, part `file`) and remove them.
    An upload is checked as on the meeting's page, by the same service: its kind by name and by content,
    and its size (400 with a message under `file`)."""

    serializer_class = MeetingDocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = None
    filter_backends = []
    lookup_value_regex = r"\d+"
    queryset = MeetingDocument.objects.none()  # the schema's model; requests read get_queryset()

    def meeting(self, *, for_write: bool = False) -> Meeting:
        """The meeting in the address if the caller may see it (else 404); to write, locked and editable
        by them (else 403)."""
        meetings = Meeting.objects.visible_to(self.request.user).defer("search_vector")
        if for_write:
            # Locked as the services lock it: removing a paper deletes its row, not the meeting's.
            meetings = meetings.select_for_update(no_key=True, of=("self",))
        meeting = generics.get_object_or_404(
            meetings.select_related("organiser"), pk=self.kwargs["meeting_pk"]
        )
        if for_write:
            require(can_edit_meeting(self.request.user, meeting))
        return meeting

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MeetingDocument.objects.none()
        return MeetingDocument.objects.filter(meeting=self.meeting())

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            meeting = self.meeting(for_write=True)
            upload = DocumentUploadSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            document = services.document_attach(
                meeting=meeting, actor=request.user, upload=upload.validated_data["file"]
            )
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    def perform_content_negotiation(self, request, force=False):
        # A download answers in the file's own type, whatever the client accepts (`Accept: application/pdf`
        # too); its errors stay JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "retrieve")

    def retrieve(self, request, *args, **kwargs):
        document = self.get_object()
        try:
            handle = document.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("The file is no longer stored.")) from missing
        return FileResponse(
            handle, as_attachment=True, filename=document.name, content_type=document.content_type
        )

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            meeting = self.meeting(for_write=True)
            document = generics.get_object_or_404(meeting.documents.all(), pk=self.kwargs["pk"])
            services.document_remove(document=document, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
