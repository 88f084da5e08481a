import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import AssigneeChoiceField
from contacts.forms import organisation_picker
from contacts.models import Stakeholder
from contacts.widgets import LookupSelectMultiple, QuickSelectMultiple
from interactions.models import Sentiment
from liaison_crm.edit_conflicts import EditConflictMixin
from liaison_crm.typed_dates import TypedDatesMixin

from .models import ActionStatus, Frequency, Meeting, Rsvp, reminder_label
from .services import OWN_ACTION_CHASER_MESSAGE

# The API takes any number of minutes the model allows; the form offers these.
REMINDERS_OFFERED = (7 * 24 * 60, 24 * 60, 2 * 60, 60, 15)


def reminder_choices():
    return [(minutes, reminder_label(minutes)) for minutes in REMINDERS_OFFERED]


class WallClockField(forms.DateTimeField):
    """A date and time as a clock on the wall shows it, in no zone yet: the form puts it in the meeting's.

    Django's field would read it in the viewer's zone first, refusing a time their clocks skip or repeat
    (01:30 in London on the night its clocks change) even for a meeting in Tokyo.
    """

    def to_python(self, value):
        with timezone.override(dt.UTC):
            moment = super().to_python(value)
        return moment.replace(tzinfo=None) if moment else moment


class MeetingForm(EditConflictMixin, TypedDatesMixin, forms.ModelForm):
    """Schedules or changes a meeting. Times are read in the meeting's own time zone, not the viewer's."""

    starts_at = WallClockField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = WallClockField(
        label=_("Ends"),
        widget=forms.DateTimeInput(
            # static/js/app.js fills the end an hour after the start the officer picks.
            attrs={"type": "datetime-local", "data-end-of": "starts_at", "data-default-minutes": 60},
            format="%Y-%m-%dT%H:%M",
        ),
    )
    stakeholders = forms.ModelMultipleChoiceField(
        label=_("Stakeholders"),
        queryset=Stakeholder.objects.all(),
        required=False,
        widget=LookupSelectMultiple(
            lookup_url=reverse_lazy("contacts:stakeholder_lookup"), placeholder=_("Type a name to invite…")
        ),
    )
    staff = forms.ModelMultipleChoiceField(
        label=_("Colleagues"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=QuickSelectMultiple(attrs={"size": 4}),
    )
    reminders = forms.TypedMultipleChoiceField(
        label=_("Reminders"),
        choices=reminder_choices,
        coerce=int,
        required=False,
        initial=[24 * 60, 60],
        widget=forms.CheckboxSelectMultiple,
    )
    frequency = forms.ChoiceField(
        label=_("Repeats"), choices=[("", _("Does not repeat")), *Frequency.choices], required=False
    )
    count = forms.IntegerField(
        label=_("Occurrences"),
        min_value=2,
        max_value=52,
        required=False,
        help_text=_("How many meetings in all."),
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "purpose",
            "time_zone",
            "starts_at",
            "ends_at",
            "location",
            "video_url",
            "organisation",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "organisation": organisation_picker(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            zone = self.instance.local_time_zone
            self.initial["starts_at"] = self.instance.starts_at.astimezone(zone).replace(tzinfo=None)
            self.initial["ends_at"] = self.instance.ends_at.astimezone(zone).replace(tzinfo=None)
            attendees = list(self.instance.attendees.all())
            self.initial["stakeholders"] = [a.stakeholder_id for a in attendees if a.stakeholder_id]
            self.initial["staff"] = [a.user_id for a in attendees if a.user_id]
            self.initial["reminders"] = self.instance.reminder_minutes
            # A series is set when it is scheduled; afterwards each occurrence is changed on its own.
            del self.fields["frequency"], self.fields["count"]
        # People, not service accounts; those already invited stay offered, even once they have left, so
        # saving keeps them.
        invited = self.initial.get("staff", ())
        self.fields["staff"].queryset = get_user_model().objects.nameable(keeping=invited)

    def fingerprint_extra(self):
        # The agenda is edited on the same page and saved with the meeting.
        items = self.instance.agenda_items.order_by("position", "pk")
        return list(items.values_list("title", "owner_id", "minutes_allotted"))

    def _in_meeting_zone(self, value: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
        return value.replace(tzinfo=zone)

    def _skipped_by_clocks(self, name: str, zone: zoneinfo.ZoneInfo) -> bool:
        """Refuses a time the meeting zone's clocks jump over: stored as it was, 01:30 on the night they go
        from 01:00 to 02:00 became 02:30, and a meeting from 01:30 to 03:00 lasted half an hour."""
        moment = self.cleaned_data[name]
        wall_clock = moment.replace(tzinfo=None)
        try:
            read_back = moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        except OverflowError:
            return False  # beyond the years Python reads: the service refuses it, saying so
        if read_back == wall_clock:
            return False
        self.add_error(
            name,
            _("%(time)s does not exist in %(zone)s on %(date)s: the clocks go forward then.")
            % {
                "time": wall_clock.strftime("%H:%M"),
                "zone": zone.key,
                "date": wall_clock.strftime("%d %b %Y"),
            },
        )
        return True

    def clean(self):
        cleaned = super().clean()
        zone_name, starts, ends = cleaned.get("time_zone"), cleaned.get("starts_at"), cleaned.get("ends_at")
        if zone_name and starts and ends:
            zone = zoneinfo.ZoneInfo(zone_name)
            cleaned["starts_at"] = self._in_meeting_zone(starts, zone)
            cleaned["ends_at"] = self._in_meeting_zone(ends, zone)
            skipped = [self._skipped_by_clocks(name, zone) for name in ("starts_at", "ends_at")]
            if not any(skipped) and cleaned["ends_at"] <= cleaned["starts_at"]:
                self.add_error("ends_at", _("The meeting must end after it starts."))
        if cleaned.get("frequency") and not cleaned.get("count"):
            self.add_error("count", _("Say how many meetings the series has."))
        return cleaned

    def _post_clean(self):
        # The service validates and saves the meeting; the form only parses (see meetings.services).
        pass

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["reminder_minutes"] = data.pop("reminders")
        if not self.instance.pk:
            data["frequency"] = data.get("frequency") or ""
        return data


class MeetingCancelForm(forms.Form):
    """Cancels a meeting; an occurrence of a series alone, or with every later planned one."""

    THIS = "this"
    FOLLOWING = "following"

    scope = forms.ChoiceField(
        label=_("What to cancel"),
        choices=[
            (THIS, _("Only this occurrence")),
            (FOLLOWING, _("This and every later planned occurrence")),
        ],
        initial=THIS,
        widget=forms.RadioSelect,
        help_text=_("Earlier occurrences stay as they are."),
    )
    close_open_actions = forms.BooleanField(
        label=_("Cancel its open actions with it"),
        required=False,
        initial=True,
        help_text=_(
            "Each is marked cancelled by you, as from its own status list; nobody is emailed about it. Left "
            "open, they stay on the lists of those who chase them, marked “meeting cancelled”, to be closed "
            "or handed on; they are no longer counted or chased as overdue."
        ),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        if not meeting.series_id:
            # A lone meeting has no later occurrences to cancel with it.
            del self.fields["scope"]

    def service_fields(self) -> dict:
        return {
            "and_following": self.cleaned_data.get("scope") == self.FOLLOWING,
            "close_open_actions": self.cleaned_data["close_open_actions"],
        }


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=200, required=False)
    owner = forms.ModelChoiceField(
        label=_("Led by"), queryset=get_user_model().objects.assignable(), required=False
    )
    minutes_allotted = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=600, required=False)


AgendaFormSet = forms.formset_factory(AgendaItemForm, extra=3, max_num=30)


def owner_options(meeting: Meeting, *, staff: Iterable | None = None) -> dict[str, object]:
    """Who can own an action: the staff who can be given work (`staff`, when already read) and the
    meeting's stakeholders, keyed "user:3" / "stakeholder:8"."""
    if staff is None:
        staff = get_user_model().objects.assignable()
    options = {f"user:{user.pk}": user for user in staff}
    for attendee in meeting.attendees.all():
        if attendee.stakeholder_id:
            options[f"stakeholder:{attendee.stakeholder_id}"] = attendee.stakeholder
    return options


class ActionItemForm(TypedDatesMixin, forms.Form):
    """One action agreed at a meeting: on the record-as-held form (a row of several), or added since."""

    description = forms.CharField(label=_("Action"), max_length=500, required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    chaser = AssigneeChoiceField(
        label=_("Chased by"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("The organiser"),
        help_text=_("Who follows it up when a stakeholder owes it."),
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners: dict[str, object], chasers: Iterable | None = None, **kwargs):
        """`chasers`: the staff who can chase an action, read once for many rows (else each reads them)."""
        super().__init__(*args, **kwargs)
        self.owners = owners
        staff = [(key, str(owner)) for key, owner in owners.items() if key.startswith("user:")]
        stakeholders = [(key, str(owner)) for key, owner in owners.items() if key.startswith("stakeholder:")]
        choices = [("", "—"), (_("Staff"), staff)]
        if stakeholders:
            choices.append((_("Stakeholders"), stakeholders))
        self.fields["owner"].choices = choices
        self.fields["chaser"].offer_for(None, staff=chasers)

    def clean_owner(self):
        key = self.cleaned_data["owner"]
        return self.owners.get(key) if key else None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("description") and not cleaned.get("owner"):
            self.add_error("owner", _("Who will do it?"))
        if cleaned.get("owner") and not cleaned.get("description"):
            self.add_error("description", _("What is to be done?"))
        row = ("description", "owner")
        given = [name for name in ("chaser", "due_on") if cleaned.get(name)]
        if given and not any(cleaned.get(name) or name in self.errors for name in row):
            # A row is left out only when nothing was put in it: a chaser or a due date alone was given for
            # some action, which would otherwise be dropped without a word.
            self.add_error(
                "description",
                _("Describe the action, and who will do it, or leave its chaser as the organiser.")
                if given == ["chaser"]
                else _("Describe the action, and who will do it, or clear the row."),
            )
        if cleaned.get("chaser") and cleaned.get("owner") and not isinstance(cleaned["owner"], Stakeholder):
            # Said here, on its row, rather than by the service for the whole form.
            self.add_error("chaser", OWN_ACTION_CHASER_MESSAGE)
        return cleaned

    def entry(self):
        """The action as the services take it (`ActionEntry`), owned by a colleague or a stakeholder, with
        the colleague chosen to chase a stakeholder's (none: the organiser)."""
        owner = self.cleaned_data["owner"]
        is_stakeholder = isinstance(owner, Stakeholder)
        return {
            "description": self.cleaned_data["description"],
            "owner_user": None if is_stakeholder else owner,
            "owner_stakeholder": owner if is_stakeholder else None,
            "due_on": self.cleaned_data.get("due_on"),
            "chaser": self.cleaned_data.get("chaser"),
        }


class ActionAddForm(ActionItemForm):
    """One action added to a meeting's record after the fact."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].required = True
        self.fields["owner"].required = True


class ActionChaserForm(forms.Form):
    """Who chases an action a stakeholder owes, handed on to a colleague."""

    chaser = AssigneeChoiceField(label=_("Chased by"), queryset=get_user_model().objects.none())

    def __init__(self, *args, action_item, **kwargs):
        super().__init__(*args, initial={"chaser": action_item.chaser_id}, **kwargs)
        self.fields["chaser"].offer_for(action_item.chaser_id)


class BaseActionFormSet(forms.BaseFormSet):
    def __init__(self, *args, meeting: Meeting, **kwargs):
        # The staff, read once: every row offers them as owners and as chasers (one who can be given work
        # can chase it, and no action here has a chaser yet to keep).
        staff = list(get_user_model().objects.assignable())
        self.owners = owner_options(meeting, staff=staff)
        self.chasers = staff
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "owners": self.owners, "chasers": self.chasers}

    @property
    def empty_form(self):
        return self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            owners=self.owners,
            chasers=self.chasers,
        )


ActionFormSet = forms.formset_factory(ActionItemForm, formset=BaseActionFormSet, extra=3, max_num=50)


class AttendanceForm(forms.Form):
    """Who of the meeting's attendees were there: as recorded when it was held, to correct it."""

    attended = forms.MultipleChoiceField(
        label=_("Who attended"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The meeting is logged on the timelines of the stakeholders ticked and counts as contact with "
            "them; those not ticked are shown as absent."
        ),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.attendees = {str(attendee.pk): attendee for attendee in meeting.attendees.all()}
        self.fields["attended"].choices = [
            (key, str(attendee) if attendee.stakeholder_id else _("%(name)s (staff)") % {"name": attendee})
            for key, attendee in self.attendees.items()
        ]
        self.fields["attended"].initial = [
            key for key, attendee in self.attendees.items() if self.was_there(attendee)
        ]
        if not meeting.interaction_id:
            self.fields["attended"].help_text = _(
                "Those ticked count as met and those not ticked are shown as absent. The meeting's timeline "
                "entry was deleted: log one on the stakeholders' timelines if it is wanted there."
            )

    @staticmethod
    def was_there(attendee) -> bool:
        return bool(attendee.attended)

    def clean_attended(self):
        return [self.attendees[key] for key in self.cleaned_data["attended"]]


class MarkHeldForm(AttendanceForm):
    sentiment = forms.TypedChoiceField(
        label=_("Sentiment"),
        choices=Sentiment.choices,
        coerce=int,
        required=False,
        empty_value=Sentiment.NEUTRAL,
        initial=Sentiment.NEUTRAL,
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("How it went, in a line or two; the decisions follow it on the timeline."),
    )
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One decision per line."),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, meeting=meeting, **kwargs)
        self.fields["attended"].help_text = _(
            "The meeting is logged on the timelines of the stakeholders ticked; everyone ticked is sent the "
            "follow-up."
        )

    @staticmethod
    def was_there(attendee) -> bool:
        # Those who said they would not come are taken to have stayed away; the rest to have come.
        return attendee.rsvp != Rsvp.DECLINED

    def clean_decisions(self):
        return [line.strip() for line in self.cleaned_data["decisions"].splitlines() if line.strip()]


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 14}))


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Document"))


class RsvpForm(forms.Form):
    rsvp = forms.ChoiceField(choices=Rsvp.choices)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)
