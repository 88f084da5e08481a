"""Who may change what: the one place the HTML views, the API and the services ask.

Reads are scoped by each model's `visible_to(user)` queryset; these predicates decide writes.
Officers edit what they own or logged; managers also edit their team's; administrators edit everything.
"""

import enum

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


def can_update_follow_up(user, interaction) -> bool:
    """Marks a follow-up done or open again: whoever may edit the interaction, the follow-up's owner and
    their managers."""
    if can_edit_interaction(user, interaction) or interaction.follow_up_owner_id == user.pk:
        return True
    return interaction.follow_up_owner_id is not None and manages(user, interaction.follow_up_owner)


def can_follow_up(user) -> bool:
    """Whether `user` may be given a follow-up to chase: an active member of staff, not another tool's
    account. Which stakeholders they may see is their `Stakeholder.objects.visible_to(user)`."""
    return user.is_active and not user.is_service_account


def can_edit_meeting(user, meeting) -> bool:
    return meeting.organiser_id == user.pk or manages(user, meeting.organiser)


def can_update_action_item(user, action_item) -> bool:
    """Who chases it (its owner, or the colleague chasing a stakeholder's) moves it along, and hands it on;
    so can their managers, the meeting's organiser and theirs."""
    chaser_id = action_item.owner_user_id or action_item.chaser_id
    if chaser_id == user.pk or can_edit_meeting(user, action_item.meeting):
        return True
    return chaser_id is not None and manages(user, action_item.chased_by)


def can_respond_for(user, attendee) -> bool:
    """Staff answer their own invitations; the organiser records a stakeholder's reply."""
    if attendee.user_id is not None:
        return attendee.user_id == user.pk or can_edit_meeting(user, attendee.meeting)
    return can_edit_meeting(user, attendee.meeting)


def can_add_to_registers(user) -> bool:
    # Any member of staff may record a commitment or raise a concern, whoever owns the stakeholder.
    return user.is_active


def can_edit_commitment(user, commitment) -> bool:
    """The officer chasing it, the stakeholder's owner, the chaser's managers and administrators."""
    return (
        commitment.owner_id == user.pk
        or commitment.stakeholder.owner_id == user.pk
        or manages(user, commitment.owner)
    )


def can_edit_concern(user, concern) -> bool:
    """The officer handling it, the stakeholder's owner, the handler's managers and administrators."""
    return (
        concern.owner_id == user.pk or concern.stakeholder.owner_id == user.pk or manages(user, concern.owner)
    )


class WhoCanHelp(enum.StrEnum):
    """Who can lift a refusal, which the refused page names (templates/403.html)."""

    # A stakeholder's record, or one kept with them: another team's is not the reader's manager's to open up
    # (`manages`), but its owner's.
    RECORD_OWNER = enum.auto()
    MANAGER = enum.auto()
    ADMINISTRATOR = enum.auto()


class Refused(PermissionDenied):
    """A refusal that says who can lift it."""

    def __init__(self, message: str, who_can_help: WhoCanHelp):
        super().__init__(message)
        self.who_can_help = who_can_help

    def __reduce__(self):
        # Copied or pickled (an error reporter, a task's result) with both arguments, not `args` alone.
        return type(self), (str(self), self.who_can_help)


def require(
    allowed: bool, message: str | None = None, *, who_can_help: WhoCanHelp = WhoCanHelp.RECORD_OWNER
) -> None:
    if not allowed:
        raise Refused(message or _("You do not have permission to change this record."), who_can_help)


def can_create_api_token(user, account) -> bool:
    """People make tokens for themselves; administrators also for service accounts, never for a colleague."""
    return user.is_active and (account.pk == user.pk or (user.is_crm_admin and account.is_service_account))


def can_revoke_api_token(user, token) -> bool:
    # Administrators may revoke anyone's token: a leaked key must be stoppable without its owner.
    return user.is_active and (token.user_id == user.pk or user.is_crm_admin)


def can_edit_tag(user, tag) -> bool:
    # Tags are the shared vocabulary: renaming or removing one changes every record that carries it.
    return user.is_manager


def can_edit_webhook(user, endpoint) -> bool:
    return endpoint.owner_id == user.pk or user.is_crm_admin


def can_manage_outbox(user) -> bool:
    # The outbox holds every message sent to anyone, stakeholders included: administrators only.
    return user.is_active and user.is_crm_admin


def can_manage_import(user, job) -> bool:
    """An import is mapped, checked, committed or set aside by whoever uploaded it, or an administrator."""
    return user.is_active and (job.created_by_id == user.pk or user.is_crm_admin)


def can_merge_stakeholders(user, keep, duplicate) -> bool:
    # A merge rewrites both records' histories: it needs the right to edit each of them.
    return can_edit_stakeholder(user, keep) and can_edit_stakeholder(user, duplicate)


def can_hand_over_portfolio(user, from_officer, to_officer) -> bool:
    """A manager moves a portfolio between officers of their team; an administrator between anyone's.

    The receiver must be able to look after it: an active member of staff, not a service account, and not
    the officer handing over. The one handing over may have left already (an inactive account).
    """
    return (
        user.is_active
        and from_officer.pk != to_officer.pk
        and to_officer.is_active
        and not to_officer.is_service_account
        and manages(user, from_officer)
        and manages(user, to_officer)
    )


def can_dismiss_duplicate(user, first, second) -> bool:
    """Saying two records are different people hides the pair from everyone's review: the same people who
    could merge them decide it."""
    return can_merge_stakeholders(user, first, second)


def can_review_inbound_message(user, message) -> bool:
    """Captured mail is dealt with by the officer who sent it in, their managers and administrators.

    Mail no member of staff sent in is triaged by managers and administrators.
    """
    if not user.is_active:
        return False
    if user.is_crm_admin or message.author_id == user.pk:
        return True
    if message.author_id is None:
        return user.is_manager
    return manages(user, message.author)


def can_unlock_sign_in(user) -> bool:
    return user.is_active and user.is_crm_admin
