"""Changing a record that two requests may change at the same moment (a double click, two editors, a page
and the API): each change locks the record's row first, so they take turns, and the second sees what the
first saved."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

Record = TypeVar("Record", bound=models.Model)


def lock_for_update(record: Record, *, require_unchanged: Callable[[Record], None] | None = None) -> None:
    """Locks `record`'s row until the transaction ends and reads it again: what is checked (who may change
    it included) and changed is its current state. Values set on `record` and not saved (a valid ModelForm
    puts its input there, a new owner say) are dropped; the service applies what it was given. A record
    `read_locked` in this transaction is locked and current already: it is not read again.

    `require_unchanged`, from an edit page, is then given the record as read under the lock and raises
    ValidationError if it is no longer as the page showed it (liaison_crm.edit_conflicts).
    """
    if not _holds_lock(record):
        try:
            record.refresh_from_db(from_queryset=_locking(type(record)._base_manager.all()))
        except type(record).DoesNotExist:
            raise ValidationError(
                _("This was deleted (or merged into another record) while you were editing it.")
            ) from None
        _note_lock(record)
    if require_unchanged is not None:
        require_unchanged(record)


def read_locked(queryset: models.QuerySet, **lookup) -> models.Model:
    """The row of `queryset` that `lookup` names, locked as `lock_for_update` locks it, in the one query
    (DoesNotExist if there is none). The service it is then handed to, unchanged, locks it no more: the API
    reads a record this way to check its ETag and who may change it on what the service will change."""
    record = _locking(queryset).get(**lookup)
    _note_lock(record)
    return record


def _locking(queryset: models.QuerySet) -> models.QuerySet:
    # FOR NO KEY UPDATE: two changes still take turns, but rows pointing at this one (an interaction logged
    # with the stakeholder, a commitment made to them) are not held up by it.
    return queryset.select_for_update(no_key=True, of=("self",))


def _note_lock(record: models.Model) -> None:
    # A row lock lasts until its transaction ends, or until the savepoint it was taken in is rolled back:
    # exactly as long as a callback on commit registered with it stays registered, which Django drops then.
    def lock_released():
        pass

    transaction.on_commit(lock_released)
    record._row_lock = lock_released


def _holds_lock(record: models.Model) -> bool:
    token = getattr(record, "_row_lock", None)
    return token is not None and any(
        callback is token for _savepoints, callback, _robust in transaction.get_connection().run_on_commit
    )
