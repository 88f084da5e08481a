from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Role, User


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
