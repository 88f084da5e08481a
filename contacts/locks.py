"""Holding a record's people before the record itself, the order a stakeholder merge takes them.

A merge (services.stakeholder_merge) locks its two people, then changes the meetings the duplicate attends,
then its interactions, actions and the rest. A write that held such a record and then waited for one of its
people would wait for the merge while the merge waited for it: each write touching a record tied to people
holds those people first, here, the services and the API view sets alike.
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError

from liaison_crm.row_locks import lock_referenced

from .models import Stakeholder


def people_hold(
    *,
    own: Iterable[Stakeholder] = (),
    joining: Iterable[Stakeholder | None] = (),
    field: str,
    own_after_merge: Callable[[], Iterable[Stakeholder]] | None = None,
) -> None:
    """Holds the record's `own` people and those the write gives it (`joining`), in the order of their ids,
    until the transaction ends (liaison_crm.row_locks.lock_referenced).

    One of `joining` merged away or removed meanwhile is a ValidationError on `field`, and so is one of
    `own` when `own_after_merge` is None. Otherwise the merge has taken the record to the person kept:
    `own_after_merge` reads the record's people again, and they are held instead.
    """
    joining = [person for person in joining if person is not None]
    try:
        lock_referenced([*own, *joining], field=field)
    except ValidationError:
        named = {person.pk for person in joining}
        if own_after_merge is None or Stakeholder.objects.filter(pk__in=named).count() < len(named):
            raise
        lock_referenced([*own_after_merge(), *joining], field=field)
