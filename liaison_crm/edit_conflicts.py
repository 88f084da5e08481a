"""Two people editing the same record: the second to save is told, instead of silently undoing the first.

An edit form carries a fingerprint of the record as the form showed it (every field's starting value). When
it comes back, the record is read again; if what the form would show now differs, someone saved a change
meanwhile, and saving would put back the old values of every field the second person did not touch. The
form is then refused with their typed input kept and the current fingerprint in it, so saving it again
replaces the other change knowingly. The API does the same with ETags and If-Match (api.conditional).

Only what the form shows counts: a last-contact date moved by a logged call is not a conflict.

The check in clean() runs before anything is locked, where two saves sent at the same moment would both
pass it. So every edit page also hands `require_unchanged` to the service that saves: the service locks the
record's row and reads it again (liaison_crm.row_locks.lock_for_update), and checks again there, where the
second of the two waits for the first and is refused.
"""

import datetime as dt
import hashlib
import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

FIELD = "edit_fingerprint"


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


class EditConflictMixin:
    """For a ModelForm that edits a record; see the module's docstring. Put it first among the bases."""

    conflict_message = _(
        "Someone else saved a change to this record after you opened this form, and saving would undo it. "
        "Your changes are below, not saved yet: look at the record in another tab, then save again to keep "
        "yours."
    )

    def __new__(cls, *args, **kwargs):
        form = super().__new__(cls)
        # What else the form was built with (its user, its initial values): the fingerprint depends on them.
        # Taken here, as a subclass's __init__ keeps what is its own (its user) from reaching ours. Keyword
        # arguments only: the edit views build their forms with the data positional and the rest by name.
        form._built_with = {
            name: value for name, value in kwargs.items() if name not in {"data", "files", "instance"}
        }
        return form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sent_fingerprint = ""
        # Callable: worked out when the form is drawn, after the subclass has set its starting values.
        self.fields[FIELD] = forms.CharField(
            required=False, widget=forms.HiddenInput, initial=self.current_fingerprint
        )

    def fingerprint_extra(self):
        """What else the form edits besides its fields (a meeting's agenda, say), as plain values."""
        return None

    def current_fingerprint(self) -> str:
        if not self.instance.pk:
            return ""
        shown = {
            name: _plain(self.get_initial_for_field(field, name))
            for name, field in self.fields.items()
            if name != FIELD
        }
        shown[""] = self.fingerprint_extra()
        text = json.dumps(shown, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def clean(self):
        cleaned = super().clean()
        self._sent_fingerprint = cleaned.pop(FIELD, "") if cleaned is not None else ""
        if self._changed_since_shown(self.current_fingerprint()):
            self.add_error(None, self.conflict_message)
        return cleaned

    def require_unchanged(self, record) -> None:
        """Refuses the save (ValidationError) if `record`, read again under the lock a service saves it in,
        is no longer as this form showed it. The form then carries the record's current fingerprint, as
        after a refusal in clean()."""
        fresh = type(self)(instance=record, **self._built_with)
        if self._changed_since_shown(fresh.current_fingerprint()):
            raise ValidationError(self.conflict_message)

    def _changed_since_shown(self, current: str) -> bool:
        if not self._sent_fingerprint or not self.instance.pk or self._sent_fingerprint == current:
            return False
        # Sent again, the form saves over the other change knowingly.
        self.data = self.data.copy()
        self.data[self.add_prefix(FIELD)] = current
        return True
