import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class User(AbstractUser):
    """A member of staff: a liaison officer, a manager or an administrator of the CRM."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default=settings.TIME_ZONE
    )

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
