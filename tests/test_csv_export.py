"""The one CSV writer: cells a spreadsheet would run as formulas are neutralised."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from liaison_crm.csv_export import Column, csv_lines, neutralise


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Margaret Okafor", "Margaret Okafor"),
        (-2, -2),
        (None, ""),
        (True, "yes"),
        (["=a", "b"], "'=a; b"),
        (dt.date(2024, 3, 5), "2024-03-05"),
    ],
)
def test_cells_are_neutralised(value, written):
    assert neutralise(value) == written


def test_a_moment_is_written_as_the_readers_date_and_time_that_spreadsheets_read_as_one():
    with timezone.override("Europe/Paris"):
        assert neutralise(dt.datetime(2024, 3, 5, 12, 30, 15, 999, tzinfo=dt.UTC)) == "2024-03-05 13:30:15"


def test_the_file_starts_with_a_byte_order_mark_and_reads_back():
    rows = [{"name": "=1+1", "n": 3}]
    text = "".join(csv_lines([Column("Name", lambda r: r["name"]), Column("N", lambda r: r["n"])], rows))
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [["Name", "N"], ["'=1+1", "3"]]
