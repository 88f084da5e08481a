from collections.abc import Iterable

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminUserCreationForm, PasswordResetForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outbox.services import message_enqueue, message_key

from .models import TIME_ZONE_CHOICES, ApiToken, Role, User
from .querysets import handover_message


class _OfferedStaffIterator(ModelChoiceIterator):
    """The choices of an `AssigneeChoiceField` given the staff already read: no query of its own."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for user in self.field.offered.values():
            yield self.choice(user)

    def __len__(self):
        return len(self.field.offered) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.offered)


class AssigneeChoiceField(forms.ModelChoiceField):
    """Who chases a record (a stakeholder, a commitment, a concern): the staff `User.objects.assignable()`
    lists. One who holds it and has since left is not offered, so the picker comes back empty or naming them:
    the form says who has left and asks for their successor, instead of "This field is required"."""

    holder_id = None
    # The staff offered, by id, when read once for several forms; None: the field asks its queryset.
    offered: dict[str, User] | None = None

    def offer_for(self, holder_id: int | None, *, staff: Iterable[User] | None = None) -> None:
        """Offers the assignable staff, and the record's present `holder_id` if it is a tool's.

        `staff`: those, already read (`User.objects.assignable(keeping=[holder_id])`), when many forms offer
        the same people — the rows of a formset — so that each row neither lists nor checks them again.
        """
        self.queryset = get_user_model().objects.assignable(keeping=[holder_id])
        self.holder_id = holder_id
        if staff is not None:
            self.offered = {str(user.pk): user for user in staff}
            self.iterator = _OfferedStaffIterator
            self.widget.choices = self.choices

    def to_python(self, value):
        if self.offered is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        if isinstance(value, User):
            value = value.pk
        try:
            return self.offered[str(value)]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError:
            leaver = get_user_model().objects.leaver_holding(self.holder_id, value)
            if leaver is None:
                raise
            raise ValidationError(handover_message(leaver), code="left") from None


class StaffRolesMixin:
    """What the CRM reads from a person's groups holds together: every account has a role (the pages and the
    API would otherwise treat it as an officer nobody chose), and a manager leads a team (without one they
    manage nobody and the dashboard refuses them)."""

    def clean(self):
        cleaned_data = super().clean()
        if "groups" not in cleaned_data or cleaned_data.get("is_superuser"):
            return cleaned_data
        roles = {group.name for group in cleaned_data["groups"]}
        if not roles & set(Role.values):
            self.add_error("groups", _("Choose a role: %(roles)s.") % {"roles": ", ".join(Role.values)})
        elif Role.MANAGER in roles and Role.ADMIN not in roles and not cleaned_data.get("team"):
            self.add_error("team", _("A manager leads a team: choose theirs."))
        return cleaned_data


class StaffCreationForm(StaffRolesMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "groups", "team", "is_service_account"]


class StaffChangeForm(StaffRolesMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class ApiTokenForm(forms.ModelForm):
    """Name a new token; administrators may also make it for a service account."""

    class Meta:
        model = ApiToken
        fields = ["name", "user"]

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = User.objects.token_holders_for(actor)
        self.fields["user"].queryset = accounts.order_by("-is_service_account", "username")
        self.fields["user"].initial = actor.pk
        self.fields["user"].empty_label = None
        self.fields["user"].label_from_instance = lambda user: (
            _("%(name)s (service account)") % {"name": user.username}
            if user.is_service_account
            else _("Yourself")
        )
        if accounts.count() == 1:
            self.fields["user"].widget = forms.HiddenInput()


def _time_zone_choices():
    # Given as a callable, the six hundred zones are shared: a form copies its fields for each request, and
    # copying the list itself cost more than the rest of the page.
    return TIME_ZONE_CHOICES


class AccountDetailsForm(forms.Form):
    """A member of staff's own name, email address and time zone (saved by services.user_details_update)."""

    first_name = User._meta.get_field("first_name").formfield()
    last_name = User._meta.get_field("last_name").formfield()
    email = User._meta.get_field("email").formfield(
        required=True, help_text=_("Your digests, invitations and password resets are sent here.")
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        help_text=_("Dates and times throughout the CRM, and your daily digest, follow this time zone."),
    )
    current_password = forms.CharField(
        label=_("Current password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed only to change your email address."),
    )


class StaffPasswordResetForm(PasswordResetForm):
    """Django's password reset, for people only, through the outbox like every other email the CRM sends.

    The page says the same whether or not the address belongs to anyone (Django's behaviour).
    """

    def get_users(self, email):
        # Service accounts have no password to reset and never sign in to the pages.
        return (user for user in super().get_users(email) if not user.is_service_account)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        # A second request in the same minute finds the first message (still waiting, or sent with a link
        # that still works) instead of filling the mailbox: someone else may be asking for that address.
        requested_at = timezone.now().replace(second=0, microsecond=0)
        message_enqueue(
            key=message_key(kind="password-reset", about=user, to=to_email, scheduled_for=requested_at),
            kind="password_reset",
            to=to_email,
            subject=subject,
            body=render_to_string(email_template_name, context).strip(),
            recipient_user=user,
        )
