import hashlib
import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import ApiTokenQuerySet, UserQuerySet


class Role(models.TextChoices):
    """The auth groups that carry a person's role in the CRM."""

    OFFICER = "Officer", _("Liaison officer")
    MANAGER = "Manager", _("Manager")
    ADMIN = "Admin", _("Administrator")


TIME_ZONE_CHOICES = sorted((name, name.replace("_", " ")) for name in zoneinfo.available_timezones())


class Team(models.Model):
    """A group of liaison officers led by one or more managers; managers see their team's portfolio."""

    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A member of staff: a liaison officer, a manager or an administrator of the CRM.

    A service account is a User too: another internal tool that calls the API with a token, under the
    permissions of its role; it has no password and cannot sign in to the pages.
    """

    # PROTECT: a team deleted under its members would leave its managers managing nobody and its officers'
    # portfolios without a manager, silently; the admin names the members to move first.
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default=settings.TIME_ZONE
    )
    is_service_account = models.BooleanField(
        _("service account"),
        default=False,
        help_text=_("Another tool that uses the API with a token; it cannot sign in to the pages."),
    )

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        ordering = ["first_name", "last_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def is_crm_admin(self) -> bool:
        return self.is_superuser or Role.ADMIN in self.role_names

    @property
    def is_manager(self) -> bool:
        return self.is_crm_admin or Role.MANAGER in self.role_names


class ApiToken(models.Model):
    """A key a tool or a person's script presents to use the API as one member of staff or service account.

    Only a hash of the key is kept: the key itself is shown once, when the token is created.
    """

    user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses it, e.g. “events calendar sync”.")
    )
    key_prefix = models.CharField(_("key starts with"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        # The keys are long random strings, so a fast unsalted hash is enough to make a stolen table useless.
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
