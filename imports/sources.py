"""Reading an uploaded file as rows of text: its encoding and delimiter guessed, its rows numbered by line.

Spreadsheets save CSV in many ways: UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"), the
Windows code page (Excel's plain "CSV" on a Western European machine), UTF-16 ("Unicode text", tab
separated), with commas or semicolons (countries that write decimals with a comma). The file is read as the
first of those it can be, and the officer may choose another on the mapping page.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from contacts import vcard
from liaison_crm.csv_export import FORMULA_TRIGGERS
from liaison_crm.text import unstorable_text_message

from .columns import COLUMNS, mapped_headings
from .models import ImportFormat, ImportJob

ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("windows-1252", "Windows (Western European)"),
    ("iso-8859-1", "Latin-1 (ISO 8859-1)"),
    ("utf-16", "UTF-16"),
]
DELIMITERS = [(",", _("comma")), (";", _("semicolon")), ("\t", _("tab")), ("|", _("bar"))]
CHUNK = 1024 * 1024


class FileProblem(Exception):
    """The file as a whole cannot be read; `line` says where, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def detect_encoding(file) -> str:
    """The encoding the whole file decodes in: a byte-order mark decides, then UTF-8, then Windows-1252."""
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "windows-1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := file.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            file.seek(0)
            continue
        file.seek(0)
        return encoding
    # Latin-1 decodes every byte: the last resort, and right for files from older Unix systems.
    return "iso-8859-1"


# A fold (a line break and a space) that cuts a UTF-8 character in two: vCard 3.0 folds lines by octets, and
# some writers count them without minding the characters. Where a line is folded does not change what it
# holds, so the character's first bytes can move past the fold; cut, they make the file undecodable as UTF-8
# and it was read in Windows-1252, every accent in it garbled.
_CHARACTER_CUT_BY_A_FOLD = re.compile(rb"([\xc2-\xf4][\x80-\xbf]{0,2})(\r?\n[ \t])(?=[\x80-\xbf])")


def vcard_with_whole_characters(upload):
    """The address book with no character cut by a fold: the upload itself, or a mended copy."""
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    mended = _CHARACTER_CUT_BY_A_FOLD.sub(rb"\2\1", content)
    return upload if mended == content else ContentFile(mended, name=upload.name)


def text_stream(file, encoding: str, errors: str = "strict") -> io.TextIOWrapper:
    file.seek(0)
    # utf-8-sig also reads UTF-8 without a mark; the mark would otherwise stick to the first heading.
    python_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    return io.TextIOWrapper(file, encoding=python_encoding, errors=errors, newline="")


def _named_separator(line: str) -> str | None:
    """The separator a `sep=;` first line names: Excel and LibreOffice read such a file with it."""
    # Only the line's end: the separator it names may be a tab.
    line = line.rstrip("\r\n")
    if len(line) == 5 and line[:4].lower() == "sep=" and line[4] in dict(DELIMITERS):
        return line[4]
    return None


def sniff_delimiter(sample: str) -> str:
    first_line = sample.split("\n", 1)[0]
    if named := _named_separator(first_line):
        return named
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        # One column, or too little to tell: the separator the heading row uses most.
        counts = {delimiter: first_line.count(delimiter) for delimiter in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def count_rows(file, *, encoding: str, delimiter: str) -> int:
    """The rows under the headings as the check reads them: a line break inside a quoted cell (an address,
    a note) starts no row, nor does a blank line; lines may end in CRLF, LF or the CR alone of Excel for
    Mac's "Macintosh CSV". Read as it streams, in the decoded text (in UTF-16 a CR or LF byte is also half
    of other letters: č, Ċ).
    """
    # Only a count: a wrong encoding chosen on the mapping page is reported when the rows are read, and so
    # is a quotation mark left open (the count stops there, and so will the check).
    stream = text_stream(file, encoding, errors="replace")
    _skip_separator_line(stream)
    rows = 0
    try:
        for cells in csv.reader(stream, delimiter=delimiter):
            if any(cell.strip() for cell in cells):
                rows += 1
    except csv.Error:
        pass
    finally:
        stream.detach()
        file.seek(0)
    # The first is the headings.
    return max(rows - 1, 0)


def csv_rows(file, *, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every row that is not blank, the heading row first.

    A row is numbered by the line it starts on: one whose cell holds line breaks ends lines further down,
    where the person looking for it would find the middle of an address or a note.
    """
    stream = text_stream(file, encoding)
    # The lines after a `sep=;` line keep their numbers in the file.
    skipped = ended = _skip_separator_line(stream)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        for cells in reader:
            starts, ended = ended + 1, skipped + reader.line_num
            if any(cell.strip() for cell in cells):
                _refuse_unstorable(cells, starts)
                yield starts, cells
    except UnicodeDecodeError as error:
        raise FileProblem(
            _("The file is not %(encoding)s text; choose another encoding.") % {"encoding": encoding},
            line=skipped + reader.line_num + 1,
        ) from error
    except csv.Error as error:
        message = str(error)
        if "field larger than field limit" in message:
            message = _("A cell is longer than %(kb)d KB: is a quotation mark missing?") % {
                "kb": csv.field_size_limit() // 1024
            }
        raise FileProblem(message, line=skipped + reader.line_num) from error
    finally:
        stream.detach()


def _skip_separator_line(stream) -> int:
    """Reads past a `sep=;` first line, which is not the headings: 1 if there was one, else 0."""
    try:
        if _named_separator(stream.readline()):
            return 1
    except UnicodeDecodeError:
        pass  # The rows' reader says on which line the file stops being text.
    stream.seek(0)
    return 0


def _unneutralised(cell: str) -> str:
    """The cell without the apostrophe our exports (liaison_crm.csv_export) put before `+44…` or `=…` so that
    spreadsheets read it as text: a file exported and imported again keeps its phone numbers and names."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_TRIGGERS):
        return cell[1:]
    return cell


def _refuse_unstorable(values, line: int) -> None:
    """A NUL character (or a lone surrogate) PostgreSQL cannot store, even inside JSON: the file is not text,
    or not in this encoding. The check only looks for NUL bytes in the file's first kilobytes."""
    for value in values:
        for text in value if isinstance(value, list | tuple) else [value]:
            if isinstance(text, str) and unstorable_text_message(text):
                raise FileProblem(
                    _("This line holds characters that are not text: is the file's encoding right?"),
                    line=line,
                )


def read_headers(file, *, encoding: str, delimiter: str) -> list[str]:
    """The headings: the first row that is not blank, under a `sep=;` line if there is one."""
    for _line, cells in csv_rows(file, encoding=encoding, delimiter=delimiter):
        return [cell.strip() for cell in cells]
    return []


def sample_text(file, encoding: str, size: int = 64 * 1024) -> str:
    stream = text_stream(file, encoding)
    try:
        return stream.read(size)
    except UnicodeDecodeError:
        return ""
    finally:
        stream.detach()


# A row's values may carry, under this key, why the row as a whole cannot be imported.
ROW_PROBLEM = "__row__"
# The values of an address book's card that is no one to import (a contact group, an organisation, a place)
# are this key alone: the check counts such cards, and says how many it left out.
LEFT_OUT = "__left_out__"


def job_rows(job: ImportJob) -> Iterator[tuple[int, dict[str, str]]]:
    """The job's rows as {field: text}, through its column mapping (a vCard's fields need none)."""
    with job.file.open("rb") as file:
        if job.format == ImportFormat.VCARD:
            stream = text_stream(file, job.encoding)
            try:
                for number, card in enumerate(vcard.parse(stream), start=1):
                    if not vcard.is_person(card):
                        # Still numbered: a card is named by its place in the file.
                        yield card.line, {LEFT_OUT: "yes"}
                        continue
                    line, values = card.line, vcard.card_to_row(card)
                    _refuse_unstorable(values.values(), line)
                    if not values["name"]:
                        # An address book shows no line numbers: the card is named by its place in the file.
                        values[ROW_PROBLEM] = _(
                            "Card %(number)d has no name and no email address: it has no full name (FN), "
                            "structured name (N) or EMAIL."
                        ) % {"number": number}
                    yield line, values
            except vcard.VCardError as error:
                raise FileProblem(error.message, line=error.line) from error
            finally:
                stream.detach()
            return
        rows = csv_rows(file, encoding=job.encoding, delimiter=job.delimiter)
        try:
            next(rows)  # the heading row
        except StopIteration:
            return
        positions, joined = {}, {}
        joiners = {column.name: column.joiner for column in COLUMNS[job.kind]}
        for name, value in job.mapping.items():
            indexes = [
                job.headers.index(heading) for heading in mapped_headings(value) if heading in job.headers
            ]
            if len(indexes) == 1:
                positions[name] = indexes[0]
            elif indexes:
                joined[name] = (joiners[name], sorted(indexes))
        width = len(job.headers)
        for line, cells in rows:
            cells = [_unneutralised(cell) for cell in cells]
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                # Values past the last heading usually mean an unquoted comma shifted the row.
                yield (
                    line,
                    {
                        ROW_PROBLEM: _("This row has %(cells)d cells but the file has %(headings)d headings.")
                        % {"cells": len(cells), "headings": width}
                    },
                )
                continue
            values = {name: cells[index] if index < len(cells) else "" for name, index in positions.items()}
            for name, (joiner, indexes) in joined.items():
                # The file's columns in their order, the empty ones left out; the cleaner drops repeats.
                values[name] = joiner.join(
                    cells[index].strip() for index in indexes if index < len(cells) and cells[index].strip()
                )
            yield line, values
