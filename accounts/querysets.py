import operator
from collections.abc import Iterable
from functools import reduce

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils import timezone
from django.utils.translation import gettext as _


def staff_label(name, *, active: bool) -> str:
    """A member of staff's name as pickers, filters and charts show it: marked when they have left."""
    return str(name) if active else _("%(name)s (left)") % {"name": name}


def handover_message(leaver) -> str:
    """What a form or the API says when a record's chaser has left and the picker no longer offers them."""
    return _("%(name)s has left; choose who takes this over.") % {"name": leaver}


def _ids(keeping: Iterable[int | None] | QuerySet):
    """The ids a record already names: a queryset of ids as it is (asked in the same query), else without
    the empty ones."""
    return keeping if isinstance(keeping, QuerySet) else [pk for pk in keeping if pk is not None]


def person_name(path: str = ""):
    """A member of staff's name as User.__str__ gives it, in SQL: the full name, else the username.

    `path` leads from the queried model to the user ("officer__"); empty when querying users themselves.
    """
    full = Trim(Concat(f"{path}first_name", Value(" "), f"{path}last_name"))
    return Coalesce(NullIf(full, Value("")), f"{path}username")


class UserQuerySet(QuerySet):
    def active_or_holding_work(self):
        """Active staff, and those who have left but still own an active stakeholder or hold open work
        (contacts.queries.open_work: a follow-up, action, commitment or concern): a leaver is listed, and
        found by their name, while what they left behind can still be handed on to a colleague. Not all of it
        counts in the figures: an action left open on a cancelled meeting does not
        (meetings.querysets.ActionItemQuerySet.outstanding), yet it is still theirs to hand on."""
        # contacts builds on this app: read its models when asked, not at import.
        from contacts.models import Stakeholder
        from contacts.queries import open_work_held

        officer = OuterRef("pk")
        holding = [
            Q(is_active=True),
            Exists(Stakeholder.objects.active().filter(owner=officer)),
            *(Exists(work.rows) for work in open_work_held(officer).values()),
        ]
        return self.filter(reduce(operator.or_, holding))

    def of_team(self, team):
        """The members of `team` (a team or its id): the officers a team's figures, reports and filters count.
        As a subquery ("owner in (the team's members)") PostgreSQL walks each member's entries of a register's
        index by owner instead of joining every row to its owner."""
        return self.filter(team=team)

    def leaver_holding(self, holder_id: int | None, value):
        """Who holds a record and has left, when `value` — what a picker sent back for the holder — still
        means them: their id, or nothing (a picker no longer offering them shows them as a blank)."""
        if holder_id is None or str(value if value is not None else "") not in ("", str(holder_id)):
            return None
        return self.filter(pk=holder_id, is_active=False).first()

    def assignable(self, *, keeping: Iterable[int | None] | QuerySet = ()):
        """The staff who can be given work to chase: a stakeholder, a commitment, a concern, an action, a
        follow-up. A service account is another tool, not a person (accounts.permissions.can_follow_up).

        `keeping`: the accounts that may keep what they hold, though not be given more — a tool holds what it
        made through the API as itself, and sending that record back unchanged is no new choice. A queryset
        of ids is asked in the same query.
        """
        return self.filter(Q(is_service_account=False) | Q(pk__in=_ids(keeping)), is_active=True)

    def nameable(self, *, keeping: Iterable[int | None] | QuerySet = ()):
        """The staff who can be named as taking part in something: invited to a meeting, present at an
        interaction. People, as `assignable()` gives them.

        `keeping`: those the record already names (their ids, a queryset of ids asked in the same query). They
        took part all the same after they left or became a tool, so they stay named until someone takes them
        off; nobody is newly named who has left.
        """
        return self.filter(Q(is_active=True, is_service_account=False) | Q(pk__in=_ids(keeping)))

    def with_sign_in_lock(self):
        """Annotates `is_locked_out`: whether django-axes now refuses the account's sign-in, from any address.

        As axes' database handler counts (per username and address, the lock-out parameters), from its own
        settings: the failures since the cool-off began, reaching the limit.
        """
        # axes' models are read when asked: this module is loaded with the accounts app, before axes'.
        from axes.helpers import get_cool_off, get_failure_limit
        from axes.models import AccessAttempt

        failures = (
            AccessAttempt.objects.filter(
                username=OuterRef("username"), attempt_time__gte=timezone.now() - get_cool_off()
            )
            .values("ip_address")
            .annotate(failures=Sum("failures_since_start"))
            .filter(failures__gte=get_failure_limit(None, None))
        )
        return self.annotate(is_locked_out=Exists(failures))

    def visible_to(self, user):
        # Staff see every active colleague (to pick owners and people present); administrators see all.
        if not user.is_active:
            return self.none()
        return self if user.is_crm_admin else self.filter(is_active=True)

    def managed_by(self, user):
        """The staff `user` manages (accounts.permissions.manages): their team's, or everyone for an
        administrator. Those who have left are included: their portfolios still need a new owner."""
        if not user.is_active:
            return self.none()
        if user.is_crm_admin:
            return self
        return self.of_team(user.team_id) if user.is_manager and user.team_id else self.none()

    def token_holders_for(self, actor):
        """The accounts `actor` may make API tokens for (accounts.permissions.can_create_api_token)."""
        if not actor.is_active:
            return self.none()
        if actor.is_crm_admin:
            return self.filter(Q(pk=actor.pk) | Q(is_service_account=True, is_active=True))
        return self.filter(pk=actor.pk)

    def picker_options(self) -> list[tuple[int, str]]:
        """Each member of staff's id and name as `str(user)` gives it, "(left)" after it for one who has
        left (kept on a record that names them), read as values, not as models.

        The staff pickers (a stakeholder's owner, the people present) list everyone on every visit of a
        stakeholder's page or the list: making 200 models for a name each was half of a picker's cost.
        """
        rows = self.values_list("pk", "first_name", "last_name", "username", "is_active")
        options = []
        for pk, first, last, username, is_active in rows:
            name = f"{first} {last}".strip() or username  # User.__str__: get_full_name() or the username
            options.append((pk, staff_label(name, active=is_active)))
        return options


class ApiTokenQuerySet(QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def manageable_by(self, user):
        """A person's own tokens; for administrators also the service accounts' tokens."""
        if not user.is_active:
            return self.none()
        if user.is_crm_admin:
            return self.filter(Q(user=user) | Q(user__is_service_account=True))
        return self.filter(user=user)
