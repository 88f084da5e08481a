"""CSV exports of the lists, with the filters the list shows: the same FilterSet, the same visibility.

Each export names its rows (the list's queryset, starting from `visible_to(reader)`), its filters and its
columns; `liaison_crm/csv_export.py` streams the file and neutralises cells a spreadsheet would take for a
formula. Rows are read in chunks (`iterator`), so a whole register never sits in memory.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.filtersets import CommitmentFilterSet
from concerns.filtersets import ConcernFilterSet
from contacts.filtersets import OrganisationFilterSet, StakeholderFilterSet
from contacts.models import Organisation, Stakeholder
from interactions.filtersets import FollowUpFilterSet, InteractionFilterSet
from interactions.models import Interaction
from liaison_crm.csv_export import Column
from meetings.filtersets import ActionItemFilterSet, MeetingFilterSet

CHUNK = 2000


def _names(related) -> list[str]:
    return [str(item) for item in related.all()]


def _position(key: str) -> Callable:
    """A part of the stakeholder's current position, the primary one first (`with_row_summary`)."""

    def read(stakeholder):
        return (stakeholder.current_position or {}).get(key, "")

    return read


def _people(interaction) -> list[str]:
    return [person["name"] for person in interaction.timeline_people]


STAKEHOLDER_COLUMNS = [
    Column(_("ID"), "pk"),
    Column(_("Name"), "name"),
    Column(_("Form of address"), "form_of_address"),
    Column(_("Organisation"), _position("organisation_name")),
    Column(_("Role"), _position("role")),
    Column(_("Emails"), "emails"),
    Column(_("Phones"), "phones"),
    Column(_("Owner"), "owner"),
    Column(_("Engagement"), lambda s: s.get_engagement_level_display()),
    Column(_("Influence"), "influence"),
    Column(_("Interest"), "interest"),
    Column(_("Contact every (days)"), "contact_cadence_days"),
    Column(_("Last contact"), "last_contacted_at"),
    Column(_("Contact due"), "contact_due"),
    Column(_("Preferred channel"), lambda s: s.get_preferred_channel_display()),
    Column(_("Languages"), "language_names"),
    Column(_("Time zone"), "time_zone"),
    Column(_("Tags"), "tag_names"),
    Column(_("Archived"), "is_archived"),
]

ORGANISATION_COLUMNS = [
    Column(_("ID"), "pk"),
    Column(_("Name"), "name"),
    Column(_("Kind"), lambda o: o.get_kind_display()),
    Column(_("Part of"), "parent"),
    Column(_("Sector"), "sector"),
    Column(_("Country"), "country"),
    Column(_("Website"), "website"),
    Column(_("People"), "people_count"),
    Column(_("Tags"), lambda o: _names(o.tags)),
]

INTERACTION_COLUMNS = [
    Column(_("ID"), "pk"),
    Column(_("When"), "occurred_at"),
    Column(_("Kind"), lambda i: i.get_kind_display()),
    Column(_("Direction"), lambda i: i.get_direction_display()),
    Column(_("Stakeholders"), _people),
    Column(_("Organisation"), "organisation"),
    Column(_("Summary"), "summary"),
    Column(_("Outcome"), "outcome"),
    Column(_("Notes"), "notes"),
    Column(_("Sentiment"), lambda i: i.get_sentiment_display()),
    # The figure beside the word, for averages and charts in a spreadsheet (-2 very negative to +2).
    Column(_("Sentiment score"), "sentiment"),
    Column(_("Topics"), "timeline_topics"),
    Column(_("Follow up by"), "follow_up_on"),
    Column(_("Agreed follow-up"), "follow_up_note"),
    Column(_("Follow-up done"), "follow_up_done_at"),
    Column(_("Follow-up owner"), "timeline_follow_up_owner"),
    Column(_("Confidential"), "is_confidential"),
    Column(_("Logged by"), "logged_by"),
]

MEETING_COLUMNS = [
    Column(_("ID"), "pk"),
    Column(_("Title"), "title"),
    Column(_("Starts"), "starts_at"),
    Column(_("Ends"), "ends_at"),
    Column(_("Time zone"), "time_zone"),
    Column(_("Status"), lambda m: m.get_status_display()),
    Column(_("Organiser"), "organiser"),
    Column(_("Organisation"), "organisation"),
    Column(_("Place"), "location"),
    Column(_("Video link"), "video_url"),
    Column(_("Stakeholders"), lambda m: [str(guest.stakeholder) for guest in m.guests]),
    Column(_("Staff"), lambda m: [str(colleague.user) for colleague in m.staff]),
]

ACTION_COLUMNS = [
    Column(_("ID"), "pk"),
    Column(_("Action"), "description"),
    Column(_("Meeting"), "meeting"),
    Column(_("Meeting date"), lambda a: timezone.localdate(a.meeting.starts_at)),
    Column(_("Owner"), "owner"),
    Column(_("Chased by"), "chased_by"),
    Column(_("Due"), "due_on"),
    Column(_("Status"), lambda a: a.get_status_display()),
    Column(_("Completed"), "completed_at"),
    Column(_("Cancelled"), "cancelled_at"),
]

COMMITMENT_COLUMNS = [
    Column(_("ID"), "pk"),
    Column(_("What was promised"), "description"),
    Column(_("Who promised"), lambda c: c.get_direction_display()),
    Column(_("Stakeholder"), "stakeholder"),
    Column(_("Organisation"), "organisation"),
    Column(_("Chased by"), "owner"),
    Column(_("Due"), "due_on"),
    Column(_("Renews"), "renews_on"),
    Column(_("Status"), lambda c: c.get_status_display()),
    Column(_("Fulfilled"), "fulfilled_at"),
    Column(_("Broken"), "broken_at"),
    Column(_("Cancelled"), "cancelled_at"),
    Column(_("Recorded"), "created_at"),
]

CONCERN_COLUMNS = [
    Column(_("ID"), "pk"),
    Column(_("Concern"), "title"),
    Column(_("Raised by"), "stakeholder"),
    Column(_("Organisation"), "organisation"),
    Column(_("Severity"), lambda c: c.get_severity_display()),
    Column(_("Status"), lambda c: c.get_status_display()),
    Column(_("Handled by"), "owner"),
    Column(_("Raised on"), "raised_on"),
    Column(_("Escalated"), "escalated_at"),
    Column(_("Resolved"), "resolved_at"),
    Column(_("Resolution"), "resolution"),
]


@dataclass(frozen=True)
class Export:
    """One list's export: its rows for a reader and a query string, and its columns."""

    filename: str
    columns: list[Column]
    rows: Callable


def _stakeholders(request):
    queryset = (
        Stakeholder.objects.visible_to(request.user)
        .defer("search_vector")
        .select_related("owner")
        .with_row_summary()
    )
    return StakeholderFilterSet(request.GET, queryset=queryset, request=request).qs


def _organisations(request):
    queryset = (
        Organisation.objects.visible_to(request.user)
        .select_related("parent")
        .with_people_count()
        .prefetch_related("tags")
        .order_by("name", "pk")
    )
    return OrganisationFilterSet(request.GET, queryset=queryset, request=request).qs


def _interactions(request):
    queryset = Interaction.objects.visible_to(request.user).for_timeline().order_by("-occurred_at", "-pk")
    return InteractionFilterSet(request.GET, queryset=queryset, request=request).qs


def _follow_ups(request):
    queryset = (
        Interaction.objects.visible_to(request.user)
        .open_follow_ups()
        .for_timeline()
        .order_by("follow_up_on", "pk")
    )
    return FollowUpFilterSet(request.GET, queryset=queryset, request=request).qs


def _meetings(request):
    return MeetingFilterSet.list_for(request).qs.with_staff()


def _actions(request):
    return ActionItemFilterSet.list_for(request).qs


def _commitments(request):
    return CommitmentFilterSet.list_for(request).qs


def _concerns(request):
    return ConcernFilterSet.list_for(request).qs


EXPORTS = {
    "stakeholders": Export("stakeholders", STAKEHOLDER_COLUMNS, _stakeholders),
    "organisations": Export("organisations", ORGANISATION_COLUMNS, _organisations),
    "interactions": Export("interactions", INTERACTION_COLUMNS, _interactions),
    "follow_ups": Export("follow-ups", INTERACTION_COLUMNS, _follow_ups),
    "meetings": Export("meetings", MEETING_COLUMNS, _meetings),
    "actions": Export("actions", ACTION_COLUMNS, _actions),
    "commitments": Export("commitments", COMMITMENT_COLUMNS, _commitments),
    "concerns": Export("concerns", CONCERN_COLUMNS, _concerns),
}


def export_rows(export: Export, request):
    return export.rows(request).iterator(chunk_size=CHUNK)
