import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.filtersets import NothingUnlessValidFilterSet, SearchFilter, UpdatedSinceFilter
from contacts.models import Organisation, Stakeholder, Tag

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
        help_text=_("Also its departments and the people currently working there, as on its page."),
    )
    logged_by = django_filters.ModelChoiceFilter(
        label=_("Logged by"),
        queryset=get_user_model().objects.filter(is_active=True),
        empty_label=_("Anyone"),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=InteractionKind.choices, empty_label=_("Any"))
    direction = django_filters.ChoiceFilter(
        label=_("Direction"), choices=Direction.choices, empty_label=_("Any")
    )
    sentiment = django_filters.ChoiceFilter(
        label=_("Sentiment"), choices=Sentiment.choices, empty_label=_("Any")
    )
    topic = django_filters.ModelChoiceFilter(
        label=_("Topic"), field_name="topics", queryset=Tag.objects.all(), empty_label=_("Any")
    )
    occurred = django_filters.DateFromToRangeFilter(label=_("When"), field_name="occurred_at")
    follow_up = django_filters.ChoiceFilter(
        label=_("Follow-up"),
        method="filter_follow_up",
        choices=[("open", _("Open")), ("overdue", _("Overdue")), ("done", _("Done")), ("none", _("None"))],
        empty_label=_("Any"),
    )
    follow_up_owner = django_filters.ModelChoiceFilter(
        label=_("Follow-up owner"),
        queryset=get_user_model().objects.filter(is_active=True),
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


class InteractionApiFilterSet(InteractionFilterSet):
    """The same filters as the API names them: `search`, and `updated_since` for incremental sync."""

    q = None
    search = SearchFilter()
    updated_since = UpdatedSinceFilter()

    class Meta(InteractionFilterSet.Meta):
        fields = [name for name in InteractionFilterSet.Meta.fields if name != "q"]
