import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from contacts.filtersets import UpdatedSinceFilter
from contacts.models import Organisation, OrganisationKind, Stakeholder
from contacts.widgets import LookupSelect

from .models import Commitment, CommitmentDirection, CommitmentStatus


class CommitmentFilterSet(django_filters.FilterSet):
    """Filters the commitments register. No status means every status; the HTML list asks for open ones."""

    q = django_filters.CharFilter(label=_("Search"), field_name="description", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CommitmentStatus.choices, empty_label=_("Any status")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method="filter_overdue",
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Overdue")), ("false", _("Not overdue"))]),
    )
    direction = django_filters.ChoiceFilter(
        label=_("Who promised"), choices=CommitmentDirection.choices, empty_label=_("Either side")
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Chased by"),
        queryset=get_user_model().objects.filter(is_active=True),
        empty_label=_("Anyone"),
    )
    stakeholder = django_filters.ModelChoiceFilter(
        label=_("Stakeholder"),
        queryset=Stakeholder.objects.all(),
        widget=LookupSelect(lookup_url=reverse_lazy("contacts:stakeholder_lookup"), placeholder=_("Anyone")),
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        method="filter_organisation",
        widget=LookupSelect(lookup_url=reverse_lazy("contacts:organisation_lookup"), placeholder=_("Any")),
    )
    organisation_kind = django_filters.ChoiceFilter(
        label=_("Kind of organisation"),
        field_name="organisation__kind",
        choices=OrganisationKind.choices,
        empty_label=_("Any"),
    )

    class Meta:
        model = Commitment
        fields = [
            "q",
            "status",
            "overdue",
            "direction",
            "owner",
            "stakeholder",
            "organisation",
            "organisation_kind",
        ]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_organisation(self, queryset, name, value):
        return queryset.for_organisation(value) if value else queryset


class CommitmentApiFilterSet(CommitmentFilterSet):
    """The register's filters as the API names them: `search`, and `updated_since` for incremental sync."""

    q = None
    search = django_filters.CharFilter(
        label=_("Search"),
        field_name="description",
        lookup_expr="icontains",
        help_text=_("In what was promised."),
    )
    updated_since = UpdatedSinceFilter()

    class Meta(CommitmentFilterSet.Meta):
        fields = [
            "search",
            *(name for name in CommitmentFilterSet.Meta.fields if name != "q"),
            "updated_since",
        ]
