"""Changing a record that two requests may change at the same moment (a double click, two editors, a page
and the API): each change locks the record's row first, so they take turns, and the second sees what the
first saved."""

from collections.abc import Callable
from typing import TypeVar

from django.db import models

Record = TypeVar("Record", bound=models.Model)


def lock_for_update(record: Record, *, require_unchanged: Callable[[Record], None] | None = None) -> None:
    """Locks `record`'s row until the transaction ends and reads it again: what is checked (who may change
    it included) and changed is its current state. Values set on `record` and not saved (a valid ModelForm
    puts its input there, a new owner say) are dropped; the service applies what it was given.

    `require_unchanged`, from an edit page, is then given the record as read under the lock and raises
    ValidationError if it is no longer as the page showed it (liaison_crm.edit_conflicts).
    """
    record.refresh_from_db(from_queryset=type(record)._base_manager.select_for_update())
    if require_unchanged is not None:
        require_unchanged(record)
