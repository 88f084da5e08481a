import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import (
    AssigneeField,
    ReadManyAtOnce,
    StaffField,
    TypedDateField,
    TypedDatesMixin,
    VisibleRecordField,
)
from contacts.models import Stakeholder
from interactions.api.serializers import InteractionBriefSerializer, StakeholderBriefSerializer
from interactions.models import Sentiment

from ..models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendee,
    Frequency,
    Meeting,
    MeetingDocument,
    MeetingSeries,
    Rsvp,
)


class AttendeeField(ReadManyAtOnce, serializers.PrimaryKeyRelatedField):
    """A meeting's attendee by id (the serializer narrows the queryset to the meeting's): a list of them
    read in one query."""


class AttendeeSerializer(serializers.ModelSerializer):
    """One invitation: a stakeholder (`stakeholder`) or a member of staff (`user`), and their reply."""

    stakeholder = StakeholderBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Attendee
        fields = ["id", "stakeholder", "user", "rsvp", "responded_at", "attended"]
        read_only_fields = fields


class AgendaItemSerializer(serializers.ModelSerializer):
    owner = AssigneeField(allow_null=True, required=False, help_text=_("Who leads it."))

    class Meta:
        model = AgendaItem
        fields = ["title", "owner", "minutes_allotted"]

    def validate(self, attrs):
        # DRF hands a PATCH's `partial` down to nested items, which would let an item through untitled;
        # the agenda is replaced whole, so each item needs its title in a PATCH as in a POST.
        if "title" not in attrs:
            raise serializers.ValidationError({"title": [self.fields["title"].error_messages["required"]]})
        return attrs


class MeetingDocumentSerializer(serializers.ModelSerializer):
    """A paper's description; the file itself is at `download_url`."""

    download_url = serializers.SerializerMethodField(help_text=_("GET it (with your token) for the file."))

    class Meta:
        model = MeetingDocument
        fields = ["id", "name", "content_type", "size", "uploaded_by", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        return reverse("api:meeting-document-detail", args=[document.meeting_id, document.pk])


class DocumentUploadSerializer(serializers.Serializer):
    """A paper to attach, sent as multipart/form-data. The same checks as the meeting page: a PDF, office
    document, image or text file whose content matches its name, within the size limit."""

    file = serializers.FileField(help_text=_("The file, as the `file` part of a multipart/form-data body."))


class MeetingSeriesSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeetingSeries
        fields = ["id", "frequency", "count"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    """A meeting as the API and webhooks show it."""

    # Declared so the schema says "a link, or empty" as it does for input.
    video_url = serializers.URLField(read_only=True, allow_blank=True)
    series = MeetingSeriesSerializer(read_only=True, allow_null=True)
    attendees = AttendeeSerializer(many=True, read_only=True)
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    decisions = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="text", help_text=_("In the order they were recorded.")
    )
    action_items = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("Agreed when it was held: see /api/v1/action-items/.")
    )
    documents = MeetingDocumentSerializer(many=True, read_only=True)
    interaction = InteractionBriefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The timeline entry logged when it was held; null if you may not read it."),
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "uid",
            "title",
            "purpose",
            "status",
            "starts_at",
            "ends_at",
            "time_zone",
            "location",
            "video_url",
            "organiser",
            "organisation",
            "series",
            "original_start",
            "reminder_minutes",
            "attendees",
            "agenda_items",
            "minutes",
            "decisions",
            "action_items",
            "documents",
            "interaction",
            "held_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeetingInputSerializer(TypedDatesMixin, serializers.ModelSerializer):
    """What changing a meeting takes; meetings.services does the rest (invitations, reminders)."""

    stakeholders = VisibleRecordField(
        Stakeholder, many=True, required=False, help_text=_("Stakeholders invited.")
    )
    staff = StaffField(
        many=True,
        named=lambda meeting: meeting.attendees.filter(user__isnull=False).values("user"),
        required=False,
        help_text=_("Colleagues invited: members of staff, not service accounts."),
    )
    agenda = AgendaItemSerializer(many=True, required=False, help_text=_("Replaces the whole agenda."))
    minutes = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Corrects a held meeting's minutes; a held meeting's other fields stay as recorded."),
    )
    attended = AttendeeField(
        many=True,
        queryset=Attendee.objects.none(),
        required=False,
        help_text=_(
            "Corrects who of a held meeting's attendees came (their ids; the others did not): the meeting is "
            "logged on the timelines of the stakeholders among them."
        ),
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "purpose",
            "starts_at",
            "ends_at",
            "time_zone",
            "location",
            "video_url",
            "organisation",
            "reminder_minutes",
            "stakeholders",
            "staff",
            "agenda",
            "minutes",
            "attended",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and "attended" in fields:
            fields["attended"].child_relation.queryset = self.instance.attendees.all()
        return fields

    def validate(self, attrs):
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise serializers.ValidationError({"ends_at": _("The meeting must end after it starts.")})
        return attrs


class MeetingScheduleSerializer(MeetingInputSerializer):
    """What scheduling a meeting, or a series of them, takes; you are its organiser."""

    frequency = serializers.ChoiceField(
        choices=Frequency.choices, required=False, help_text=_("To repeat it; give `count` too.")
    )
    count = serializers.IntegerField(
        min_value=2, max_value=52, required=False, help_text=_("How many meetings the series has in all.")
    )

    class Meta(MeetingInputSerializer.Meta):
        # Minutes and attendance are recorded when the meeting is held.
        fields = [
            *(f for f in MeetingInputSerializer.Meta.fields if f not in ("minutes", "attended")),
            "frequency",
            "count",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("frequency") and not attrs.get("count"):
            raise serializers.ValidationError({"count": _("Say how many meetings the series has.")})
        if attrs.get("count") and not attrs.get("frequency"):
            raise serializers.ValidationError({"frequency": _("Say how often the meeting repeats.")})
        return attrs


class MeetingCancelSerializer(serializers.Serializer):
    and_following = serializers.BooleanField(
        default=False,
        help_text=_("Cancel this occurrence of a series and every later planned one; earlier ones stay."),
    )
    close_open_actions = serializers.BooleanField(
        default=True,
        help_text=_(
            "Cancel the open actions of the meetings cancelled too (each as PATCH status=cancelled would: "
            "nobody is emailed). When false they stay open, to be closed or handed on, but are no longer "
            "counted or chased as overdue."
        ),
    )

    def validate(self, attrs):
        # The old flag also cancelled earlier occurrences. Ignored, it would cancel one meeting where the
        # client meant many; refused, the client learns the new name and what it means.
        if "whole_series" in self.initial_data:
            raise serializers.ValidationError(
                {
                    "whole_series": _(
                        "Send and_following instead: it cancels this occurrence and every later planned one."
                    )
                }
            )
        return attrs


class ActionEntrySerializer(serializers.Serializer):
    """An action agreed at the meeting, owned by a member of staff or by one of its stakeholders."""

    description = serializers.CharField(max_length=500)
    owner_user = AssigneeField(
        required=False, allow_null=True, help_text=_("A member of staff (not a service account), or…")
    )
    owner_stakeholder = serializers.PrimaryKeyRelatedField(
        queryset=Stakeholder.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("…one of the meeting's stakeholders."),
        error_messages={"does_not_exist": _("Choose one of this meeting's stakeholders.")},
    )
    due_on = TypedDateField(required=False, allow_null=True)
    chaser = AssigneeField(
        required=False,
        allow_null=True,
        help_text=_(
            "Who chases a stakeholder's action: a member of staff. Defaults to the meeting's organiser."
        ),
    )

    def get_fields(self):
        fields = super().get_fields()
        meeting = self.context.get("record")
        if meeting is not None:
            fields["owner_stakeholder"].queryset = Stakeholder.objects.filter(
                meeting_attendances__meeting=meeting
            )
        return fields

    def validate(self, attrs):
        if (attrs.get("owner_user") is None) == (attrs.get("owner_stakeholder") is None):
            raise serializers.ValidationError(
                {"owner_user": _("Give one owner: owner_user (staff) or owner_stakeholder.")}
            )
        return attrs


class MeetingHeldSerializer(serializers.Serializer):
    attended = AttendeeField(
        many=True,
        queryset=Attendee.objects.none(),
        required=False,
        help_text=_(
            "The ids of the attendees who came, staff and stakeholders; left out, everyone who had not "
            "declined. The meeting is logged on the timelines of the stakeholders among them."
        ),
    )
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, required=False, default=Sentiment.NEUTRAL)
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    decisions = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list
    )
    action_items = ActionEntrySerializer(many=True, required=False, default=list)

    def get_fields(self):
        fields = super().get_fields()
        meeting = self.context.get("record")
        if meeting is not None:
            fields["attended"].child_relation.queryset = meeting.attendees.all()
        return fields


class RsvpSerializer(serializers.Serializer):
    attendee = serializers.PrimaryKeyRelatedField(
        queryset=Attendee.objects.none(),
        required=False,
        help_text=_("The invitation answered; defaults to your own."),
        error_messages={"does_not_exist": _("No such attendee of this meeting.")},
    )
    rsvp = serializers.ChoiceField(choices=Rsvp.choices)

    def get_fields(self):
        fields = super().get_fields()
        meeting = self.context.get("record")
        if meeting is not None:
            fields["attendee"].queryset = meeting.attendees.all()
        return fields

    def validate(self, attrs):
        if "attendee" not in attrs:
            request, meeting = self.context["request"], self.context["record"]
            attrs["attendee"] = meeting.attendees.filter(user=request.user).first()
            if attrs["attendee"] is None:
                raise serializers.ValidationError(
                    {"attendee": _("You are not invited to this meeting: say whose reply this is.")}
                )
        return attrs


class ActionItemSerializer(serializers.ModelSerializer):
    """An action agreed at a meeting, as the API shows it."""

    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    is_overdue = serializers.BooleanField(
        read_only=True,
        help_text=_("Open or in progress and past its due date, unless its meeting was cancelled."),
    )

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "meeting",
            "meeting_title",
            "description",
            "owner_user",
            "owner_stakeholder",
            "chaser",
            "due_on",
            "status",
            "is_overdue",
            "completed_at",
            "cancelled_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ActionItemCreateSerializer(ActionEntrySerializer):
    """An action added to a planned or held meeting, such as one agreed after it was recorded."""

    meeting = VisibleRecordField(Meeting, help_text=_("The meeting it was agreed at."))
    # Which of the meeting's stakeholders is checked by the service, once the meeting is known.
    owner_stakeholder = VisibleRecordField(
        Stakeholder, required=False, allow_null=True, help_text=_("…one of the meeting's stakeholders.")
    )


class ActionItemInputSerializer(serializers.Serializer):
    """Moving an action along: its status, who owns it (a member of staff or a stakeholder), or who chases
    a stakeholder's."""

    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    owner_user = AssigneeField(required=False, allow_null=True)
    owner_stakeholder = serializers.PrimaryKeyRelatedField(
        queryset=Stakeholder.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("One of the meeting's stakeholders."),
        error_messages={"does_not_exist": _("Choose one of this meeting's stakeholders.")},
    )
    chaser = AssigneeField(
        required=False, help_text=_("Who chases a stakeholder's action: a member of staff.")
    )

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["owner_stakeholder"].queryset = Stakeholder.objects.filter(
                meeting_attendances__meeting=self.instance.meeting_id
            )
        return fields

    def validate(self, attrs):
        owners = [attrs[name] for name in ("owner_user", "owner_stakeholder") if name in attrs]
        if owners and len([owner for owner in owners if owner is not None]) != 1:
            raise serializers.ValidationError(
                {"owner_user": _("Give one owner: owner_user (staff) or owner_stakeholder.")}
            )
        return attrs


def meeting_payload(meeting: Meeting, *, viewer) -> dict:
    """The webhook payload: the meeting exactly as GET /api/v1/meetings/{id}/ shows it to `viewer`."""
    fresh = Meeting.objects.for_api(viewer).get(pk=meeting.pk)
    with timezone.override(datetime.UTC):
        return dict(MeetingSerializer(fresh).data)
