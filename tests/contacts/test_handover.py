"""Handing an officer's portfolio to a colleague: their stakeholders and the open work they hold move (all of
it for a whole portfolio, that on the people moving for one organisation's), nothing else does, the history
credits the manager, and the new owner is told once."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment
from contacts.models import PortfolioHandover, Stakeholder
from contacts.queries import open_work
from contacts.services import portfolio_handover
from interactions.models import Interaction
from meetings.models import ActionItem, Attendee, Meeting
from meetings.services import meeting_cancel
from outbox.models import OutboundMessage

from ..api.conftest import client_with_token, token_for
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

HANDOVER_URL = reverse("contacts:stakeholder_handover")
API_URL = reverse("api:stakeholder-handover")


OWNER_FIELDS = {Interaction: "follow_up_owner"}

# What the `portfolio` fixture's handover moves: its two stakeholders, the open work on them and elsewhere.
WHOLE_PORTFOLIO = {
    "stakeholders": 2,
    "commitments": 3,
    "concerns": 3,
    "actions": 3,
    "chased_actions": 2,
    "follow_ups": 4,
}


def owners(*records):
    """Each record's owner as the database has it now (an action item's: whoever chases it, its owner on
    the staff or the colleague chasing the stakeholder who owes it; an interaction's: whoever chases its
    follow-up)."""
    return [
        ActionItem.objects.with_chaser().values_list("chasing_officer", flat=True).get(pk=record.pk)
        if isinstance(record, ActionItem)
        else type(record)
        .objects.values_list(OWNER_FIELDS.get(type(record), "owner"), flat=True)
        .get(pk=record.pk)
        for record in records
    ]


def follow_up(logged_by, stakeholders, **fields):
    return InteractionFactory(
        logged_by=logged_by, stakeholders=stakeholders, follow_up_on="2030-01-01", **fields
    )


def open_action(meeting, owner, **fields):
    return ActionItem.objects.create(
        meeting=meeting, description="Send the timetable", owner_user=owner, created_by=owner, **fields
    )


def chased_action(meeting, stakeholder, chaser, **fields):
    """An action `stakeholder` owes, chased by `chaser` (the organiser, unless it was handed on)."""
    return ActionItem.objects.create(
        meeting=meeting,
        description="Send us the survey",
        owner_stakeholder=stakeholder,
        chaser=chaser,
        created_by=meeting.organiser,
        **fields,
    )


@pytest.fixture
def portfolio(officer, colleague, other_officer):
    """The officer's portfolio with work of every kind on it, open and closed, the officer's open work on a
    colleague's stakeholder, and others' records near it."""
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
            follow_up(officer, [active]),
            # A colleague logged it and asked the officer to follow it up; one of its people moves.
            follow_up(colleague, [archived, theirs], follow_up_owner=officer),
            # Margaret owes it, from the officer's meeting.
            chased_action(meeting, active, officer),
        ],
        # What the officer chases on a colleague's stakeholder, or on no stakeholder at all.
        "elsewhere": [
            CommitmentFactory(stakeholder=theirs, owner=officer),
            ConcernFactory(stakeholder=theirs, owner=officer),
            open_action(internal, officer),
            follow_up(officer, [theirs]),
            # Another team's officer logged it in confidence, with their own stakeholder.
            follow_up(
                other_officer,
                [StakeholderFactory(owner=other_officer)],
                follow_up_owner=officer,
                is_confidential=True,
            ),
            # A colleague's stakeholder owes it, from a meeting the officer organised.
            chased_action(internal, theirs, officer),
        ],
        "stays": {
            "the fulfilled commitment": CommitmentFactory(
                stakeholder=active, owner=officer, status="fulfilled", fulfilled_at=now
            ),
            "a colleague's commitment on the officer's stakeholder": CommitmentFactory(
                stakeholder=active, owner=colleague
            ),
            "the resolved concern": ConcernFactory(
                stakeholder=active, owner=officer, status="resolved", resolution="Moved", resolved_at=now
            ),
            "the done action": open_action(meeting, officer, status="done", completed_at=now),
            "a colleague's action": open_action(meeting, colleague),
            "the done follow-up": follow_up(officer, [active], follow_up_done_at=now),
            "the follow-up the officer asked a colleague to do": follow_up(
                officer, [active], follow_up_owner=other_officer
            ),
            "the stakeholder's done action": chased_action(
                meeting, active, officer, status="done", completed_at=now
            ),
            "the stakeholder's action handed to a colleague to chase": chased_action(
                meeting, active, colleague
            ),
        },
    }


def test_a_handover_moves_the_officers_stakeholders_and_all_their_open_work_and_nothing_else(
    officer, colleague, manager, other_officer, portfolio
):
    outsider = StakeholderFactory(owner=other_officer)
    logged = portfolio["moves"][6]
    stays = portfolio["stays"]
    owners_before = dict(zip(stays, owners(*stays.values()), strict=True))

    handover = portfolio_handover(
        actor=manager, from_officer=officer, to_officer=colleague, note="Call Ana first"
    )

    assert owners(portfolio["active"], portfolio["archived"]) == [colleague.pk, colleague.pk]
    assert owners(portfolio["theirs"], outsider) == [colleague.pk, other_officer.pk]
    assert owners(*portfolio["moves"]) == [colleague.pk] * 9
    assert owners(*portfolio["elsewhere"]) == [colleague.pk] * 6
    assert dict(zip(stays, owners(*stays.values()), strict=True)) == owners_before
    # Who organised a meeting and who logged an interaction are facts; whoever chases its follow-up is not.
    assert Meeting.objects.get(pk=portfolio["meeting"].pk).organiser == officer
    assert Interaction.objects.get(pk=logged.pk).logged_by == officer
    assert handover.counts == WHOLE_PORTFOLIO
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
    commitment, interaction = portfolio["moves"][0], portfolio["moves"][6]
    assert Commitment.objects.get(pk=commitment.pk).updated_at >= before
    assert Interaction.objects.get(pk=interaction.pk).updated_at >= before


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


def test_with_an_organisation_the_officers_work_elsewhere_stays_with_them(
    officer, colleague, manager, portfolio
):
    harbour = OrganisationFactory()
    AffiliationFactory(stakeholder=portfolio["active"], organisation=harbour)

    handover = portfolio_handover(
        actor=manager, from_officer=officer, to_officer=colleague, organisation=harbour
    )

    assert owners(portfolio["active"], portfolio["archived"]) == [colleague.pk, officer.pk]
    assert owners(*portfolio["elsewhere"]) == [officer.pk] * 6
    # The work on Margaret moves: a commitment, a concern, the meeting's two actions, the one she owes, her
    # follow-up.
    assert handover.counts == {
        "stakeholders": 1,
        "commitments": 1,
        "concerns": 1,
        "actions": 2,
        "chased_actions": 1,
        "follow_ups": 1,
    }


def test_with_an_organisation_an_action_from_a_meeting_its_people_missed_stays(officer, colleague, manager):
    harbour = OrganisationFactory(name="Harbour Board")
    there = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=there, organisation=harbour)
    met, missed = MeetingFactory(organiser=officer), MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=met, stakeholder=there, attended=True)
    Attendee.objects.create(meeting=missed, stakeholder=there, attended=False)
    moves, stays = open_action(met, officer), open_action(missed, officer)

    handover = portfolio_handover(
        actor=manager, from_officer=officer, to_officer=colleague, organisation=harbour
    )

    assert owners(moves, stays) == [colleague.pk, officer.pk]
    assert handover.counts["actions"] == 1


@pytest.mark.parametrize("at_the_organisation", [True, False], ids=["organisation", "whole portfolio"])
def test_actions_a_cancelled_meeting_left_open_move_with_the_rest_as_the_preview_and_the_api_say(
    client, manager_api, officer, colleague, manager, at_the_organisation
):
    """Whoever cancelled the meeting chose to keep them open: no longer chased as overdue, they still wait
    on someone's list to be closed or handed on, and leaving them with an officer who goes leaves them with
    nobody."""
    harbour = OrganisationFactory(name="Harbour Board")
    there = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=there, organisation=harbour)
    going_ahead, called_off = MeetingFactory(organiser=officer), MeetingFactory(organiser=officer)
    for meeting in (going_ahead, called_off):
        Attendee.objects.create(meeting=meeting, stakeholder=there)
    actions = [
        *(open_action(meeting, officer) for meeting in (going_ahead, called_off)),
        *(chased_action(meeting, there, officer) for meeting in (going_ahead, called_off)),
    ]
    meeting_cancel(meeting=called_off, actor=officer, close_open_actions=False)
    choice = {"from_officer": officer.pk, "to_officer": colleague.pk}
    if at_the_organisation:
        choice["organisation"] = harbour.pk

    login(client, manager)
    preview = client.get(HANDOVER_URL, choice).context["preview"]
    response = manager_api.post(API_URL, choice, format="json")

    assert (preview.counts["actions"], preview.counts["chased_actions"]) == (2, 2)
    assert response.status_code == 200, response.content
    assert (response.json()["counts"]["actions"], response.json()["counts"]["chased_actions"]) == (2, 2)
    assert owners(*actions) == [colleague.pk] * 4


@pytest.mark.parametrize("kind", ["actions", "chased_actions"])
def test_a_leaver_whose_only_work_is_an_action_a_cancelled_meeting_left_open_is_still_found_by_it(
    client, kind, colleague, manager, team
):
    """They are offered in My actions' "Chased by" picker, which lists those actions, until a handover moves
    them."""
    leaver = UserFactory(team=team, is_active=False, first_name="Kofi", last_name="Mensah")
    action = OPEN_WORK_OF_KIND[kind](leaver)
    meeting_cancel(meeting=action.meeting, actor=action.meeting.organiser, close_open_actions=False)
    login(client, manager)

    picker = client.get(reverse("meetings:my_actions")).context["filter"].form.fields["owner"]
    assert leaver in picker.queryset

    handover = portfolio_handover(actor=manager, from_officer=leaver, to_officer=colleague)

    assert handover.counts[kind] == 1 and owners(action) == [colleague.pk]
    assert not get_user_model().objects.active_or_holding_work().filter(pk=leaver.pk).exists()


def test_an_officer_who_leaves_holding_no_stakeholders_hands_over_their_open_work(
    officer, colleague, manager, team
):
    leaver = UserFactory(team=team, is_active=False)
    theirs = StakeholderFactory(owner=officer)
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=theirs)
    work = [
        CommitmentFactory(stakeholder=theirs, owner=leaver),
        ConcernFactory(stakeholder=theirs, owner=leaver),
        open_action(meeting, leaver),
        chased_action(meeting, theirs, leaver),
        follow_up(officer, [theirs], follow_up_owner=leaver),
    ]

    handover = portfolio_handover(actor=manager, from_officer=leaver, to_officer=colleague)

    assert owners(*work) == [colleague.pk] * 5 and owners(theirs) == [officer.pk]
    assert handover.counts == {
        "stakeholders": 0,
        "commitments": 1,
        "concerns": 1,
        "actions": 1,
        "chased_actions": 1,
        "follow_ups": 1,
    }
    message = OutboundMessage.objects.get()
    assert message.subject == f"{leaver}'s open work handed over to you"
    assert "everything they were chasing" in message.body


# One piece of each kind of open work (contacts.queries.open_work), held by `holder`, on someone else's
# stakeholder or meeting.
OPEN_WORK_OF_KIND = {
    "commitments": lambda holder: CommitmentFactory(owner=holder),
    "concerns": lambda holder: ConcernFactory(owner=holder),
    "actions": lambda holder: open_action(MeetingFactory(), holder),
    "chased_actions": lambda holder: chased_action(MeetingFactory(), StakeholderFactory(), holder),
    "follow_ups": lambda holder: follow_up(UserFactory(), [StakeholderFactory()], follow_up_owner=holder),
}


def test_these_tests_make_every_kind_of_open_work_an_officer_holds():
    assert set(OPEN_WORK_OF_KIND) == set(open_work())


@pytest.mark.parametrize("kind", OPEN_WORK_OF_KIND)
def test_what_keeps_a_leaver_among_the_staff_holding_work_moves_with_their_whole_portfolio(
    kind, colleague, manager, team
):
    leaver = UserFactory(team=team, is_active=False)
    record = OPEN_WORK_OF_KIND[kind](leaver)
    assert get_user_model().objects.active_or_holding_work().filter(pk=leaver.pk).exists()

    handover = portfolio_handover(actor=manager, from_officer=leaver, to_officer=colleague)

    assert handover.counts[kind] == 1 and owners(record) == [colleague.pk]
    assert not get_user_model().objects.active_or_holding_work().filter(pk=leaver.pk).exists()


def test_the_new_owner_may_read_a_confidential_follow_up_handed_to_them(
    officer, colleague, manager, portfolio
):
    confidential = portfolio["elsewhere"][4]
    assert not Interaction.objects.visible_to(colleague).filter(pk=confidential.pk).exists()
    portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague)
    assert Interaction.objects.visible_to(colleague).filter(pk=confidential.pk).exists()


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
    assert owners(portfolio["active"], *portfolio["moves"]) == [officer.pk] * 10


def test_a_service_account_cannot_receive_a_portfolio(officer, manager, team, portfolio):
    tool = UserFactory(team=team, is_service_account=True)
    assert "to_officer" in _refused(actor=manager, from_officer=officer, to_officer=tool).message_dict


def test_handing_over_to_the_same_officer_is_refused(officer, manager, portfolio):
    refusal = _refused(actor=manager, from_officer=officer, to_officer=officer)
    assert "Choose another officer" in refusal.message_dict["to_officer"][0]


def test_an_officer_with_nothing_to_move_is_refused(officer, colleague, manager, team, portfolio):
    newcomer = UserFactory(team=team)
    follow_up(newcomer, [portfolio["theirs"]], follow_up_done_at=timezone.now())
    refusal = _refused(actor=manager, from_officer=newcomer, to_officer=officer)
    assert refusal.messages == [f"{newcomer} has no stakeholders or open work to hand over."]
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
    assert "3 open commitments" in message.body and "3 unresolved concerns" in message.body
    assert "3 open actions" in message.body and "4 open follow-ups" in message.body
    assert "4</strong> open follow-ups" in message.html_body
    for body in (message.body, message.html_body):
        body = body.replace("&#x27;", "'")
        assert "everything they were chasing, on their stakeholders or colleagues'" in body
        assert "https://crm.example.org/my-day/" in body
    assert message.html_body.startswith("<!doctype html>")


def test_the_new_owners_email_escapes_the_note(officer, colleague, manager, portfolio):
    portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague, note="<b>urgent</b> & soon")
    message = OutboundMessage.objects.get()
    assert "<b>urgent</b> & soon" in message.body
    assert "&lt;b&gt;urgent&lt;/b&gt; &amp; soon" in message.html_body


# --- the page -------------------------------------------------------------------------------------------


def test_the_page_offers_the_staff_the_manager_manages(client, officer, colleague, manager, other_officer):
    officer.is_active = False
    officer.save()
    response = login(client, manager).get(HANDOVER_URL)
    assert response.status_code == 200
    html = response.content.decode()
    form = response.context["form"]
    givers = dict(form.fields["from_officer"].widget.choices)
    receivers = dict(form.fields["to_officer"].widget.choices)
    assert givers[officer.pk] == f"{officer} (left)" and officer.pk not in receivers
    assert colleague.pk in givers and colleague.pk in receivers
    assert other_officer.pk not in givers and other_officer.pk not in receivers
    assert str(other_officer) not in html and response.context["preview"] is None


def test_a_link_naming_the_officer_leaving_starts_the_choice_without_errors(client, officer, manager):
    response = login(client, manager).get(HANDOVER_URL, {"from_officer": officer.pk})
    assert response.status_code == 200 and not response.context["form"].errors
    assert f'<option value="{officer.pk}" selected>' in response.content.decode()


def test_the_page_previews_what_would_move_and_writes_nothing(client, officer, colleague, manager, portfolio):
    choice = {"from_officer": officer.pk, "to_officer": colleague.pk, "note": "Line one\nline two"}
    response = login(client, manager).get(HANDOVER_URL, choice)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.counts == WHOLE_PORTFOLIO
    assert preview.elsewhere == {
        "commitments": 1,
        "concerns": 1,
        "actions": 1,
        "chased_actions": 1,
        "follow_ups": 2,
    }
    # Counted whoever reads: the colleague's confidential interaction the officer follows up is one.
    assert preview.confidential_follow_ups == 1
    assert [person["name"] for person in preview.stakeholders] == ["Margaret Okafor", "Tomás Ruiz"]
    html = response.content.decode()
    assert "Margaret Okafor" in html and "Tomás Ruiz" in html and "archived" in html
    assert 'method="post"' in html and f'name="to_officer" value="{colleague.pk}"' in html
    assert 'name="note" value="Line one\nline two"' in html
    assert re.search(r"Open follow-ups</dt><dd>4 <small class=\"muted\">of which 2 elsewhere</small><", html)
    assert re.search(r"Open commitments</dt><dd>3 <small class=\"muted\">of which 1 elsewhere</small><", html)
    assert re.search(
        r"stakeholders owe, to chase</dt><dd>2 <small class=\"muted\">of which 1 elsewhere<", html
    )
    confidential = (
        f"1 of the follow-ups is of a confidential interaction: {colleague} will be able to read it."
    )
    assert confidential in html
    assert owners(portfolio["active"]) == [officer.pk] and not PortfolioHandover.objects.exists()


def test_the_preview_of_one_organisations_people_counts_only_the_work_on_them(
    client, officer, colleague, manager, portfolio
):
    harbour = OrganisationFactory()
    AffiliationFactory(stakeholder=portfolio["active"], organisation=harbour)
    choice = {"from_officer": officer.pk, "to_officer": colleague.pk, "organisation": harbour.pk}
    response = login(client, manager).get(HANDOVER_URL, choice)
    preview = response.context["preview"]
    assert preview.counts == {
        "stakeholders": 1,
        "commitments": 1,
        "concerns": 1,
        "actions": 2,
        "chased_actions": 1,
        "follow_ups": 1,
    }
    assert preview.elsewhere == dict.fromkeys(
        ["commitments", "concerns", "actions", "chased_actions", "follow_ups"], 0
    )
    assert preview.confidential_follow_ups == 0
    html = response.content.decode()
    assert "elsewhere" not in html and "confidential" not in html


def test_the_preview_of_a_leaver_holding_only_work_on_colleagues_stakeholders_offers_to_move_it(
    client, officer, colleague, manager, team
):
    leaver = UserFactory(team=team, is_active=False)
    follow_up(officer, [StakeholderFactory(owner=officer)], follow_up_owner=leaver)
    response = login(client, manager).get(
        HANDOVER_URL, {"from_officer": leaver.pk, "to_officer": colleague.pk}
    )
    preview = response.context["preview"]
    assert preview.counts["stakeholders"] == 0 and preview.counts["follow_ups"] == 1
    assert preview.elsewhere["follow_ups"] == 1
    html = response.content.decode()
    assert "Hand over to" in html and "handover-names" not in html
    assert f'data-confirm="Hand {leaver}\'s open work over to {colleague}?"' in html


def test_the_preview_names_the_first_twenty_and_counts_the_rest(client, officer, colleague, manager):
    for number in range(23):
        StakeholderFactory(owner=officer, name=f"Person {number:02d}")
    response = login(client, manager).get(
        HANDOVER_URL, {"from_officer": officer.pk, "to_officer": colleague.pk}
    )
    preview = response.context["preview"]
    assert len(preview.stakeholders) == 20 and preview.more == 3
    assert "and 3 more" in response.content.decode()


def test_the_preview_says_when_there_is_nothing_to_hand_over(client, officer, colleague, manager):
    response = login(client, manager).get(
        HANDOVER_URL, {"from_officer": colleague.pk, "to_officer": officer.pk}
    )
    html = response.content.decode()
    assert f"{colleague} has no stakeholders or open work to hand over." in html
    assert "Hand over to" not in html


def test_confirming_hands_over_and_shows_the_new_owners_list(client, officer, colleague, manager, portfolio):
    choice = {"from_officer": officer.pk, "to_officer": colleague.pk, "note": ""}
    response = login(client, manager).post(HANDOVER_URL, choice)
    assert response.status_code == 302
    assert response.url == f"{reverse('contacts:stakeholder_list')}?owner={colleague.pk}"
    assert owners(portfolio["active"], *portfolio["moves"], *portfolio["elsewhere"]) == [colleague.pk] * 16
    page = client.get(response.url)
    notice = [str(message) for message in page.context["messages"]]
    assert notice == [
        f"2 stakeholders moved from {officer} to {colleague}, with 3 open commitments, "
        f"3 unresolved concerns, 3 open actions, 2 open actions stakeholders owe and 4 open follow-ups. "
        f"{colleague} has been sent the details by email."
    ]
    assert "Margaret Okafor" in page.content.decode()


def test_confirming_a_leavers_open_work_says_what_moved(client, officer, colleague, manager, team):
    leaver = UserFactory(team=team, is_active=False)
    follow_up(officer, [StakeholderFactory(owner=officer)], follow_up_owner=leaver)
    response = login(client, manager).post(
        HANDOVER_URL, {"from_officer": leaver.pk, "to_officer": colleague.pk}
    )
    notice = [str(message) for message in client.get(response.url).context["messages"]]
    assert notice == [
        f"{leaver}'s open work moved to {colleague}: 0 open commitments, 0 unresolved concerns, "
        f"0 open actions, 0 open actions stakeholders owe and 1 open follow-up. "
        f"{colleague} has been sent the details by email."
    ]


def test_confirming_for_one_organisation_shows_the_people_there(client, officer, colleague, manager):
    harbour = OrganisationFactory()
    AffiliationFactory(stakeholder=StakeholderFactory(owner=officer), organisation=harbour)
    choice = {"from_officer": officer.pk, "to_officer": colleague.pk, "organisation": harbour.pk}
    response = login(client, manager).post(HANDOVER_URL, choice)
    assert (
        response.url
        == f"{reverse('contacts:stakeholder_list')}?owner={colleague.pk}&organisation={harbour.pk}"
    )


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"from_officer": "@officer"}, "to_officer"),
        ({"from_officer": "@officer", "to_officer": "@officer"}, "to_officer"),
        ({"from_officer": "@officer", "to_officer": "999999"}, "to_officer"),
        ({"from_officer": "@officer", "to_officer": "@colleague", "organisation": "999999"}, "organisation"),
        ({"from_officer": "@officer", "to_officer": "@colleague", "note": "x" * 2001}, "note"),
    ],
)
def test_an_invalid_choice_is_shown_on_the_form_and_writes_nothing(
    client, request, manager, portfolio, choice, field
):
    data = {
        key: request.getfixturevalue(value[1:]).pk if value.startswith("@") else value
        for key, value in choice.items()
    }
    login(client, manager)
    for method in (client.get, client.post):
        response = method(HANDOVER_URL, data if method == client.post else {"to_officer": "", **data})
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert field in errors, errors
        assert response.context["preview"] is None
    assert not PortfolioHandover.objects.exists() and not OutboundMessage.objects.exists()
    assert owners(portfolio["active"]) == [request.getfixturevalue("officer").pk]


def test_confirming_a_portfolio_emptied_meanwhile_says_so_and_writes_nothing(
    client, officer, colleague, manager, portfolio
):
    choice = {"from_officer": officer.pk, "to_officer": colleague.pk}
    login(client, manager)
    client.post(HANDOVER_URL, choice)
    response = client.post(HANDOVER_URL, choice)  # a second click, or a colleague's tab left open
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"{officer} has no stakeholders or open work to hand over."
    ]
    assert PortfolioHandover.objects.count() == 1 and OutboundMessage.objects.count() == 1


def test_a_confirmation_sent_twice_hands_over_once_and_lands_where_the_first_did(
    client, officer, colleague, manager, portfolio
):
    login(client, manager)
    preview = client.get(HANDOVER_URL, {"from_officer": officer.pk, "to_officer": colleague.pk})
    key = re.search(r'name="submission_key" value="([^"]+)"', preview.content.decode()).group(1)
    choice = {"from_officer": officer.pk, "to_officer": colleague.pk, "submission_key": key}

    first = client.post(HANDOVER_URL, choice)
    second = client.post(HANDOVER_URL, choice)  # a double click on "Hand over"

    assert second.status_code == 302 and second.url == first.url
    assert PortfolioHandover.objects.count() == 1 and OutboundMessage.objects.count() == 1


def test_officers_may_not_open_the_page(client, officer):
    assert login(client, officer).get(HANDOVER_URL).status_code == 403


def test_a_manager_of_another_team_is_refused(client, officer, colleague, other_manager, portfolio):
    login(client, other_manager)
    choice = {"from_officer": officer.pk, "to_officer": colleague.pk}
    assert client.get(HANDOVER_URL, choice).status_code == 403
    assert client.post(HANDOVER_URL, choice).status_code == 403
    assert owners(portfolio["active"]) == [officer.pk] and not PortfolioHandover.objects.exists()


def test_the_stakeholder_list_links_managers_to_the_handover(client, officer, manager):
    list_url = reverse("contacts:stakeholder_list")
    assert HANDOVER_URL not in login(client, officer).get(list_url).content.decode()
    html = login(client, manager).get(list_url, {"owner": officer.pk}).content.decode()
    assert f'href="{HANDOVER_URL}?from_officer={officer.pk}"' in html


def test_the_manager_dashboard_links_to_the_handover_of_the_officer_shown(client, officer, manager):
    html = (
        login(client, manager).get(reverse("dashboards:dashboard"), {"officer": officer.pk}).content.decode()
    )
    assert f'href="{HANDOVER_URL}?from_officer={officer.pk}"' in html


@pytest.mark.parametrize("rows", [3, 30])
def test_a_handover_costs_the_same_queries_whatever_the_portfolio_size(
    client, officer, colleague, manager, django_assert_max_num_queries, rows
):
    meeting = MeetingFactory(organiser=officer)
    for _ in range(rows):
        stakeholder = StakeholderFactory(owner=officer)
        CommitmentFactory(stakeholder=stakeholder)
        ConcernFactory(stakeholder=stakeholder)
        Attendee.objects.create(meeting=meeting, stakeholder=stakeholder)
        open_action(meeting, officer)
        chased_action(meeting, stakeholder, officer)
        follow_up(officer, [stakeholder], is_confidential=True)
        follow_up(
            colleague, [StakeholderFactory(owner=colleague)], follow_up_owner=officer, is_confidential=True
        )
    login(client, manager)
    # The session, the user and their groups; the two officers chosen; the stakeholders locked; the escalated
    # concerns among those moving (their new handler is told); who read the confidential interactions
    # moving; commitments, concerns, actions owned, actions chased, follow-ups and stakeholders updated; who
    # reads them now, and the tombstones of those the officer no longer does; the handover recorded; the
    # email put in the outbox, in a savepoint and its release. (Inside the test's transaction the service's
    # own is a savepoint too: two.)
    with django_assert_max_num_queries(22):
        response = client.post(HANDOVER_URL, {"from_officer": officer.pk, "to_officer": colleague.pk})
    assert response.status_code == 302
    counts = PortfolioHandover.objects.get().counts
    kinds = ["stakeholders", "commitments", "concerns", "actions", "chased_actions"]
    assert counts == dict.fromkeys(kinds, rows) | {"follow_ups": 2 * rows}


@pytest.mark.parametrize("rows", [3, 30])
def test_the_preview_costs_the_same_queries_whatever_the_portfolio_size(
    client, officer, colleague, manager, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        StakeholderFactory(owner=officer)
        follow_up(colleague, [StakeholderFactory(owner=colleague)], follow_up_owner=officer)
    login(client, manager)
    # The session, the user and their groups; the staff the manager manages; the two officers chosen; every
    # count in one query; the first names.
    with django_assert_max_num_queries(8):
        response = client.get(HANDOVER_URL, {"from_officer": officer.pk, "to_officer": colleague.pk})
    assert response.context["preview"].counts["stakeholders"] == rows


# --- the API --------------------------------------------------------------------------------------------


@pytest.fixture
def newcomer(team):
    """An officer of the team with no stakeholders yet."""
    return UserFactory(team=team)


@pytest.fixture
def manager_api(manager):
    return client_with_token(token_for(manager))


def test_the_api_hands_over_and_answers_with_the_counts(manager_api, officer, colleague, manager, portfolio):
    response = manager_api.post(
        API_URL, {"from_officer": officer.pk, "to_officer": colleague.pk, "note": "Call Ana"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    handover = PortfolioHandover.objects.get()
    assert body["id"] == handover.pk
    assert body["counts"] == WHOLE_PORTFOLIO
    assert (body["from_officer"], body["to_officer"], body["handed_over_by"]) == (
        officer.pk,
        colleague.pk,
        manager.pk,
    )
    assert body["organisation"] is None and body["note"] == "Call Ana" and body["created_at"].endswith("Z")
    assert owners(portfolio["active"]) == [colleague.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "from_officer"),
        ({"from_officer": "@officer"}, "to_officer"),
        ({"from_officer": "@officer", "to_officer": "@officer"}, "to_officer"),
        ({"from_officer": "@officer", "to_officer": 999999}, "to_officer"),
        ({"from_officer": "@officer", "to_officer": "@colleague", "organisation": 999999}, "organisation"),
        ({"from_officer": "@newcomer", "to_officer": "@officer"}, "non_field_errors"),
    ],
)
def test_the_api_says_what_is_wrong_with_a_handover(request, manager_api, portfolio, body, field):
    data = {
        key: request.getfixturevalue(value[1:]).pk
        if isinstance(value, str) and value.startswith("@")
        else value
        for key, value in body.items()
    }
    response = manager_api.post(API_URL, data, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not PortfolioHandover.objects.exists()


def test_the_api_hands_over_a_leavers_open_work_without_stakeholders(manager_api, officer, colleague, team):
    leaver = UserFactory(team=team, is_active=False)
    commitment = CommitmentFactory(stakeholder=StakeholderFactory(owner=officer), owner=leaver)
    response = manager_api.post(
        API_URL, {"from_officer": leaver.pk, "to_officer": colleague.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["counts"] == {
        "stakeholders": 0,
        "commitments": 1,
        "concerns": 0,
        "actions": 0,
        "chased_actions": 0,
        "follow_ups": 0,
    }
    assert owners(commitment) == [colleague.pk]


def test_the_api_says_the_receiver_has_left(manager_api, officer, colleague, portfolio):
    colleague.is_active = False
    colleague.save()
    response = manager_api.post(
        API_URL, {"from_officer": officer.pk, "to_officer": colleague.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "to_officer": [f"{colleague} cannot take on a portfolio: choose an active member of staff."]
    }


@pytest.mark.parametrize("who", ["officer", "other_manager"])
def test_the_api_refuses_those_who_do_not_manage_both_officers(request, officer, colleague, portfolio, who):
    api = client_with_token(token_for(request.getfixturevalue(who)))
    response = api.post(API_URL, {"from_officer": officer.pk, "to_officer": colleague.pk}, format="json")
    assert response.status_code == 403
    assert owners(portfolio["active"]) == [officer.pk] and not PortfolioHandover.objects.exists()


def test_the_handover_is_documented_in_the_api_schema(manager_api):
    schema = manager_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/stakeholders/handover/"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "403"}
    request_body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_body.endswith("/PortfolioHandoverInputRequest")
    counts = schema["components"]["schemas"]["HandoverCounts"]["properties"]
    assert set(counts) == {
        "stakeholders",
        "commitments",
        "concerns",
        "actions",
        "chased_actions",
        "follow_ups",
    }


def test_a_leaver_still_holding_work_is_marked_wherever_it_is_listed(client, officer, colleague, manager):
    person = StakeholderFactory(owner=colleague, name="Margaret Okafor")
    commitment = CommitmentFactory(stakeholder=person, owner=colleague, description="Send the survey")
    concern = ConcernFactory(stakeholder=person, owner=colleague, title="Noise at night")
    follow_up(colleague, [person], follow_up_owner=colleague, follow_up_note="Call back")
    open_action(MeetingFactory(organiser=colleague), colleague, due_on="2030-01-01")
    get_user_model().objects.filter(pk=colleague.pk).update(is_active=False)
    login(client, manager)
    left = f"{colleague.get_full_name()} (left)"

    pages = {
        "stakeholder list": reverse("contacts:stakeholder_list"),
        "stakeholder page": person.get_absolute_url(),
        "commitments": reverse("commitments:list"),
        "commitment page": commitment.get_absolute_url(),
        "concerns": reverse("concerns:list"),
        "concern page": concern.get_absolute_url(),
        "follow-ups": reverse("interactions:follow_ups") + f"?owner={colleague.pk}",
        "meeting page": ActionItem.objects.get(owner_user=colleague).meeting.get_absolute_url(),
    }
    unmarked = [name for name, url in pages.items() if left not in client.get(url).content.decode()]
    assert unmarked == []
