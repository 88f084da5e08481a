import django_filters
from django.utils.translation import gettext_lazy as _

from contacts.filtersets import NothingUnlessValidFilterSet

from .models import OutboundMessage


class OutboundMessageFilterSet(NothingUnlessValidFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=OutboundMessage.Status.choices, empty_label=_("Any")
    )
    # Kinds are free labels chosen by the code that sends; listing them would scan the whole outbox.
    kind = django_filters.CharFilter(label=_("Kind"))
    to = django_filters.CharFilter(label=_("Recipient"), lookup_expr="iexact")
    group = django_filters.CharFilter(label=_("Group"))
    topic = django_filters.CharFilter(label=_("Topic"))

    class Meta:
        model = OutboundMessage
        fields = ["status", "kind", "to", "group", "topic"]
