from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import AssigneeChoiceField
from contacts.forms import organisation_picker, stakeholder_picker
from contacts.models import Stakeholder
from interactions.models import Interaction
from liaison_crm.edit_conflicts import EditConflictMixin
from liaison_crm.typed_dates import TypedDatesMixin

from .models import Concern

# The link form offers the stakeholder's latest interactions; older ones are rarely what an officer wants.
LINKABLE_SHOWN = 25


class ConcernForm(EditConflictMixin, TypedDatesMixin, forms.ModelForm):
    class Meta:
        model = Concern
        field_classes = {"owner": AssigneeChoiceField}
        fields = ["title", "stakeholder", "severity", "description", "organisation", "owner", "raised_on"]
        widgets = {
            "stakeholder": stakeholder_picker(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "organisation": organisation_picker(_("Defaults to the stakeholder's organisation")),
            "raised_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = Stakeholder.objects.visible_to(user)
        self.fields["owner"].offer_for(self.instance.owner_id)


class ResolveConcernForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done or agreed, in a few lines."),
        error_messages={"required": _("Say how the concern was resolved.")},
    )


class LinkInteractionForm(forms.Form):
    interaction = forms.ModelChoiceField(label=_("Interaction"), queryset=Interaction.objects.none())

    def __init__(self, *args, concern: Concern, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Interaction.objects.visible_to(user)
        field = self.fields["interaction"]
        field.queryset = visible
        recent = (
            visible.with_stakeholder(concern.stakeholder_id)
            .exclude(concerns=concern)
            .only("pk", "occurred_at", "summary")
            .order_by("-occurred_at", "-pk")[:LINKABLE_SHOWN]
        )
        # Offer the stakeholder's latest; accept any interaction the officer may read.
        field.widget.choices = [("", _("Choose an interaction…"))] + [
            (interaction.pk, f"{_day(interaction.occurred_at)} · {interaction.summary}")
            for interaction in recent
        ]


def _day(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j M Y")
