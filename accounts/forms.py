from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User


class ApiTokenForm(forms.ModelForm):
    """Name a new token; administrators may also make it for a service account."""

    class Meta:
        model = ApiToken
        fields = ["name", "user"]

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = User.objects.filter(pk=actor.pk)
        if actor.is_crm_admin:
            accounts = User.objects.filter(pk=actor.pk) | User.objects.filter(
                is_service_account=True, is_active=True
            )
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
