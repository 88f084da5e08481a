"""Where a commitment or a concern is being recorded from: the interaction or meeting page its form was
opened on (`?interaction=` or `?meeting=`), and the stakeholder it is about (`?stakeholder=`)."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from contacts.models import Stakeholder
from interactions.models import Interaction
from liaison_crm.record_ids import record_id

from .models import Meeting


@dataclass
class Source:
    interaction: Interaction | None = None
    meeting: Meeting | None = None
    stakeholder: Stakeholder | None = None

    def form_initial(self) -> dict:
        """What the form starts with: the stakeholder, and the organisation the interaction or meeting was
        with, where known."""
        initial = {}
        if self.stakeholder:
            initial["stakeholder"] = self.stakeholder.pk
        record = self.interaction or self.meeting
        if record and record.organisation_id:
            initial["organisation"] = record.organisation_id
        return initial


def source_from(request) -> Source:
    """The records `request` names that the reader may see (a 404 for any other); the stakeholder, unless
    named, is the interaction's first by name or the meeting's first invited."""
    source = Source()
    user = request.user
    if pk := request.GET.get("interaction"):
        source.interaction = get_object_or_404(Interaction.objects.visible_to(user), pk=record_id(pk) or 0)
        source.stakeholder = source.interaction.stakeholders.order_by("name", "pk").first()
    elif pk := request.GET.get("meeting"):
        source.meeting = get_object_or_404(Meeting.objects.visible_to(user), pk=record_id(pk) or 0)
        attendee = (
            source.meeting.attendees.filter(stakeholder__isnull=False).select_related("stakeholder").first()
        )
        source.stakeholder = attendee.stakeholder if attendee else None
    if pk := request.GET.get("stakeholder"):
        source.stakeholder = get_object_or_404(Stakeholder.objects.visible_to(user), pk=record_id(pk) or 0)
    return source
