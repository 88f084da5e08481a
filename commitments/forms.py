from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import AssigneeChoiceField
from contacts.forms import organisation_picker, stakeholder_picker
from contacts.models import Stakeholder
from liaison_crm.edit_conflicts import EditConflictMixin
from liaison_crm.typed_dates import TypedDatesMixin

from .models import Commitment


class CommitmentForm(EditConflictMixin, TypedDatesMixin, forms.ModelForm):
    """What was promised, to whom and by when. Where it was promised comes from the page it was opened on."""

    class Meta:
        model = Commitment
        field_classes = {"owner": AssigneeChoiceField}
        fields = [
            "direction",
            "description",
            "stakeholder",
            "organisation",
            "owner",
            "due_on",
            "renews_on",
            "notes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "stakeholder": stakeholder_picker(),
            "organisation": organisation_picker(_("Defaults to the stakeholder's organisation")),
            "due_on": forms.DateInput(attrs={"type": "date"}),
            "renews_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = Stakeholder.objects.visible_to(user)
        self.fields["owner"].offer_for(self.instance.owner_id)
