"""Accounts: a person's own details and password, API tokens and service accounts; written and recorded here,
whichever door asks."""

import secrets
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison_crm.constraints import atomic_service

from .models import ApiToken, Role, Team, User
from .permissions import WhoCanHelp, can_create_api_token, can_revoke_api_token, can_unlock_sign_in, require
from .querysets import UserQuerySet

# Recording every request would turn each read into a write; a minute is precise enough for "last used".
LAST_USED_PRECISION = timedelta(minutes=1)


@atomic_service
def api_token_create(*, user: User, name: str, actor: User) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key is not stored and cannot be shown again."""
    require(
        can_create_api_token(actor, user),
        _("You can create tokens for yourself and for service accounts."),
        who_can_help=WhoCanHelp.ADMINISTRATOR,
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
    require(can_revoke_api_token(actor, token), who_can_help=WhoCanHelp.ADMINISTRATOR)
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
        require(
            actor.is_crm_admin,
            _("Only administrators create service accounts."),
            who_can_help=WhoCanHelp.ADMINISTRATOR,
        )
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
    require(
        can_unlock_sign_in(actor),
        _("Only administrators unlock a sign-in."),
        who_can_help=WhoCanHelp.ADMINISTRATOR,
    )
    users = list(users.with_sign_in_lock())
    for user in users:
        axes_reset(username=user.username)
    unlocked = [user for user in users if user.is_locked_out]
    if unlocked:
        _log_account_change(actor, unlocked, "Unlocked sign-in.")
    return len(unlocked)


# What a member of staff may change about themselves on the "My account" page.
OWN_DETAILS = ("first_name", "last_name", "email", "time_zone")


@atomic_service
def user_details_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    time_zone: str,
    current_password: str = "",
) -> User:
    """A member of staff changes their own name, email address and time zone; the admin's history of the
    account records each change, old and new value, as made by them.

    A new email address takes their `current_password`: password resets go there, so a signed-in browser
    left unattended would otherwise be enough to point them at another mailbox and take the account.
    """
    # The account's row, locked: `user` (the request's) keeps its values if the change is refused, and two
    # saves at once do not both find the address free.
    user = User.objects.select_for_update().get(pk=user.pk)
    email = email.strip()
    if email.lower() != user.email.lower():
        if not user.check_password(current_password):
            raise ValidationError(
                {"current_password": _("Enter your current password to change your email address.")}
            )
        # The database does not hold addresses unique (accounts made before this check may share one), but
        # captured mail is filed under the member of staff whose address sent it (mailin) and a password reset
        # is sent to every account with the address: a second account taking someone's address would take
        # both.
        if email and User.objects.exclude(pk=user.pk).filter(email__iexact=email).exists():
            raise ValidationError({"email": _("Another account already uses this email address.")})
    wanted = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email,
        "time_zone": time_zone,
    }
    changes = {
        name: (getattr(user, name), value) for name, value in wanted.items() if getattr(user, name) != value
    }
    if not changes:
        return user
    for name, (_old, new) in changes.items():
        setattr(user, name, new)
    user.clean_fields(exclude=[field.name for field in User._meta.fields if field.name not in OWN_DETAILS])
    user.save(update_fields=list(changes))
    described = "; ".join(
        f"{User._meta.get_field(name).verbose_name} {old or '(none)'} → {new or '(none)'}"
        for name, (old, new) in changes.items()
    )
    _log_own_change(user, f"Changed on My account: {described}.")
    return user


@atomic_service
def user_password_change(*, user: User, password: str, forgotten: bool = False) -> User:
    """Sets a member of staff's own password (already checked against the password validators), from the
    password page or, when `forgotten`, from the link a password reset email sent them.

    After a reset, django-axes' failed sign-ins for the account are forgotten too: someone locked out by
    their own attempts, who then proved they hold the account's mailbox, can sign in with the new password
    at once, instead of waiting out the cool-off (or an administrator's unlock).
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    if forgotten:
        axes_reset(username=user.username)
    _log_own_change(user, "Reset a forgotten password." if forgotten else "Changed password.")
    return user


def _log_own_change(user: User, message: str) -> None:
    _log_account_change(user, [user], message)


def _log_account_change(actor: User, users: list[User], message: str) -> None:
    # Read in the admin's history of each account, next to the administrators' own changes to it.
    LogEntry.objects.log_actions(user_id=actor.pk, queryset=users, action_flag=CHANGE, change_message=message)
