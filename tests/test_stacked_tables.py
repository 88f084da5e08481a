"""On a phone a list's rows stack into cards and its column headings are hidden, so each cell carries its
column's heading (`data-label`, shown by the style sheet): "Chased by: Ana" rather than a bare "Ana"."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from .conftest import login
from .factories import (
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class ListTables(HTMLParser):
    """The stacking tables of a page (class `table`, not a `matrix` of figures): each one's column headings
    and, row by row, each cell's `data-label` (None where it has none) and text."""

    def __init__(self):
        super().__init__()
        self.tables = []
        self._table = None
        self._cell = None
        self._in_thead = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "table" and "table" in classes and "matrix" not in classes:
            self._table = {"headings": [], "rows": []}
            self.tables.append(self._table)
        elif self._table is None:
            return
        elif tag == "thead":
            self._in_thead = True
        elif tag == "tr" and not self._in_thead:
            self._table["rows"].append([])
        elif tag == "th" and self._in_thead:
            self._cell = {"text": "", "for_screen_readers_only": False}
            self._table["headings"].append(self._cell)
        elif "visually-hidden" in classes and self._in_thead and self._cell is not None:
            self._cell["for_screen_readers_only"] = True
        elif tag == "td":
            self._cell = {"label": attrs.get("data-label"), "text": ""}
            self._table["rows"][-1].append(self._cell)

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "thead":
            self._in_thead = False
        elif tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def list_tables(response):
    assert response.status_code == 200
    parser = ListTables()
    parser.feed(response.content.decode())
    assert parser.tables, "the page shows no list"
    return parser.tables


def labels_by_text(response) -> dict[str, str]:
    """Each labelled cell's text, stripped, mapped to its label."""
    return {
        " ".join(cell["text"].split()): cell["label"]
        for table in list_tables(response)
        for row in table["rows"]
        for cell in row
        if cell["label"]
    }


def assert_every_cell_labelled_with_its_heading(response):
    for table in list_tables(response):
        for row in table["rows"]:
            for heading, cell in zip(table["headings"], row, strict=True):
                # A column of buttons, its heading only for screen readers, needs no label on a card.
                if heading["for_screen_readers_only"] or not heading["text"].strip():
                    continue
                assert cell["label"] == " ".join(heading["text"].split())


@pytest.fixture
def chaser(team):
    return UserFactory(username="ana", first_name="Ana", last_name="Chaser", team=team)


def test_stakeholder_list_cells_carry_their_column_headings(client, officer, chaser):
    StakeholderFactory(owner=chaser)
    response = login(client, officer).get(reverse("contacts:stakeholder_list"))

    assert_every_cell_labelled_with_its_heading(response)
    assert labels_by_text(response)[str(chaser)] == "Owner"


def test_commitment_list_says_who_chases_each(client, officer, chaser):
    CommitmentFactory(stakeholder=StakeholderFactory(owner=chaser))
    response = login(client, officer).get(reverse("commitments:list"))

    assert_every_cell_labelled_with_its_heading(response)
    assert labels_by_text(response)[str(chaser)] == "Chased by"


def test_concern_list_says_who_handles_each(client, officer, chaser):
    ConcernFactory(stakeholder=StakeholderFactory(owner=chaser))
    response = login(client, officer).get(reverse("concerns:list"))

    assert_every_cell_labelled_with_its_heading(response)
    assert labels_by_text(response)[str(chaser)] == "Handled by"


def test_follow_up_list_of_a_colleague_says_who_chases_each(client, officer, chaser):
    InteractionFactory(
        logged_by=chaser,
        follow_up_on=timezone.localdate() + dt.timedelta(days=3),
        follow_up_note="Send the minutes",
        stakeholders=[StakeholderFactory(owner=chaser)],
    )
    response = login(client, officer).get(reverse("interactions:follow_ups"), {"owner": chaser.pk})

    assert_every_cell_labelled_with_its_heading(response)
    assert labels_by_text(response)[str(chaser)] == "Chased by"


def test_meeting_list_cells_carry_their_column_headings(client, officer, chaser):
    MeetingFactory(organiser=chaser)
    response = login(client, officer).get(reverse("meetings:list"))

    assert_every_cell_labelled_with_its_heading(response)
    assert labels_by_text(response)[str(chaser)] == "Organiser"


def test_follow_up_row_redrawn_after_marking_it_done_keeps_its_labels(client, officer):
    """The row htmx swaps in on its own must carry the labels too, or a phone's card loses them on a click."""
    item = InteractionFactory(logged_by=officer, follow_up_on=timezone.localdate())
    response = login(client, officer).post(
        reverse("interactions:follow_up_toggle", args=[item.pk]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert 'data-label="Due"' in response.content.decode()
