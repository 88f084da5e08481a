"""CSV files people open in a spreadsheet: the one writer every export uses.

A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) is taken for a formula by Excel,
LibreOffice and Google Sheets, and a stakeholder's name or an email subject is text somebody outside typed:
such a cell is written with a leading apostrophe, which spreadsheets read as "this is text" and do not show
(OWASP "CSV Injection"). Numbers are written as they are: they cannot be formulas.

Rows are streamed, so an export of the whole register does not build the file in memory. The file starts
with a byte-order mark so that Excel reads it as UTF-8 (accents, Arabic and Chinese names) rather than in the
machine's legacy code page.

Usage::

    columns = [Column(_("Name"), "name"), Column(_("Owner"), lambda s: s.owner.get_full_name())]
    return csv_response(filename="stakeholders.csv", columns=columns, rows=queryset.iterator(2000))
"""

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"


def neutralise(value: Any) -> Any:
    """The value as a spreadsheet should see it: text that would start a formula is prefixed with `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        # In the reader's time zone, to the second and without the UTC offset: a spreadsheet reads
        # "2024-03-05 14:30:00" as a date and time, but "2024-03-05 14:30:00+00:00" as text, which its date
        # filters and sums skip.
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        value = "; ".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


@dataclass(frozen=True)
class Column:
    """One column of an export: its heading and how to read its value from a row (attribute or callable)."""

    heading: str
    value: str | Callable[[Any], Any]

    def read(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        result = row
        for part in self.value.split("__"):
            result = None if result is None else getattr(result, part)
        return result


class _Echo:
    """A file-like object whose write returns what it was given, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[str]:
    """The file, a line at a time: the heading row, then one line per row, every cell neutralised."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow([neutralise(str(column.heading)) for column in columns])
    for row in rows:
        yield writer.writerow([neutralise(column.read(row)) for column in columns])


def write_csv(file, columns: Sequence[Column], rows: Iterable[Any]) -> None:
    """Writes the export to an open text file (newline="" as the csv module asks), e.g. for an email."""
    for line in csv_lines(columns, rows):
        file.write(line)


def csv_response(*, filename: str, columns: Sequence[Column], rows: Iterable[Any]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
