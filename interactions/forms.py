import functools

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.forms import TagsField, organisation_picker
from contacts.models import PreferredChannel, Stakeholder
from contacts.widgets import LookupSelectMultiple, QuickSelect, QuickSelectMultiple
from liaison_crm.edit_conflicts import EditConflictMixin
from liaison_crm.typed_dates import TypedDatesMixin, as_shown

from .models import Interaction, InteractionKind, occurred_at_problem

# The kind an officer most likely logs with someone who prefers that channel. In person is a meeting, not a
# visit: a visit says who travelled, which the channel does not.
KIND_FOR_CHANNEL = {
    PreferredChannel.EMAIL: InteractionKind.EMAIL,
    PreferredChannel.PHONE: InteractionKind.CALL,
    PreferredChannel.IN_PERSON: InteractionKind.MEETING,
    PreferredChannel.VIDEO: InteractionKind.MEETING,
    PreferredChannel.MESSAGE: InteractionKind.MESSAGE,
    PreferredChannel.LETTER: InteractionKind.LETTER,
}


class InteractionForm(EditConflictMixin, TypedDatesMixin, forms.ModelForm):
    stakeholders = forms.ModelMultipleChoiceField(
        label=_("Stakeholders"),
        queryset=Stakeholder.objects.all(),
        widget=LookupSelectMultiple(
            lookup_url=reverse_lazy("contacts:stakeholder_lookup"), placeholder=_("Type a name to add…")
        ),
    )
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    topics = TagsField(label=_("Topics"))
    # Not a model field of the form: "Me" (empty) is whoever logs or saves it, which the service decides;
    # it checks the choice, and PostgreSQL that every follow-up has an owner.
    follow_up_owner = forms.ModelChoiceField(
        label=_("Who follows it up"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Me"),
        widget=QuickSelect,
        help_text=_("A colleague who will do it; it shows on their My day."),
    )

    class Meta:
        model = Interaction
        fields = [
            "kind",
            "direction",
            "occurred_at",
            "stakeholders",
            "organisation",
            "staff_present",
            "summary",
            "outcome",
            "sentiment",
            "notes",
            "follow_up_on",
            "follow_up_note",
            "is_confidential",
        ]
        # Options written in Python (QuickSelect): this form sits on every stakeholder's page.
        widgets = {
            "kind": QuickSelect,
            "direction": QuickSelect,
            "sentiment": QuickSelect,
            "organisation": organisation_picker(_("Defaults to the stakeholder's organisation")),
            "staff_present": QuickSelectMultiple(attrs={"size": 4}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}),
        }

    @classmethod
    def for_new(cls, data=None, *, user, stakeholder=None):
        """A blank log form set to now, with the stakeholder it is for already chosen and its kind the way
        they prefer to be contacted."""
        channel = stakeholder.preferred_channel if stakeholder is not None else None
        initial = {
            # Here alone: the log page, a stakeholder's page and its answer to a log all start from it.
            "kind": KIND_FOR_CHANNEL.get(channel, InteractionKind.CALL),
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
        }
        if stakeholder is not None:
            initial["stakeholders"] = [stakeholder.pk]
        return cls(data, user=user, initial=initial)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only those the user may see: the view takes its page's stakeholder from these once they are read.
        self.fields["stakeholders"].queryset = Stakeholder.objects.visible_to(user)
        # Every interaction is of some kind, and a new one starts as one: a blank "---------" at the top
        # would only offer a wrong answer, and read as if no kind were chosen.
        self.fields["kind"].choices = InteractionKind.choices
        users = get_user_model().objects
        # People, not service accounts; those already named stay offered, even once they have left, so
        # saving keeps them.
        present = self.instance.staff_present.values("pk") if self.instance.pk else ()
        self.fields["staff_present"].queryset = users.nameable(keeping=present)
        # A colleague who has left keeps the follow-up they hold until someone chooses another (as a PATCH
        # leaves it): offered, so editing the summary does not hand it to whoever edits. Not `keeping`, which
        # keeps only active accounts.
        owners = users.assignable()
        if self.instance.follow_up_owner_id:
            owners |= users.filter(pk=self.instance.follow_up_owner_id)
        field = self.fields["follow_up_owner"]
        field.queryset = owners
        # The signed-in officer is "Me", not listed by name as well; their own id, sent, still means them.
        self._other_follow_up_owners = owners.exclude(pk=user.pk)
        field.widget.choices = lambda: self._follow_up_owner_choices
        if self.instance.pk:
            self.initial["topics"] = [tag.name for tag in self.instance.topics.all()]
            owner = self.instance.follow_up_owner_id
            self.initial["follow_up_owner"] = None if owner == user.pk else owner

    @functools.cached_property
    def _follow_up_owner_choices(self) -> list:
        """The follow-up owner picker's options, read when it is drawn and only once: Django's select asks
        for its first option (whether it is a blank one) before it writes them all."""
        empty_label = self.fields["follow_up_owner"].empty_label
        return [("", empty_label), *self._other_follow_up_owners.picker_options()]

    def clean(self):
        cleaned = super().clean()
        # The picker keeps its choice when the date is cleared: without a follow-up, nobody chases one.
        if not cleaned.get("follow_up_on"):
            cleaned["follow_up_owner"] = None
        return cleaned

    def clean_occurred_at(self):
        # The field shows minutes. An interaction logged with seconds (through the API, by an import or as a
        # meeting held) keeps them when the minute shown comes back unchanged: saving the form as it stands
        # changes nothing, and writes nothing in its history.
        moment = self.cleaned_data["occurred_at"]
        stored = self.instance.occurred_at if self.instance.pk else None
        field = self.fields["occurred_at"]
        if stored is not None and as_shown(field, moment) == as_shown(field, stored):
            return stored
        # The service refuses it too; said here, it comes with the form's other errors instead of after them.
        if problem := occurred_at_problem(moment):
            raise forms.ValidationError(problem)
        return moment
