from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.querysets import staff_label

from .queries import STREAMS


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj, active=obj.is_active)


class RecentChangesFilterForm(forms.Form):
    """What the recent-changes page narrows to: one kind of record, one member of staff (one who has left
    too: what they did before leaving is what a manager looks for when their portfolio is handed over)."""

    model = forms.ChoiceField(label=_("Record"), required=False)
    user = StaffChoiceField(
        label=_("Changed by"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Anyone"),
    )

    def __init__(self, *args, members: list[int] | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("Any record"))] + [
            (key, capfirst(stream.verbose_name)) for key, stream in STREAMS.items()
        ]
        staff = get_user_model().objects.order_by("-is_active", "first_name", "last_name", "username")
        self.fields["user"].queryset = staff if members is None else staff.filter(pk__in=members)
