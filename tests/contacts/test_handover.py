"""Handing an officer's portfolio to a colleague: their stakeholders and the open work on them move, nothing
else does, the history credits the manager, and the new owner is told once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment
from contacts.models import PortfolioHandover, Stakeholder
from contacts.services import portfolio_handover
from interactions.models import Interaction
from meetings.models import ActionItem, Attendee, Meeting
from outbox.models import OutboundMessage

from ..conftest import login
from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def owners(*records):
    """Each record's owner as the database has it now (an action item's: the member of staff owning it)."""
    return [
        type(record)
        .objects.values_list("owner_user" if isinstance(record, ActionItem) else "owner", flat=True)
        .get(pk=record.pk)
        for record in records
    ]


def open_action(meeting, owner, **fields):
    return ActionItem.objects.create(
        meeting=meeting, description="Send the timetable", owner_user=owner, created_by=owner, **fields
    )


@pytest.fixture
def portfolio(officer, colleague, other_officer):
    """The officer's portfolio with work of every kind on it, open and closed, and others' records near it."""
    now = timezone.now()
    active = StakeholderFactory(owner=officer, name="Margaret Okafor")
    archived = StakeholderFactory(owner=officer, name="Tomás Ruiz", is_archived=True, archived_at=now)
    theirs = StakeholderFactory(owner=colleague, name="Ana Costa")
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=active)
    internal = MeetingFactory(organiser=officer)  # no stakeholder of the portfolio was invited
    Attendee.objects.create(meeting=internal, stakeholder=theirs)
    return {
        "active": active,
        "archived": archived,
        "theirs": theirs,
        "meeting": meeting,
        "moves": [
            CommitmentFactory(stakeholder=active, owner=officer),
            CommitmentFactory(stakeholder=archived, owner=officer),
            ConcernFactory(stakeholder=active, owner=officer),
            ConcernFactory(stakeholder=archived, owner=officer, status="in_progress"),
            open_action(meeting, officer),
            open_action(meeting, officer, status="in_progress"),
        ],
        "stays": {
            "the fulfilled commitment": CommitmentFactory(
                stakeholder=active, owner=officer, status="fulfilled", fulfilled_at=now
            ),
            "a colleague's commitment on the officer's stakeholder": CommitmentFactory(
                stakeholder=active, owner=colleague
            ),
            "the officer's commitment on a colleague's stakeholder": CommitmentFactory(
                stakeholder=theirs, owner=officer
            ),
            "the resolved concern": ConcernFactory(
                stakeholder=active, owner=officer, status="resolved", resolution="Moved", resolved_at=now
            ),
            "the officer's concern on a colleague's stakeholder": ConcernFactory(
                stakeholder=theirs, owner=officer
            ),
            "the done action": open_action(meeting, officer, status="done", completed_at=now),
            "a colleague's action": open_action(meeting, colleague),
            "the action from a meeting without the portfolio's people": open_action(internal, officer),
        },
    }


def test_a_handover_moves_the_officers_stakeholders_and_their_open_work_and_nothing_else(
    officer, colleague, manager, other_officer, portfolio
):
    outsider = StakeholderFactory(owner=other_officer)
    logged = InteractionFactory(
        logged_by=officer, stakeholders=[portfolio["active"]], follow_up_on="2030-01-01"
    )
    stays = portfolio["stays"]
    owners_before = dict(zip(stays, owners(*stays.values()), strict=True))

    handover = portfolio_handover(
        actor=manager, from_officer=officer, to_officer=colleague, note="Call Ana first"
    )

    assert owners(portfolio["active"], portfolio["archived"]) == [colleague.pk, colleague.pk]
    assert owners(portfolio["theirs"], outsider) == [colleague.pk, other_officer.pk]
    assert owners(*portfolio["moves"]) == [colleague.pk] * 6
    assert dict(zip(stays, owners(*stays.values()), strict=True)) == owners_before
    # Who organised a meeting and who logged an interaction are facts; the follow-up stays on its interaction.
    assert Meeting.objects.get(pk=portfolio["meeting"].pk).organiser == officer
    assert Interaction.objects.get(pk=logged.pk).logged_by == officer
    assert handover.counts == {"stakeholders": 2, "commitments": 2, "concerns": 2, "actions": 2}
    assert (handover.from_officer, handover.to_officer, handover.handed_over_by) == (
        officer,
        colleague,
        manager,
    )
    assert handover.note == "Call Ana first" and handover.organisation is None
    assert PortfolioHandover.objects.get() == handover


def test_moved_records_count_as_changed_for_incremental_sync(officer, colleague, manager, portfolio):
    before = timezone.now()
    portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague)
    assert Stakeholder.objects.get(pk=portfolio["archived"].pk).updated_at >= before
    commitment = portfolio["moves"][0]
    assert Commitment.objects.get(pk=commitment.pk).updated_at >= before


def test_with_an_organisation_only_the_people_working_there_now_move(officer, colleague, manager):
    harbour, elsewhere = OrganisationFactory(name="Harbour Board"), OrganisationFactory(name="Rail Trust")
    pilots = OrganisationFactory(name="Pilotage", parent=harbour)
    there = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=there, organisation=harbour)
    in_department = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=in_department, organisation=pilots)
    archived_there = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    AffiliationFactory(stakeholder=archived_there, organisation=harbour)
    left_there = StakeholderFactory(owner=officer)
    AffiliationFactory(
        stakeholder=left_there, organisation=harbour, end_date="2020-01-01", start_date="2019-01-01"
    )
    other_organisation = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=other_organisation, organisation=elsewhere)
    stays_with_them = CommitmentFactory(stakeholder=other_organisation, owner=officer)
    moves = CommitmentFactory(stakeholder=there, owner=officer)

    handover = portfolio_handover(
        actor=manager, from_officer=officer, to_officer=colleague, organisation=harbour
    )

    assert owners(there, in_department, archived_there) == [colleague.pk] * 3
    assert owners(left_there, other_organisation) == [officer.pk, officer.pk]
    assert owners(moves, stays_with_them) == [colleague.pk, officer.pk]
    assert handover.counts["stakeholders"] == 3 and handover.organisation == harbour


def test_a_moved_stakeholders_history_shows_the_owner_change_by_the_manager(
    client, officer, colleague, manager, portfolio
):
    portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague)
    stakeholder = portfolio["active"]
    url = reverse("history:stakeholder", args=[stakeholder.pk])
    response = login(client, colleague).get(url, headers={"HX-Request": "true"})
    newest = response.context["history"].entries[0]
    assert (newest.label, newest.actor) == ("update", manager)
    html = response.content.decode()
    assert "Owner" in html and str(officer) in html and str(colleague) in html
    commitment = portfolio["moves"][0]
    url = reverse("history:commitment", args=[commitment.pk])
    newest = client.get(url, headers={"HX-Request": "true"}).context["history"].entries[0]
    assert (newest.label, newest.actor) == ("update", manager)


# --- who may, and what is refused ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "colleague", "other_officer", "other_manager"])
def test_only_a_manager_of_both_officers_hands_over(request, officer, colleague, portfolio, who):
    with pytest.raises(PermissionDenied):
        portfolio_handover(actor=request.getfixturevalue(who), from_officer=officer, to_officer=colleague)
    assert owners(portfolio["active"]) == [officer.pk]
    assert not PortfolioHandover.objects.exists() and not OutboundMessage.objects.exists()


def test_a_manager_cannot_hand_their_teams_portfolio_to_another_team(
    officer, other_officer, manager, portfolio
):
    with pytest.raises(PermissionDenied):
        portfolio_handover(actor=manager, from_officer=officer, to_officer=other_officer)


def test_an_administrator_hands_over_between_any_teams(officer, other_officer, admin_user, portfolio):
    handover = portfolio_handover(actor=admin_user, from_officer=officer, to_officer=other_officer)
    assert handover.counts["stakeholders"] == 2 and owners(portfolio["active"]) == [other_officer.pk]


def test_the_portfolio_of_an_officer_who_has_left_can_be_handed_over(officer, colleague, manager, portfolio):
    officer.is_active = False
    officer.save()
    handover = portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague)
    assert handover.counts["stakeholders"] == 2


def _refused(**kwargs):
    with pytest.raises(ValidationError) as refusal:
        portfolio_handover(**kwargs)
    assert not PortfolioHandover.objects.exists() and not OutboundMessage.objects.exists()
    return refusal.value


def test_a_receiver_who_has_left_is_refused_with_a_reason(officer, colleague, manager, portfolio):
    colleague.is_active = False
    colleague.save()
    refusal = _refused(actor=manager, from_officer=officer, to_officer=colleague)
    assert "cannot take on a portfolio" in refusal.message_dict["to_officer"][0]
    assert owners(portfolio["active"], *portfolio["moves"]) == [officer.pk] * 7


def test_a_service_account_cannot_receive_a_portfolio(officer, manager, team, portfolio):
    tool = UserFactory(team=team, is_service_account=True)
    assert "to_officer" in _refused(actor=manager, from_officer=officer, to_officer=tool).message_dict


def test_handing_over_to_the_same_officer_is_refused(officer, manager, portfolio):
    refusal = _refused(actor=manager, from_officer=officer, to_officer=officer)
    assert "Choose another officer" in refusal.message_dict["to_officer"][0]


def test_an_empty_portfolio_is_refused(officer, colleague, manager, team, portfolio):
    newcomer = UserFactory(team=team)
    refusal = _refused(actor=manager, from_officer=newcomer, to_officer=officer)
    assert refusal.messages == [f"{newcomer} has no stakeholders to hand over."]
    elsewhere = OrganisationFactory()
    refusal = _refused(actor=manager, from_officer=officer, to_officer=colleague, organisation=elsewhere)
    assert refusal.messages == [f"{officer} has no stakeholders to hand over there."]
    assert owners(portfolio["active"]) == [officer.pk]


# --- the email to the new owner -------------------------------------------------------------------------


def test_the_new_owner_is_told_once_what_they_now_hold(officer, colleague, manager, portfolio, settings):
    settings.SITE_URL = "https://crm.example.org"
    handover = portfolio_handover(
        actor=manager, from_officer=officer, to_officer=colleague, note="Margaret expects a call on Monday."
    )
    message = OutboundMessage.objects.get()
    assert message.key == f"portfolio-handover:{handover.pk}:{colleague.email}"
    assert (message.kind, message.to, message.recipient_user) == (
        "portfolio_handover",
        colleague.email,
        colleague,
    )
    assert message.subject == f"{officer}'s portfolio handed over to you: 2 stakeholders"
    list_url = f"https://crm.example.org/stakeholders/?owner={colleague.pk}"
    for body in (message.body, message.html_body):
        assert "2 stakeholders" in body.replace("<strong>", "").replace("</strong>", "")
        assert "Margaret expects a call on Monday." in body
        assert list_url in body
        assert str(manager) in body
    assert "2 open commitments" in message.body and "2 unresolved concerns" in message.body
    assert "2 open actions" in message.body and "each stakeholder's page" in message.body
    assert message.html_body.startswith("<!doctype html>")


def test_the_new_owners_email_escapes_the_note(officer, colleague, manager, portfolio):
    portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague, note="<b>urgent</b> & soon")
    message = OutboundMessage.objects.get()
    assert "<b>urgent</b> & soon" in message.body
    assert "&lt;b&gt;urgent&lt;/b&gt; &amp; soon" in message.html_body
