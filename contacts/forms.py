import functools

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import AssigneeChoiceField
from accounts.querysets import staff_label
from liaison_crm.edit_conflicts import EditConflictMixin
from liaison_crm.typed_dates import TypedDatesMixin

from .models import (
    LANGUAGE_CHOICES,
    Affiliation,
    Objective,
    ObjectiveStatus,
    Organisation,
    Stakeholder,
    Tag,
    validate_email_address,
    validate_phone_number,
    validate_tag_name,
)
from .widgets import LookupSelect, QuickSelect


class TagsField(forms.CharField):
    """Tags typed as a comma-separated list; new names become new tags."""

    default_validators = [validate_tag_name]

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate tags with commas."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(tag) for tag in value)
        return value

    def to_python(self, value):
        return [name.strip() for name in (value or "").split(",") if name.strip()]

    def run_validators(self, value):
        # CharField's validators expect text: run them on each name. Given the list, the NUL check would
        # look at its repr, where a NUL is spelled "\\x00", and let it through to PostgreSQL.
        for name in value:
            super().run_validators(name)


class TagsInitialMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "tags" in self.fields:
            self.initial["tags"] = [tag.name for tag in self.instance.tags.all()]


def organisation_picker(placeholder=None):
    return LookupSelect(
        lookup_url=reverse_lazy("contacts:organisation_lookup"),
        placeholder=placeholder or _("Type to find an organisation…"),
    )


def stakeholder_picker(placeholder=None):
    return LookupSelect(
        lookup_url=reverse_lazy("contacts:stakeholder_lookup"),
        placeholder=placeholder or _("Type a name to find them…"),
    )


class OrganisationForm(EditConflictMixin, TagsInitialMixin, forms.ModelForm):
    tags = TagsField(label=_("Tags"))

    class Meta:
        model = Organisation
        fields = ["name", "kind", "parent", "sector", "website", "country", "address", "notes"]
        widgets = {
            "parent": organisation_picker(),
            "address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }


class StakeholderForm(EditConflictMixin, TagsInitialMixin, forms.ModelForm):
    emails = forms.CharField(
        label=_("Emails"),
        required=False,
        help_text=_("Separate several with commas; the first is the main one."),
    )
    phones = forms.CharField(label=_("Phones"), required=False, help_text=_("Separate several with commas."))
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tags = TagsField(label=_("Tags"))

    class Meta:
        model = Stakeholder
        field_classes = {"owner": AssigneeChoiceField}
        fields = [
            "name",
            "form_of_address",
            "emails",
            "phones",
            "owner",
            "languages",
            "time_zone",
            "preferred_channel",
            "preferred_hours",
            "cultural_notes",
            "communication_notes",
            "influence",
            "interest",
            "engagement_level",
            "contact_cadence_days",
            "notes",
        ]
        widgets = {
            "cultural_notes": forms.Textarea(attrs={"rows": 3}),
            "communication_notes": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "influence": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "interest": forms.NumberInput(attrs={"min": 1, "max": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].offer_for(self.instance.owner_id)
        for name in ("emails", "phones"):
            if self.instance.pk:
                self.initial[name] = ", ".join(getattr(self.instance, name))

    def _entries(self, name, validator, *, unchecked=frozenset()):
        """The field's comma-separated entries, each checked but those `unchecked`: every entry refused is
        named on its own."""
        entries = _comma_separated(self.cleaned_data.get(name, ""))
        errors = []
        for entry in entries:
            if entry in unchecked:
                continue
            try:
                validator(entry)
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return entries

    def clean_emails(self):
        return [email.lower() for email in self._entries("emails", validate_email_address)]

    def clean_phones(self):
        # An import keeps a phone cell's text as it is ("ask at reception"): what the form shows of the
        # numbers already stored is saved again as it stands, so an edit of anything else goes through.
        stored = _comma_separated(self.initial.get("phones", ""))
        return self._entries("phones", validate_phone_number, unchecked=set(stored))

    def clean_languages(self):
        # The first language is the one they prefer. A multiple select sends its choices in the list's order,
        # so the languages kept stay in the order they had, and the ones added follow.
        chosen = self.cleaned_data["languages"]
        kept = [code for code in self.instance.languages if code in chosen]
        return kept + [code for code in chosen if code not in kept]


def _comma_separated(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class TagRenameForm(forms.Form):
    name = forms.CharField(
        label=_("New name"), max_length=Tag._meta.get_field("name").max_length, validators=[validate_tag_name]
    )


class AffiliationForm(TypedDatesMixin, forms.ModelForm):
    class Meta:
        model = Affiliation
        fields = ["organisation", "role", "department", "start_date", "end_date", "is_primary"]
        widgets = {
            "organisation": organisation_picker(),
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }


class ObjectiveForm(EditConflictMixin, TypedDatesMixin, forms.ModelForm):
    """An objective of the engagement plan: added from the stakeholder's page, changed on its own page."""

    class Meta:
        model = Objective
        fields = ["description", "target_on"]
        widgets = {"target_on": forms.DateInput(attrs={"type": "date"})}


class ObjectiveStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ObjectiveStatus.choices)


class StakeholderCreateForm(StakeholderForm):
    """A new person and where they work now: their first position, which duplicates are checked against."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        widget=organisation_picker(),
        help_text=_("Where they work now; more positions can be added later."),
    )
    role = forms.CharField(label=_("Role or title"), max_length=160, required=False)


class PortfolioHandoverForm(forms.Form):
    """Whose stakeholders and open work move to whom, and perhaps only those at one organisation.

    The pickers list the staff the manager manages — those who have left too, as givers, never as
    receivers. Any member of staff is accepted as input: whether this manager may move these officers'
    portfolios is the service's to say (accounts.permissions.can_hand_over_portfolio), so the page and the
    API refuse the same requests.
    """

    from_officer = forms.ModelChoiceField(
        label=_("From"),
        queryset=get_user_model().objects.all(),
        widget=QuickSelect,
        help_text=_("Whose stakeholders move, archived ones included, with the open work they hold."),
    )
    to_officer = forms.ModelChoiceField(
        label=_("To"),
        queryset=get_user_model().objects.all(),
        widget=QuickSelect,
        help_text=_("Who looks after them from now on."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Only the people at"),
        queryset=Organisation.objects.all(),
        required=False,
        widget=organisation_picker(_("Any organisation: the whole portfolio")),
        help_text=_(
            "Those with a current position there or in one of its departments, with the officer's open work "
            "on them; the rest of their work stays with them."
        ),
    )
    note = forms.CharField(
        label=_("Note for the new owner"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to them by email with the handover."),
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        # Read when the pickers are drawn, not when a confirmed handover is only parsed.
        self.fields["from_officer"].widget.choices = lambda: self._staff_choices[0]
        self.fields["to_officer"].widget.choices = lambda: self._staff_choices[1]

    @functools.cached_property
    def _staff_choices(self) -> tuple[list, list]:
        """The pickers' options, from one query: everyone managed may give; only active staff receive."""
        staff = (
            get_user_model()
            .objects.managed_by(self.user)
            .filter(is_service_account=False)
            .values_list("pk", "first_name", "last_name", "username", "is_active")
        )
        givers, receivers = [("", _("Choose an officer…"))], [("", _("Choose an officer…"))]
        for pk, first, last, username, is_active in staff:
            name = f"{first} {last}".strip() or username  # str(user)
            givers.append((pk, staff_label(name, active=is_active)))
            if is_active:
                receivers.append((pk, name))
        return givers, receivers
