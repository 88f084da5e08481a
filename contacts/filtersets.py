import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Team

from .models import EngagementLevel, Objective, Organisation, OrganisationKind, Stakeholder, Tag
from .widgets import LookupSelect, QuickSelect


class SearchFilter(django_filters.CharFilter):
    """The one search box: full-text by word prefix plus trigram similarity on the name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Search"))
        super().__init__(**kwargs)

    def filter(self, qs, value):
        return qs.search(value) if value and value.strip() else qs


class StableOrderingFilter(django_filters.OrderingFilter):
    """A list's chosen order, the primary key breaking ties (as the API's `api.ordering.Ordering`): ordered
    by a column many rows share (influence), each page's query may order those rows differently, and pages
    repeat some rows and skip others."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or () if param]
        if not ordering:
            return qs
        return qs.order_by(*ordering, "-pk" if ordering[0].startswith("-") else "pk")


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, read in UTC: PostgreSQL refuses offsets beyond ±16 hours that ISO allows."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:
            # Near the first or last day a datetime can hold, moving into UTC falls off the calendar.
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class MomentFilter(django_filters.IsoDateTimeFilter):
    """A moment given in ISO 8601 (with a time zone, else UTC) to compare a date-time field with."""

    field_class = UtcIsoDateTimeField


class UpdatedSinceFilter(MomentFilter):
    """For incremental sync: records changed at or after this moment (ISO 8601 with a time zone)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Changed since"))
        super().__init__(field_name="updated_at", lookup_expr="gte", **kwargs)


def organisation_filter():
    """An organisation picked with the lookup widget; the filterset defines filter_organisation()."""
    return django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        method="filter_organisation",
        widget=LookupSelect(lookup_url=reverse_lazy("contacts:organisation_lookup"), placeholder=_("Any")),
    )


def visible_tags(request):
    # The lists draw every choice: a tag the reader may not see (Tag.objects.visible_to) is none of them.
    return Tag.objects.visible_to(request.user) if request is not None else Tag.objects.none()


def tag_filter(*, label=None, field_name="tags", queryset=visible_tags, **kwargs):
    """A tag, by id. A bookmark may name one removed since: that is said, not quietly ignored."""
    return django_filters.ModelChoiceFilter(
        label=label or _("Tag"),
        field_name=field_name,
        queryset=queryset,
        empty_label=_("Any"),
        error_messages={"invalid_choice": _("That tag does not exist: it may have been removed.")},
        **kwargs,
    )


def api_tag_filter(**kwargs):
    """The tag filter of an API list, which draws no choices: any tag's id is taken. One the reader may not
    see matches nothing they may read (no stakeholder or organisation carries it, nor any interaction they
    may read), so the list says nothing of it, and building Tag.objects.visible_to's probes, a millisecond
    or two, is spared every request that does not filter by tag."""
    return tag_filter(queryset=Tag.objects.all(), **kwargs)


def overdue_or_not(queryset, name, value):
    """An "Overdue" yes/no filter's method, for a register whose queryset knows what is `overdue()`."""
    overdue = queryset.overdue()
    return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class NothingUnlessValidFilterSet(django_filters.FilterSet):
    """A list whose filter cannot be read (a tag removed since the link was made) lists nothing, with the
    filter's error: leaving the filter out would list everyone, as if they all matched it.

    The API answers 400 before it gets here (DjangoFilterBackend); pages and exports get an empty list.
    """

    @property
    def qs(self):
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs


class ChasedWorkFilterSetMixin:
    """The `owner` and `team` filters of a list of work staff chase (follow-ups, actions), opening on the
    reader's own: with neither a chaser nor a team asked for, the chaser is the reader. "Anyone" sends an
    empty `owner`, which lists everyone's."""

    def __init__(self, data=None, *args, request=None, **kwargs):
        if data is not None and "owner" not in data and "team" not in data and request is not None:
            data = data.copy()
            data["owner"] = request.user.pk
        super().__init__(data, *args, request=request, **kwargs)

    def chosen(self, name: str):
        """What the `name` filter was asked for, None for any: read even beside a filter that could not be,
        for the list to say whose it is."""
        self.is_valid()
        return self.form.cleaned_data.get(name)

    @property
    def lists_readers_own(self) -> bool:
        return self.chosen("owner") == self.request.user

    def heading(self, *, own, chaser, team, anyone) -> str:
        """Whose work the list shows, in its own words: the reader's (`own`), a chaser's (`chaser`, with
        `%(name)s`), a team's (`team`, with `%(team)s`), or anyone's."""
        chosen_owner, chosen_team = self.chosen("owner"), self.chosen("team")
        if chosen_owner == self.request.user:
            return own
        if chosen_owner is not None:
            return chaser % {"name": chosen_owner}
        if chosen_team is not None:
            return team % {"team": chosen_team}
        return anyone


class RegisterFilterSet(NothingUnlessValidFilterSet):
    """A register's filters (commitments, concerns, "My actions", meetings), which its page and its export
    read alike.

    A register filtered by status opens on `opening_status`; "Any status" sends an empty status and shows
    them all. A subclass says which records the reader's register holds, in its order (`register_for`).
    """

    opening_status: str | None = None

    @classmethod
    def register_for(cls, user):
        raise NotImplementedError

    @classmethod
    def list_for(cls, request):
        """The register as `request` filters it, for its page and its export."""
        data = request.GET.copy()
        if cls.opening_status is not None:
            data.setdefault("status", cls.opening_status)
        return cls(data, queryset=cls.register_for(request.user), request=request)


class StakeholderFilterSet(NothingUnlessValidFilterSet):
    q = SearchFilter()
    organisation = organisation_filter()
    # The list page renders these pickers on every visit: QuickSelect writes their options in Python, from
    # only the names they show (`picker_options()`).
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"),
        queryset=get_user_model().objects.active_or_holding_work(),
        empty_label=_("Anyone"),
        widget=QuickSelect,
    )
    # The manager dashboard's figures are a team's: its links to this list name the team.
    team = django_filters.ModelChoiceFilter(
        label=_("Team"),
        field_name="owner__team",
        queryset=Team.objects.all(),
        empty_label=_("Any"),
        widget=QuickSelect,
    )
    tag = tag_filter(widget=QuickSelect)
    # As the dashboard counts them: by the organisation of their current primary position.
    organisation_kind = django_filters.ChoiceFilter(
        label=_("Kind of organisation"),
        choices=OrganisationKind.choices,
        method="filter_organisation_kind",
        empty_label=_("Any"),
        widget=QuickSelect,
    )
    engagement_level = django_filters.ChoiceFilter(
        label=_("Engagement"), choices=EngagementLevel.choices, empty_label=_("Any"), widget=QuickSelect
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue for contact"),
        method="filter_overdue",
        widget=QuickSelect(choices=[("", _("Any")), ("true", _("Overdue")), ("false", _("On track"))]),
    )
    archived = django_filters.BooleanFilter(
        label=_("Status"),
        field_name="is_archived",
        widget=QuickSelect(choices=[("", _("Active")), ("true", _("Archived"))]),
    )
    sort = StableOrderingFilter(
        label=_("Sort by"),
        fields=(
            ("name", "name"),
            ("last_contacted_at", "last_contact"),
            ("contact_due_on", "contact_due"),
            ("influence", "influence"),
        ),
        empty_label=_("Best match / name"),
        field_labels={
            "name": _("Name"),
            "last_contacted_at": _("Last contact"),
            "contact_due_on": _("Contact due"),
            "influence": _("Influence"),
        },
    )

    class Meta:
        model = Stakeholder
        fields = [
            "q",
            "organisation",
            "owner",
            "team",
            "tag",
            "organisation_kind",
            "engagement_level",
            "overdue",
            "archived",
        ]

    def filter_organisation(self, queryset, name, value):
        return queryset.at_organisation(value) if value else queryset

    def filter_organisation_kind(self, queryset, name, value):
        return queryset.of_organisation_kind(value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue_for_contact()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def hides_archived_by_default(self) -> bool:
        return True

    @property
    def qs(self):
        queryset = super().qs
        if self.form.cleaned_data.get("archived") is None and self.hides_archived_by_default():
            queryset = queryset.active()
        if not self.form.cleaned_data.get("sort") and not self.form.cleaned_data.get("q"):
            queryset = queryset.order_by("name", "pk")
        return queryset


class OrganisationFilterSet(NothingUnlessValidFilterSet):
    q = SearchFilter()
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=OrganisationKind.choices, empty_label=_("Any")
    )
    tag = tag_filter()

    class Meta:
        model = Organisation
        fields = ["q", "kind", "tag"]


class StakeholderApiFilterSet(StakeholderFilterSet):
    """The stakeholder list's filters as the API names them: `search`, and `updated_since` for sync.

    The API orders with `?ordering=`. A sync (`updated_since`) also returns archived people, so another
    tool learns of the archiving, unless `archived` is given.
    """

    q = None
    sort = None
    search = SearchFilter()
    updated_since = UpdatedSinceFilter()
    tag = api_tag_filter()

    class Meta(StakeholderFilterSet.Meta):
        fields = [
            "search",
            "organisation",
            "owner",
            "team",
            "tag",
            "organisation_kind",
            "engagement_level",
            "overdue",
            "archived",
        ]

    def hides_archived_by_default(self) -> bool:
        return self.form.cleaned_data.get("updated_since") is None

    @extend_schema_field(OpenApiTypes.INT)
    def filter_organisation(self, queryset, name, value):
        return super().filter_organisation(queryset, name, value)


class OrganisationApiFilterSet(OrganisationFilterSet):
    q = None
    search = SearchFilter()
    updated_since = UpdatedSinceFilter()
    tag = api_tag_filter()

    class Meta(OrganisationFilterSet.Meta):
        fields = ["search", "kind", "tag"]


class ObjectiveApiFilterSet(django_filters.FilterSet):
    """Engagement objectives by stakeholder and status, and `updated_since` for incremental sync."""

    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Objective
        fields = ["stakeholder", "status"]


class TagFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("Name contains"), lookup_expr="icontains")

    class Meta:
        model = Tag
        fields = ["name"]


class StakeholderRecordFilterSet(RegisterFilterSet):
    """The filters every register of things kept with a stakeholder shares (commitments, concerns).

    A subclass names who owns a record and who the stakeholder is in its own words (`owner_label`,
    `stakeholder_label`); its queryset provides `for_organisation()`.
    """

    owner_label = _("Owner")
    stakeholder_label = _("Stakeholder")

    owner = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.active_or_holding_work(), empty_label=_("Anyone")
    )
    # The manager dashboard's figures are a team's, or go by team: its links to a register name the team.
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), field_name="owner__team", queryset=Team.objects.all(), empty_label=_("Any")
    )
    stakeholder = django_filters.ModelChoiceFilter(
        queryset=Stakeholder.objects.all(),
        widget=LookupSelect(lookup_url=reverse_lazy("contacts:stakeholder_lookup"), placeholder=_("Anyone")),
    )
    organisation = organisation_filter()
    organisation_kind = django_filters.ChoiceFilter(
        label=_("Kind of organisation"),
        field_name="organisation__kind",
        choices=OrganisationKind.choices,
        empty_label=_("Any"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].label = self.owner_label
        self.filters["stakeholder"].label = self.stakeholder_label

    def filter_organisation(self, queryset, name, value):
        return queryset.for_organisation(value) if value else queryset
