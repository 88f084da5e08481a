import datetime as dt

import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from contacts.filtersets import (
    ChasedWorkFilterSetMixin,
    NothingUnlessValidFilterSet,
    SearchFilter,
    UpdatedSinceFilter,
    api_tag_filter,
    tag_filter,
)
from contacts.models import Organisation, OrganisationKind, Stakeholder
from contacts.widgets import QuickSelect

from .models import Direction, Interaction, InteractionKind, Sentiment


class InteractionFilterSet(NothingUnlessValidFilterSet):
    """Filters for a list of interactions; the queryset given is already limited to what the user may see."""

    q = SearchFilter()
    # Through the participation rows, which carry the time: a long timeline is read from its index.
    stakeholder = django_filters.ModelChoiceFilter(
        label=_("Stakeholder"), field_name="participations__stakeholder", queryset=Stakeholder.objects.all()
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        method="filter_organisation",
        help_text=_(
            "Filed against it or its departments, or against none with people who worked there on the day, "
            "as on its page."
        ),
    )
    # Anyone who ever logged, those who have left included, is a member of staff; one who logged nothing
    # lists nothing, which is the answer. No picker draws these choices, so all staff cost no more than
    # the one row looked up.
    logged_by = django_filters.ModelChoiceFilter(
        label=_("Logged by"), queryset=get_user_model().objects.all(), empty_label=_("Anyone")
    )
    # A team's report links its interactions' export by the team: those its members logged.
    team = django_filters.ModelChoiceFilter(
        label=_("Logged by a member of"),
        field_name="logged_by__team",
        queryset=Team.objects.all(),
        method="filter_team",
        empty_label=_("Any"),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=InteractionKind.choices, empty_label=_("Any"))
    direction = django_filters.ChoiceFilter(
        label=_("Direction"), choices=Direction.choices, empty_label=_("Any")
    )
    sentiment = django_filters.ChoiceFilter(
        label=_("Sentiment"), choices=Sentiment.choices, empty_label=_("Any")
    )
    topic = tag_filter(label=_("Topic"), field_name="topics")
    occurred = django_filters.DateFromToRangeFilter(label=_("When"), field_name="occurred_at")
    follow_up = django_filters.ChoiceFilter(
        label=_("Follow-up"),
        method="filter_follow_up",
        choices=[("open", _("Open")), ("overdue", _("Overdue")), ("done", _("Done")), ("none", _("None"))],
        empty_label=_("Any"),
    )
    follow_up_owner = django_filters.ModelChoiceFilter(
        label=_("Follow-up owner"),
        queryset=get_user_model().objects.active_or_holding_work(),
        empty_label=_("Anyone"),
        help_text=_("Who chases the follow-up, open or done."),
    )
    confidential = django_filters.BooleanFilter(label=_("Confidential"), field_name="is_confidential")

    class Meta:
        model = Interaction
        fields = [
            "q",
            "stakeholder",
            "organisation",
            "logged_by",
            "team",
            "kind",
            "direction",
            "sentiment",
            "topic",
            "occurred",
            "follow_up",
            "follow_up_owner",
            "confidential",
        ]

    def filter_organisation(self, queryset, name, value):
        return queryset.for_organisation(value) if value else queryset

    def filter_team(self, queryset, name, value):
        # As the team's report reads them (dashboards.reports.Report.interactions).
        return queryset if value is None else queryset.logged_by_team(value)

    def filter_follow_up(self, queryset, name, value):
        if value == "open":
            return queryset.open_follow_ups()
        if value == "overdue":
            return queryset.open_follow_ups().filter(follow_up_on__lt=timezone.localdate())
        if value == "done":
            return queryset.filter(follow_up_done_at__isnull=False)
        if value == "none":
            return queryset.filter(follow_up_on__isnull=True)
        return queryset


OVERDUE = "overdue"
DUE_SOON = "soon"
# "Due soon": today and the six days after it, the week ahead My day also looks at.
DUE_SOON_DAYS = 7


class FollowUpFilterSet(ChasedWorkFilterSetMixin, NothingUnlessValidFilterSet):
    """Filters the follow-ups list (open follow-ups only, given already limited to what the reader may see).

    It opens on the reader's own (ChasedWorkFilterSetMixin). The follow-up register is shared as the
    commitments register is: anyone may look at a colleague's or a team's, and sees of them what
    `Interaction.objects.visible_to` lets them read.
    """

    owner = django_filters.ModelChoiceFilter(
        label=_("Chased by"),
        field_name="follow_up_owner",
        queryset=get_user_model().objects.active_or_holding_work(),
        empty_label=_("Anyone"),
        widget=QuickSelect,
    )
    # The manager dashboard's figures go by team across teams: its links to this list name the team.
    team = django_filters.ModelChoiceFilter(
        label=_("Team"),
        queryset=Team.objects.all(),
        method="filter_team",
        empty_label=_("Any"),
        widget=QuickSelect,
    )
    due = django_filters.ChoiceFilter(
        label=_("Due"),
        method="filter_due",
        choices=[(OVERDUE, _("Overdue")), (DUE_SOON, _("Due in the next 7 days"))],
        empty_label=_("Any time"),
        widget=QuickSelect,
    )
    # As the dashboard counts them: by the organisation the interaction was with.
    organisation_kind = django_filters.ChoiceFilter(
        label=_("Kind of organisation"),
        field_name="organisation__kind",
        choices=OrganisationKind.choices,
        empty_label=_("Any"),
        widget=QuickSelect,
    )

    class Meta:
        model = Interaction
        fields = ["owner", "team", "due", "organisation_kind"]

    def filter_team(self, queryset, name, value):
        # As the dashboard counts a team (dashboards.queries.Scope.people): the follow-ups of its members,
        # read from each one's entries of the index by chaser and date, not every open follow-up joined to
        # its chaser.
        if value is None:
            return queryset
        return queryset.filter(follow_up_owner__in=get_user_model().objects.of_team(value))

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == OVERDUE:
            return queryset.filter(follow_up_on__lt=today)
        if value == DUE_SOON:
            return queryset.filter(follow_up_on__range=(today, today + dt.timedelta(days=DUE_SOON_DAYS - 1)))
        return queryset


class InteractionApiFilterSet(InteractionFilterSet):
    """The same filters as the API names them: `search`, and `updated_since` for incremental sync."""

    q = None
    search = SearchFilter()
    updated_since = UpdatedSinceFilter()
    topic = api_tag_filter(label=_("Topic"), field_name="topics")

    class Meta(InteractionFilterSet.Meta):
        fields = [name for name in InteractionFilterSet.Meta.fields if name != "q"]
