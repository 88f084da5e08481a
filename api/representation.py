"""Values written as the API writes them, for serializers that build a record's JSON in one function.

DRF renders a ModelSerializer field by field: for each row, each field is looked up, checked for None and
converted by its own method — 20 to 35 ms for a page of 50 stakeholders or interactions, most of an API
request (make bench). The busiest output serializers (stakeholders, positions, interactions) instead
override `to_representation` with a plain function over the row; their declared fields still define the
input, the validation and the OpenAPI schema. These helpers give the same strings DRF's fields give, and
tests/api/test_representation.py holds each function to what the declared fields would produce.
"""

import datetime

from django.utils import timezone


def moment(value: datetime.datetime | None) -> str | None:
    """As DRF's DateTimeField: ISO 8601 in the current time zone (UTC in the API), "Z" for UTC."""
    if not value:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def day(value: datetime.date | None) -> str | None:
    """As DRF's DateField: ISO 8601."""
    return value.isoformat() if value else None
