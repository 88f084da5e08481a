"""The years a typed date is taken in (liaison_crm.typed_dates), on pages, through the API and in imports."""

from django.utils import timezone


def latest_year() -> int:
    return timezone.localdate().year + 50


def refusal() -> str:
    return f"Enter a date between 1900 and {latest_year()}."
