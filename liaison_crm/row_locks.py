"""Changing a record that two requests may change at the same moment (a double click, two editors, a page
and the API): each change locks the record's row first, so they take turns, and the second sees what the
first saved. A write pointing at records another may remove meanwhile (a stakeholder merged into another)
holds them first, so that it either waits for the removal and says so, or goes first."""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext as _

Record = TypeVar("Record", bound=models.Model)


def lock_for_update(record: Record, *, require_unchanged: Callable[[Record], None] | None = None) -> None:
    """Locks `record`'s row until the transaction ends and reads it again: what is checked (who may change
    it included) and changed is its current state. Values set on `record` and not saved (a valid ModelForm
    puts its input there, a new owner say) are dropped; the service applies what it was given.

    `require_unchanged`, from an edit page, is then given the record as read under the lock and raises
    ValidationError if it is no longer as the page showed it (liaison_crm.edit_conflicts).
    """
    # FOR NO KEY UPDATE: two changes still take turns, but rows pointing at this one (an interaction logged
    # with the stakeholder, a commitment made to them) are not held up by it.
    locked = type(record)._base_manager.select_for_update(no_key=True)
    try:
        record.refresh_from_db(from_queryset=locked)
    except type(record).DoesNotExist:
        raise ValidationError(
            _("This was deleted (or merged into another record) while you were editing it.")
        ) from None
    if require_unchanged is not None:
        require_unchanged(record)


def lock_referenced(records: Iterable[models.Model | None], *, field: str) -> None:
    """Holds the rows of `records`, which the write about to be made will point at, until the transaction
    ends; one gone meanwhile is a ValidationError on `field` and nothing is written.

    Our foreign keys are checked at COMMIT: a stakeholder merged into another (the merge deletes the
    duplicate) after the form or request was read would fail the write there, a server error. FOR KEY SHARE
    waits for a merge holding the row and then finds it gone, or makes a merge wait for this write, which it
    then moves to the record kept. It does not hold up edits of the records (FOR NO KEY UPDATE).
    """
    wanted = {record.pk: record for record in records if record is not None}
    if not wanted:
        return
    found = hold_rows(type(next(iter(wanted.values()))), wanted)
    if gone := [str(record) for pk, record in wanted.items() if pk not in found]:
        raise ValidationError(
            {
                field: _(
                    "%(names)s was merged into another record or removed meanwhile: reload the page and "
                    "choose again."
                )
                % {"names": ", ".join(gone)}
            }
        )


def hold_rows(model: type[models.Model], ids: Iterable[int]) -> set[int]:
    """Holds the rows of `model` with `ids` FOR KEY SHARE until the transaction ends, as `lock_referenced`
    does; returns the ids found, so the caller decides what a row gone meanwhile (merged away) means."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    meta = model._meta
    table, key = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
    with connection.cursor() as cursor:
        # In the order of their ids, as a merge locks its two: a write naming both the record kept and the
        # duplicate waits for the merge (or the merge for it) instead of each holding one the other wants.
        cursor.execute(f"SELECT {key} FROM {table} WHERE {key} = ANY(%s) ORDER BY {key} FOR KEY SHARE", [ids])
        return {row[0] for row in cursor.fetchall()}
