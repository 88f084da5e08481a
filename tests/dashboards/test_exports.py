"""CSV exports: every list with its filters, its visibility, and cells a spreadsheet cannot run."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from commitments.models import CommitmentStatus
from concerns.models import ConcernStatus
from meetings.models import ActionItem

from ..factories import (
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
)
from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def export(client, name, **params):
    return rows(client.get(reverse("dashboards:export", args=[name]), params))


def test_the_stakeholder_export_keeps_the_lists_filters(officer_client, officer, colleague):
    StakeholderFactory(owner=officer, name="Amina Diallo")
    StakeholderFactory(owner=colleague, name="Bruno Costa")
    StakeholderFactory(owner=officer, name="Archived Person", is_archived=True, archived_at=NOW)

    table = export(officer_client, "stakeholders", owner=officer.pk)

    assert table[0][:2] == ["ID", "Name"]
    assert [row[1] for row in table[1:]] == ["Amina Diallo"]


def test_cells_that_would_be_formulas_are_neutralised(officer_client, officer):
    StakeholderFactory(owner=officer, name='=HYPERLINK("http://evil.example")', phones=["+44 20 7946 0000"])
    StakeholderFactory(owner=officer, name="@SUM(A1:A2)")
    StakeholderFactory(owner=officer, name="-2+3")

    table = export(officer_client, "stakeholders")

    names = sorted(row[1] for row in table[1:])
    assert names == ["'-2+3", '\'=HYPERLINK("http://evil.example")', "'@SUM(A1:A2)"]
    assert "'+44 20 7946 0000" in [row[6] for row in table[1:]]


def test_the_interaction_export_leaves_out_what_the_reader_may_not_see(
    officer_client, officer, other_officer
):
    InteractionFactory(logged_by=officer, summary="Mine")
    InteractionFactory(logged_by=other_officer, summary="Theirs, open")
    InteractionFactory(logged_by=other_officer, summary="Theirs, confidential", is_confidential=True)

    summaries = [row[6] for row in export(officer_client, "interactions")[1:]]

    assert sorted(summaries) == ["Mine", "Theirs, open"]
    assert [row[6] for row in export(officer_client, "interactions", logged_by=officer.pk)[1:]] == ["Mine"]


def test_the_organisation_export_filters_by_kind(officer_client):
    OrganisationFactory(name="Harbour Authority", kind="government_agency")
    OrganisationFactory(name="Local Radio", kind="media")
    assert [row[1] for row in export(officer_client, "organisations", kind="media")[1:]] == ["Local Radio"]


def test_the_commitment_and_concern_exports_default_to_the_lists_default(officer_client, officer):
    CommitmentFactory(description="Still open")
    CommitmentFactory(description="Kept", status=CommitmentStatus.FULFILLED, fulfilled_at=NOW)
    ConcernFactory(title="Unresolved")
    ConcernFactory(title="Settled", status=ConcernStatus.RESOLVED, resolution="Agreed", resolved_at=NOW)

    assert [row[1] for row in export(officer_client, "commitments")[1:]] == ["Still open"]
    assert sorted(row[1] for row in export(officer_client, "commitments", status="")[1:]) == [
        "Kept",
        "Still open",
    ]
    assert [row[1] for row in export(officer_client, "concerns")[1:]] == ["Unresolved"]


def test_the_meeting_and_action_exports(officer_client, officer, colleague):
    MeetingFactory(organiser=officer, title="Mine, upcoming")
    MeetingFactory(organiser=colleague, title="Colleague's, upcoming")
    assert sorted(row[1] for row in export(officer_client, "meetings")[1:]) == [
        "Colleague's, upcoming",
        "Mine, upcoming",
    ]
    assert [row[1] for row in export(officer_client, "meetings", mine="1")[1:]] == ["Mine, upcoming"]
    assert export(officer_client, "actions")[1:] == []


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"when": ""},
        {"when": "past"},
        {"mine": "on"},
        {"mine": "1"},
        {"q": "harbour"},
        {"q": "ama owsu"},
        {"q": "harbour", "when": "past", "mine": "on"},
        {"when": "someday"},
    ],
    ids=[
        "none",
        "upcoming",
        "past",
        "mine",
        "mine as linked before",
        "words",
        "guest",
        "all three",
        "unknown",
    ],
)
def test_the_meeting_export_is_the_list_as_filtered(officer_client, officer, colleague, filters):
    ama = StakeholderFactory(name="Ama Owusu")
    for title, organiser, days in (
        ("Harbour walk", officer, 2),
        ("Harbour survey", colleague, 3),
        ("Budget review", colleague, 1),
        ("Harbour debrief", officer, -2),
        ("Budget outturn", colleague, -1),
    ):
        meeting = MeetingFactory(title=title, organiser=organiser, starts_at=NOW + dt.timedelta(days=days))
        if title.startswith("Budget"):
            meeting.attendees.create(stakeholder=ama)

    listed = officer_client.get(reverse("meetings:list"), filters).context["page"]
    exported = [row[1] for row in export(officer_client, "meetings", **filters)[1:]]

    assert exported == [meeting.title for meeting in listed]
    # Each list matches something, except for a filter that cannot be read: the page says why.
    assert exported or filters == {"when": "someday"}


def test_the_meeting_export_names_the_stakeholders_and_staff_invited(officer_client, officer, colleague):
    meeting = MeetingFactory(title="Harbour walk", organiser=officer)
    for name in ("Ama Owusu", "Ben Aldous"):
        meeting.attendees.create(stakeholder=StakeholderFactory(name=name))
    meeting.attendees.create(user=colleague)

    (row,) = export(officer_client, "meetings")[1:]

    assert row[-2:] == ["Ama Owusu; Ben Aldous", str(colleague)]


def test_the_action_export_says_when_each_was_completed_or_cancelled_and_runs_no_formula(
    officer_client, officer
):
    meeting = MeetingFactory(organiser=officer)
    ActionItem.objects.create(
        meeting=meeting, description="=cmd|' /C calc'!A0", owner_user=officer, created_by=officer
    )

    table = export(officer_client, "actions")

    assert table[0][-3:] == ["Status", "Completed", "Cancelled"]
    assert [row[1] for row in table[1:]] == ["'=cmd|' /C calc'!A0"]


def test_the_action_export_says_who_chases_each(officer_client, officer, colleague):
    meeting = MeetingFactory(organiser=officer)
    guest = StakeholderFactory(owner=officer, name="Ama Owusu")
    ActionItem.objects.create(meeting=meeting, description="Mine", owner_user=officer, created_by=officer)
    ActionItem.objects.create(
        meeting=meeting, description="Hers", owner_stakeholder=guest, chaser=officer, created_by=officer
    )
    table = export(officer_client, "actions")
    columns = table[0].index("Owner"), table[0].index("Chased by")
    rows = {row[1]: [row[column] for column in columns] for row in table[1:]}
    assert rows == {"Mine": [str(officer), str(officer)], "Hers": ["Ama Owusu", str(officer)]}


def test_the_action_export_keeps_the_lists_filters(officer_client, officer, colleague):
    meeting = MeetingFactory(organiser=officer)
    yesterday = TODAY - dt.timedelta(days=1)
    for description, status, done, due in (
        ("Send the minutes", "open", None, None),
        ("Book the hall", "in_progress", None, yesterday),
        ("Draft the letter", "done", NOW, yesterday),
    ):
        ActionItem.objects.create(
            meeting=meeting, description=description, owner_user=officer, created_by=officer, status=status,
            completed_at=done, due_on=due,
        )  # fmt: skip
    ActionItem.objects.create(
        meeting=meeting, description="Theirs", owner_user=colleague, created_by=officer, status="done",
        completed_at=NOW,
    )  # fmt: skip

    def exported(**params):
        return sorted(row[1] for row in export(officer_client, "actions", **params)[1:])

    assert exported() == ["Book the hall", "Send the minutes"]
    assert exported(status="done") == ["Draft the letter"]
    assert exported(status="") == ["Book the hall", "Draft the letter", "Send the minutes"]
    assert exported(status="", overdue="true") == ["Book the hall"]
    assert exported(status="", q="letter") == ["Draft the letter"]
    assert exported(status="lost") == []


def test_every_list_offers_its_export(officer_client):
    for url_name, export_name in [
        ("contacts:stakeholder_list", "stakeholders"),
        ("contacts:organisation_list", "organisations"),
        ("meetings:list", "meetings"),
        ("meetings:my_actions", "actions"),
        ("commitments:list", "commitments"),
        ("concerns:list", "concerns"),
        ("interactions:follow_ups", "follow_ups"),
    ]:
        page = officer_client.get(reverse(url_name)).content.decode()
        assert reverse("dashboards:export", args=[export_name]) in page, url_name


def test_an_unknown_export_is_not_found(officer_client):
    assert officer_client.get("/exports/passwords.csv").status_code == 404
