"""Who may change what: the one place the HTML views, the API and the services ask.

Reads are scoped by each model's `visible_to(user)` queryset; these predicates decide writes.
Officers edit what they own or logged; managers also edit their team's; administrators edit everything.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def manages(user, colleague) -> bool:
    """True when `user` is an administrator, or a manager of `colleague`'s team."""
    if user.is_crm_admin:
        return True
    return user.is_manager and user.team_id is not None and colleague.team_id == user.team_id


def can_edit_organisation(user, organisation) -> bool:
    # The organisation register is shared: every member of staff keeps it current.
    return user.is_active


def can_edit_stakeholder(user, stakeholder) -> bool:
    return stakeholder.owner_id == user.pk or manages(user, stakeholder.owner)


def can_edit_interaction(user, interaction) -> bool:
    return interaction.logged_by_id == user.pk or manages(user, interaction.logged_by)


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to change this record."))
