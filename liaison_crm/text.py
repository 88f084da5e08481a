"""Text PostgreSQL can store: no NUL character, no lone surrogate.

PostgreSQL refuses a NUL in text (a DataError) and UTF-8 cannot carry a lone surrogate (a UnicodeEncodeError
in the driver); either would be a 500 and, mid-workflow, a half-done write. Django's form CharField refuses
NUL and DRF's refuses both, but a model field refuses neither, so a service handed such text by another
path — a list of tag names, a file, another service — would only find out at the database. Models whose
text services write inherit StorableTextModel, and `full_clean()`, which those services call, refuses it
as a ValidationError on the field, like any other invalid value.
"""

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
            is_text = isinstance(field, models.CharField | models.TextField) or (
                isinstance(field, ArrayField) and isinstance(field.base_field, models.CharField)
            )
            if not is_text or (exclude and field.name in exclude) or field.name in errors:
                continue
            message = unstorable_text_message(getattr(self, field.attname))
            if message:
                errors[field.name] = [message]
        if errors:
            raise ValidationError(errors)
