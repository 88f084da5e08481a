"""API tokens and service accounts: created, revoked and recorded here, whichever door asks."""

import secrets
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison_crm.constraints import atomic_service

from .models import ApiToken, Role, Team, User
from .permissions import can_create_api_token, can_revoke_api_token, can_unlock_sign_in, require
from .querysets import UserQuerySet

# Recording every request would turn each read into a write; a minute is precise enough for "last used".
LAST_USED_PRECISION = timedelta(minutes=1)


@atomic_service
def api_token_create(*, user: User, name: str, actor: User) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key is not stored and cannot be shown again."""
    require(
        can_create_api_token(actor, user), _("You can create tokens for yourself and for service accounts.")
    )
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name.strip(), key_prefix=key[:8], key_hash=ApiToken.hash_key(key), created_by=actor
    )
    token.full_clean(validate_constraints=False)
    token.save()
    return token, key


@atomic_service
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    require(can_revoke_api_token(actor, token))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_record_use(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@atomic_service
def service_account_create(*, username: str, actor: User | None, team: Team | None = None) -> User:
    """An account for another tool: an officer's permissions, no password, no sign-in to the pages.

    `actor` is None when an operator runs a management command on the server.
    """
    if actor is not None:
        require(actor.is_crm_admin, _("Only administrators create service accounts."))
    user = User(username=username, team=team, is_service_account=True)
    user.set_unusable_password()
    user.full_clean(validate_constraints=False)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    return user


@atomic_service
def user_sign_in_unlock(*, users: UserQuerySet, actor: User) -> int:
    """Forgets django-axes' failed sign-ins for `users` (a queryset of them) and writes in the admin's log
    each one who was locked out, as unlocked by `actor`; returns how many of them were."""
    require(can_unlock_sign_in(actor), _("Only administrators unlock a sign-in."))
    users = list(users.with_sign_in_lock())
    for user in users:
        axes_reset(username=user.username)
    unlocked = [user for user in users if user.is_locked_out]
    if unlocked:
        # The log is read in the admin's history of each account, as the admin's own changes are.
        LogEntry.objects.log_actions(
            user_id=actor.pk, queryset=unlocked, action_flag=CHANGE, change_message="Unlocked sign-in."
        )
    return len(unlocked)
