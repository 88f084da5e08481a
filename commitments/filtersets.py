import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.filtersets import StakeholderRecordFilterSet, UpdatedSinceFilter, overdue_or_not

from .models import Commitment, CommitmentDirection, CommitmentStatus


class CommitmentFilterSet(StakeholderRecordFilterSet):
    """Filters the commitments register. No status means every status; the HTML list asks for open ones."""

    # It opens on the live promises.
    opening_status = CommitmentStatus.OPEN

    @classmethod
    def register_for(cls, user):
        return Commitment.objects.visible_to(user).for_list().by_urgency()

    owner_label = _("Chased by")
    stakeholder_label = _("Stakeholder")

    q = django_filters.CharFilter(label=_("Search"), field_name="description", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CommitmentStatus.choices, empty_label=_("Any status")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method=overdue_or_not,
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Overdue")), ("false", _("Not overdue"))]),
    )
    direction = django_filters.ChoiceFilter(
        label=_("Who promised"), choices=CommitmentDirection.choices, empty_label=_("Either side")
    )

    class Meta:
        model = Commitment
        fields = [
            "q",
            "status",
            "overdue",
            "direction",
            "owner",
            "team",
            "stakeholder",
            "organisation",
            "organisation_kind",
        ]


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
