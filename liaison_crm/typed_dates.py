"""Dates a person types: within the years a liaison record can hold, checked only when they change.

A slip of the keyboard — 0226 for 2026, 3020 for 2030 — was saved, and the record then sorted and filtered
as if it were centuries away. So a date typed on a page (forms), sent to the API (serializers) or read from
an import file (imports.columns) must fall between EARLIEST_YEAR and YEARS_AHEAD years from now.

The bounds are not on the models: services call full_clean(), and records already hold dates outside them
(a concern raised in 1940, a 99-year renewal) that an edit of another field must still save, as inbound mail
keeps whatever its Date: header says. For the same reason an edit is checked only when it changes the date.

The bounds also keep a meeting's repeats, reminders and times in other zones well inside what a date can hold,
which the meetings API once did with a range of its own.
"""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Not 1950: records on file begin in the 1940s (a position held since 1945), and an officer correcting one
# by a day must not be refused; 1900 still catches a dropped or mistyped century.
EARLIEST_YEAR = 1900
# A renewal or a target date can be decades away; half a century still catches 3020 typed for 2030.
YEARS_AHEAD = 50


def typed_date_problem(value: dt.date | None, *, was: dt.date | None = None) -> str | None:
    """Why `value`, typed for a date that was `was` (None when new), is refused, or None when it is not.

    The message names years, so the bounds are whole years: 1 January of the first to 31 December of the
    last. A datetime is judged by its year as given.
    """
    if value is None or value == was:
        return None
    latest = timezone.localdate().year + YEARS_AHEAD
    if EARLIEST_YEAR <= value.year <= latest:
        return None
    return _("Enter a date between %(earliest)d and %(latest)d.") % {
        "earliest": EARLIEST_YEAR,
        "latest": latest,
    }


class TypedDatesMixin:
    """For a form with date fields: refuses a date outside the bounds, on an edit only when the person changed
    it. Put it after EditConflictMixin.

    "Changed" as the page shows it: the value's text in its input (to the minute, in the reader's time zone)
    against the text the record's value was shown as. Compared with the stored value, a time held to the
    second (or in a zone whose old offset had seconds) read as changed on every edit of anything else.
    """

    def clean(self):
        cleaned = super().clean()
        instance = getattr(self, "instance", None)
        editing = instance is not None and instance.pk is not None
        for name, field in self.fields.items():
            if not isinstance(field, forms.DateField | forms.DateTimeField) or cleaned.get(name) is None:
                continue
            if editing and as_shown(field, cleaned[name]) == as_shown(
                field, self.get_initial_for_field(field, name)
            ):
                continue
            if problem := typed_date_problem(cleaned[name]):
                self.add_error(name, problem)
        return cleaned


def as_shown(field, value) -> str:
    """A date or time as its input on the page holds it: what a person sees, and sends back untouched."""
    return field.widget.format_value(field.prepare_value(value)) or ""
