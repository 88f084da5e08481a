import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from accounts.querysets import staff_label
from contacts.forms import organisation_picker, stakeholder_picker
from contacts.models import Organisation, OrganisationKind, Stakeholder
from liaison_crm.record_ids import record_id

from .queries import DEFAULT_WEEKS, PERIOD_WEEKS, officers_for, scope_for

KIND_CHOICES = [("", _("Any kind")), *OrganisationKind.choices]


class DashboardFilterForm(forms.Form):
    """The dashboard's filters: period, team (administrators), officer and kind of organisation."""

    weeks = forms.TypedChoiceField(
        label=_("Period"),
        choices=[(weeks, _("Last %(weeks)s weeks") % {"weeks": weeks}) for weeks in PERIOD_WEEKS],
        coerce=int,
        required=False,
        empty_value=DEFAULT_WEEKS,
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams")
    )
    officer = forms.TypedChoiceField(label=_("Officer"), coerce=int, required=False, empty_value=None)
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=KIND_CHOICES, required=False
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["weeks"].initial = DEFAULT_WEEKS
        if not user.is_crm_admin:
            del self.fields["team"]
        team_id = self.data.get("team") if user.is_crm_admin else None
        officers = officers_for(user, record_id(team_id))
        # Plain choices read in one query; a ModelChoiceField would read them through a server-side cursor.
        self.officers = {officer.pk: officer for officer in officers}
        self.fields["officer"].choices = [("", _("Everyone"))] + [
            (pk, staff_label(officer, active=officer.is_active)) for pk, officer in self.officers.items()
        ]

    def valid_data(self) -> dict:
        """The filters that are valid: one wrong value (an officer of another team) drops only itself."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def scope(self):
        data = self.valid_data()
        team = data.get("team")
        return scope_for(
            self.user,
            team_id=team.pk if team else None,
            officer_id=data.get("officer"),
            organisation_kind=data.get("organisation_kind") or "",
            weeks=data.get("weeks") or DEFAULT_WEEKS,
        )


class GridFilterForm(forms.Form):
    MINE, TEAM, EVERYONE = "mine", "team", "all"

    whose = forms.ChoiceField(
        label=_("Stakeholders"),
        choices=[(MINE, _("My portfolio")), (TEAM, _("My team's")), (EVERYONE, _("Everyone's"))],
        required=False,
    )
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=KIND_CHOICES, required=False
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        default = self.TEAM if user.is_manager and user.team_id else self.MINE
        self.fields["whose"].initial = default
        if not user.team_id:
            self.fields["whose"].choices = [c for c in self.fields["whose"].choices if c[0] != self.TEAM]

    def filter(self, stakeholders):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        whose = data.get("whose") or self.fields["whose"].initial
        if whose == self.MINE:
            stakeholders = stakeholders.filter(owner=self.user)
        elif whose == self.TEAM and self.user.team_id:
            stakeholders = stakeholders.filter(owner__team=self.user.team_id)
        if kind := data.get("organisation_kind"):
            stakeholders = stakeholders.of_organisation_kind(kind)
        return stakeholders


def _period_default():
    today = timezone.localdate()
    return today - dt.timedelta(days=90), today


class ReportForm(forms.Form):
    """What a report is about — an organisation, a stakeholder, an officer or, for administrators, a team
    (else the reader's own team or portfolio, or every team for an administrator outside one) — and the period
    it covers."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        widget=organisation_picker(_("Any")),
    )
    stakeholder = forms.ModelChoiceField(
        label=_("Stakeholder"),
        queryset=Stakeholder.objects.all(),
        required=False,
        widget=stakeholder_picker(_("Any")),
    )
    # Plain choices, drawn by the `select` tag: Django's widget templates take tens of milliseconds for the
    # hundreds of staff a large organisation has.
    officer = forms.TypedChoiceField(
        label=_("Officer"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": _("You can report on your own work and on the officers you manage only.")
        },
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("Any")
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # A team's report is for its managers, who get their own by choosing nobody, and administrators.
        if not user.is_crm_admin:
            del self.fields["team"]
        # The officers whose report the reader may read (Report.readable_by): themselves and those they
        # manage. Those who have left too, after the others: their work in a past period is still reported on.
        users = get_user_model().objects
        staff = (
            (users.managed_by(user) | users.filter(pk=user.pk))
            .filter(is_service_account=False)
            .order_by("-is_active", *get_user_model()._meta.ordering)
        )
        self.fields["officer"].choices = [("", _("Anyone"))] + [
            (user.pk, staff_label(user, active=user.is_active))
            for user in staff.only("pk", "username", "first_name", "last_name", "is_active")
        ]

    def clean_officer(self):
        pk = self.cleaned_data.get("officer")
        return get_user_model().objects.get(pk=pk) if pk else None

    def clean_until(self):
        until = self.cleaned_data.get("until")
        # The period runs up to the start of the day after it (Report.end), which the last day has not.
        if until == dt.date.max:
            raise forms.ValidationError(_("This date is too far in the future."))
        return until

    def clean(self):
        data = super().clean()
        chosen = [name for name in ("organisation", "stakeholder", "officer", "team") if data.get(name)]
        if len(chosen) > 1:
            raise forms.ValidationError(
                _("Choose one of organisation, stakeholder, officer or team.")
                if "team" in self.fields
                else _("Choose one of organisation, stakeholder or officer.")
            )
        since, until = data.get("since"), data.get("until")
        default_since, default_until = _period_default()
        data["since"], data["until"] = since or default_since, until or default_until
        if "until" not in self.errors and data["until"] < data["since"]:
            self.add_error("until", _("The end of the period cannot be before its start."))
        return data
