"""Holding a record's people before the record itself, the order a stakeholder merge takes them.

A merge (services.stakeholder_merge) locks its two people, then changes the meetings the duplicate attends,
then its interactions, actions and the rest. A write that held such a record and then waited for one of its
people would wait for the merge while the merge waited for it: each write touching a record tied to people
holds those people first, here, the services and the API view sets alike.
"""

import enum
from collections.abc import Iterable

from django.core.exceptions import ValidationError

from liaison_crm.row_locks import lock_referenced

from .models import Stakeholder


class IfOwnMerged(enum.Enum):
    """What one of a record's own people merged away meanwhile means to `people_hold`."""

    FOLLOW = "follow"  # the merge took the record to the person kept: read `own` again and hold them
    REFUSE = "refuse"  # the write is refused, on `field`
    LET_GO = "let go"  # nobody of theirs is held: the record is read where it went once it is locked


def people_hold(
    *,
    own: Iterable[Stakeholder] = (),
    joining: Iterable[Stakeholder | None] = (),
    field: str,
    if_own_merged: IfOwnMerged = IfOwnMerged.FOLLOW,
) -> None:
    """Holds the record's `own` people (a queryset, read again when one was merged away and
    `if_own_merged` follows them) and those the write gives it (`joining`), in the order of their ids, until
    the transaction ends (liaison_crm.row_locks.lock_referenced).

    One of `joining` merged away or removed meanwhile is a ValidationError on `field`; one of `own` is what
    `if_own_merged` says.
    """
    joining = [person for person in joining if person is not None]
    try:
        lock_referenced([*own, *joining], field=field)
    except ValidationError:
        if if_own_merged is IfOwnMerged.REFUSE:
            raise
        named = {person.pk for person in joining}
        if Stakeholder.objects.filter(pk__in=named).count() < len(named):
            raise  # one joining is gone: that is refused whatever became of the record's own
        own_now = own.all() if if_own_merged is IfOwnMerged.FOLLOW else ()
        lock_referenced([*own_now, *joining], field=field)
