import django_filters
from django.utils.translation import gettext_lazy as _

from contacts.filtersets import MomentFilter

from .deletions import deletions_kept_since
from .errors import DeletionsExpired
from .models import DeletedRecordType, Deletion


class DeletionFilterSet(django_filters.FilterSet):
    since = MomentFilter(
        field_name="deleted_at",
        method="filter_since",
        label=_("Deleted since"),
        help_text=_(
            "Deletions at or after this moment (ISO 8601 with a time zone): the time your last sync started. "
            "Older than what is kept (API_DELETIONS_KEEP_DAYS), the answer is 410: sync in full again."
        ),
    )
    type = django_filters.ChoiceFilter(
        field_name="record_type", choices=DeletedRecordType.choices, label=_("Type of record")
    )

    class Meta:
        model = Deletion
        fields = ["since", "type"]

    def filter_since(self, queryset, name, value):
        if value < deletions_kept_since():
            raise DeletionsExpired()
        return queryset.filter(deleted_at__gte=value)
