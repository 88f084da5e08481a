from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from contacts.models import Stakeholder
from contacts.widgets import LookupSelectMultiple


class AssignForm(forms.Form):
    stakeholders = forms.ModelMultipleChoiceField(
        label=_("Stakeholders"),
        queryset=Stakeholder.objects.active(),
        widget=LookupSelectMultiple(
            lookup_url=reverse_lazy("contacts:stakeholder_lookup"), placeholder=_("Type a name to find them…")
        ),
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_("Visible only to you, the follow-up's owner, the stakeholders' owners and managers."),
    )
