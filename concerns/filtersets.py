import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.filtersets import StakeholderRecordFilterSet, UpdatedSinceFilter

from .models import Concern, ConcernStatus, Severity

UNRESOLVED = "unresolved"


class ConcernFilterSet(StakeholderRecordFilterSet):
    """Filters the concerns register. No status means every status; the HTML list asks for unresolved."""

    # It opens on what still needs dealing with.
    opening_status = UNRESOLVED

    @classmethod
    def register_for(cls, user):
        return Concern.objects.visible_to(user).for_list().by_urgency()

    owner_label = _("Handled by")
    stakeholder_label = _("Raised by")

    q = django_filters.CharFilter(label=_("Search"), field_name="title", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(UNRESOLVED, _("Open or in progress")), *ConcernStatus.choices],
        method="filter_status",
        empty_label=_("Any status"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Open too long"),
        method="filter_overdue",
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes: escalate")), ("false", _("No"))]),
    )
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Severity.choices, empty_label=_("Any")
    )

    class Meta:
        model = Concern
        fields = [
            "q",
            "status",
            "overdue",
            "severity",
            "owner",
            "team",
            "stakeholder",
            "organisation",
            "organisation_kind",
        ]

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.unresolved() if value == UNRESOLVED else queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.needing_escalation()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class ConcernApiFilterSet(ConcernFilterSet):
    """The register's filters as the API names them: `search`, and `updated_since` for incremental sync.

    `status=unresolved` means open or in progress; without `status`, every concern.
    """

    q = None
    search = django_filters.CharFilter(
        label=_("Search"), field_name="title", lookup_expr="icontains", help_text=_("In the concern's title.")
    )
    updated_since = UpdatedSinceFilter()

    class Meta(ConcernFilterSet.Meta):
        fields = ["search", *(name for name in ConcernFilterSet.Meta.fields if name != "q"), "updated_since"]
