"""Changing a record that two requests may change at the same moment (a double click, two editors, a page
and the API): each change locks the record's row first, so they take turns, and the second sees what the
first saved."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models
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
