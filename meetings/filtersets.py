import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from accounts.models import Team
from contacts.filtersets import (
    ChasedWorkFilterSetMixin,
    MomentFilter,
    RegisterFilterSet,
    SearchFilter,
    UpdatedSinceFilter,
    overdue_or_not,
)
from contacts.models import Organisation, OrganisationKind, Stakeholder
from contacts.widgets import QuickSelect

from .models import ActionItem, ActionStatus, Meeting, MeetingStatus

UPCOMING, PAST = "upcoming", "past"
UNFINISHED = "unfinished"

INVOLVING = _("Meetings this member of staff organises or is invited to.")
WITH_STAKEHOLDER = _("Meetings this stakeholder is invited to.")
WITH_ORGANISATION = _("Meetings with the organisation or one of its departments.")


def id_parameter(description):
    """The schema of a filter taking a record's id, whose method hides the type from drf-spectacular."""
    return extend_schema_field({"type": "integer", "description": str(description)})


class MeetingApiFilterSet(django_filters.FilterSet):
    """Filters for the API's list of meetings; the queryset given is already what the user may see."""

    search = SearchFilter(
        help_text=_(
            "Words in the title, purpose, minutes or place (by prefix), or the name of its organiser or of "
            "someone invited."
        )
    )
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[(UPCOMING, _("Upcoming: not yet over")), (PAST, _("Past: already over"))],
        method="filter_when",
        help_text=_("As on the meetings page; past meetings come newest first."),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MeetingStatus.choices)
    organiser = django_filters.ModelChoiceFilter(
        label=_("Organiser"), queryset=get_user_model().objects.all()
    )
    involving = django_filters.ModelChoiceFilter(
        label=_("Involving"),
        queryset=get_user_model().objects.all(),
        method="filter_involving",
        help_text=INVOLVING,
    )
    stakeholder = django_filters.ModelChoiceFilter(
        label=_("Stakeholder"),
        queryset=Stakeholder.objects.all(),
        method="filter_stakeholder",
        help_text=WITH_STAKEHOLDER,
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        method="filter_organisation",
        help_text=WITH_ORGANISATION,
    )
    starts_after = MomentFilter(label=_("Starts at or after"), field_name="starts_at", lookup_expr="gte")
    starts_before = MomentFilter(label=_("Starts before"), field_name="starts_at", lookup_expr="lt")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Meeting
        fields = [
            "search",
            "when",
            "status",
            "organiser",
            "involving",
            "stakeholder",
            "organisation",
            "starts_after",
            "starts_before",
            "updated_since",
        ]

    def filter_when(self, queryset, name, value):
        if value == UPCOMING:
            return queryset.upcoming()
        if value == PAST:
            return queryset.past()
        return queryset

    @id_parameter(INVOLVING)
    def filter_involving(self, queryset, name, value):
        return queryset.involving(value) if value else queryset

    @id_parameter(WITH_STAKEHOLDER)
    def filter_stakeholder(self, queryset, name, value):
        return queryset.with_stakeholder(value) if value else queryset

    @id_parameter(WITH_ORGANISATION)
    def filter_organisation(self, queryset, name, value):
        return queryset.for_organisation(value) if value else queryset


class WhenFilter(django_filters.ChoiceFilter):
    """Upcoming meetings, soonest first, unless past ones are asked for (newest first): the list opens on
    what is coming."""

    def filter(self, qs, value):
        return qs.past() if value == PAST else qs.upcoming()


class MeetingFilterSet(RegisterFilterSet):
    """Filters the meetings list and its export."""

    q = SearchFilter()
    when = WhenFilter(label=_("When"), choices=[(PAST, _("Past"))], empty_label=_("Upcoming"))
    mine = django_filters.BooleanFilter(
        label=_("Only mine"), method="filter_mine", widget=forms.CheckboxInput
    )

    class Meta:
        model = Meeting
        fields = ["q", "when", "mine"]

    @classmethod
    def register_for(cls, user):
        return Meeting.objects.visible_to(user).for_list()

    def filter_mine(self, queryset, name, value):
        return queryset.involving(self.request.user) if value else queryset

    @property
    def lists_past(self) -> bool:
        return self.is_valid() and self.form.cleaned_data["when"] == PAST


class ActionItemFilterSet(ChasedWorkFilterSetMixin, RegisterFilterSet):
    """Filters "My actions" and its export. No status means every status; the page asks for unfinished.
    Unfinished are all open ones, those of a cancelled meeting too, listed last (`live_first`), to be
    closed or handed on; "Overdue" leaves them out, as the dashboard counts (`ActionItemQuerySet.overdue`).

    It opens on the reader's own, as the follow-ups list does (ChasedWorkFilterSetMixin). The manager
    dashboard's overdue figures link here naming an officer or a team.
    """

    # It opens on what is still to do.
    opening_status = UNFINISHED

    q = django_filters.CharFilter(label=_("Search"), field_name="description", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(UNFINISHED, _("Open or in progress")), *ActionStatus.choices],
        method="filter_status",
        empty_label=_("Any status"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method=overdue_or_not,
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Overdue")), ("false", _("Not overdue"))]),
    )

    owner = django_filters.ModelChoiceFilter(
        label=_("Chased by"),
        # Leavers too while they hold open work: a stakeholder's action they chase, until it is handed on.
        queryset=get_user_model().objects.active_or_holding_work(),
        method="filter_owner",
        empty_label=_("Anyone"),
        widget=QuickSelect,
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"),
        queryset=Team.objects.all(),
        method="filter_team",
        empty_label=_("Any"),
        widget=QuickSelect,
    )
    # As the dashboard counts them: by the organisation of the meeting they were agreed at.
    organisation_kind = django_filters.ChoiceFilter(
        label=_("Kind of organisation"),
        field_name="meeting__organisation__kind",
        choices=OrganisationKind.choices,
        empty_label=_("Any"),
        widget=QuickSelect,
    )

    class Meta:
        model = ActionItem
        fields = ["q", "status", "overdue", "owner", "team", "organisation_kind"]

    @classmethod
    def register_for(cls, user):
        # The organiser too: whether the reader may move each action along is asked of it.
        actions = ActionItem.objects.visible_to(user).for_list().select_related("meeting__organiser")
        return actions.live_first()

    def filter_owner(self, queryset, name, value):
        return queryset.chased_by_officer(value) if value else queryset

    def filter_team(self, queryset, name, value):
        # As the dashboard counts a team (dashboards.queries.overdue_actions): what its members answer for.
        return queryset.chased_by(get_user_model().objects.of_team(value)) if value else queryset

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == UNFINISHED else queryset.filter(status=value)


class ActionItemApiFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ActionStatus.choices)
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner (staff)"), field_name="owner_user", queryset=get_user_model().objects.all()
    )
    owner_stakeholder = django_filters.ModelChoiceFilter(
        label=_("Owner (stakeholder)"), queryset=Stakeholder.objects.all()
    )
    chased_by = django_filters.ModelChoiceFilter(
        label=_("Chased by"),
        # A user's id, as the schema says (the field a stakeholder's chaser is kept in); the method decides.
        field_name="chaser",
        queryset=get_user_model().objects.all(),
        method="filter_chased_by",
        help_text=_("Who answers for it: its owner on the staff, or the colleague chasing a stakeholder's."),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method=overdue_or_not,
        widget=forms.NullBooleanSelect,
        help_text=_("Open or in progress and past its due date, unless its meeting was cancelled."),
    )
    meeting = django_filters.ModelChoiceFilter(label=_("Meeting"), queryset=Meeting.objects.all())
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = ActionItem
        fields = ["status", "owner", "owner_stakeholder", "chased_by", "overdue", "meeting", "updated_since"]

    def filter_chased_by(self, queryset, name, value):
        return queryset.chased_by_officer(value) if value else queryset
