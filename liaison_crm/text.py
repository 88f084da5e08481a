"""Text PostgreSQL can store: no NUL character, no lone surrogate.

PostgreSQL refuses a NUL in text (a DataError) and UTF-8 cannot carry a lone surrogate (a UnicodeEncodeError
in the driver); either would be a 500 and, mid-workflow, a half-done write. Django's form CharField refuses
NUL and DRF's refuses both, but a model field refuses neither, so a service handed such text by another
path — a list of tag names, a file, another service — would only find out at the database. Models whose
text services write inherit StorableTextModel, and `full_clean()`, which those services call, refuses it
as a ValidationError on the field, like any other invalid value.

Times too: a time given in its own zone (a meeting's) can fall, in UTC, outside the years 1 to 9999 that
Python can read — 31 December 9999 at 22:00 in Los Angeles is 10000 in UTC. PostgreSQL stores it, and every
page that lists the record then fails reading it back, so such a time is refused like unstorable text.
"""

import datetime as dt

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def unstorable_text_message(value) -> str | None:
    """Why `value` (text, or a list of texts) cannot be stored, or None when it can."""
    texts = value if isinstance(value, list | tuple) else [value]
    for text in texts:
        if not isinstance(text, str):
            continue
        if "\x00" in text:
            return _("Null characters are not allowed.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return _("Surrogate characters are not allowed.")
    return None


TIME_OUT_OF_RANGE = _("This time is too far in the past or the future.")


def unstorable_time_message(value) -> str | None:
    """Why the aware time `value` cannot be stored and read back, or None when it can."""
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return None
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        return TIME_OUT_OF_RANGE
    return None


def validate_storable_text(value) -> None:
    message = unstorable_text_message(value)
    if message:
        raise ValidationError(message, code="unstorable_text")


class StorableTextModel(models.Model):
    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if field.generated or (exclude and field.name in exclude) or field.name in errors:
                continue
            value = getattr(self, field.attname)
            if isinstance(field, models.DateTimeField):
                message = unstorable_time_message(value)
            elif isinstance(field, models.CharField | models.TextField) or (
                isinstance(field, ArrayField) and isinstance(field.base_field, models.CharField)
            ):
                message = unstorable_text_message(value)
            else:
                continue
            if message:
                errors[field.name] = [message]
        if errors:
            raise ValidationError(errors)
