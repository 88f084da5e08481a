"""The header's search: everything in one ranked list, confidential interactions only for those allowed."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions.models import InteractionKind
from meetings.models import Attendee, Meeting
from search import queries as search_queries
from search.queries import global_search
from search.views import DROPDOWN_PER_KIND

from ..factories import (
    AffiliationFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(team):
    """Named plainly: meetings are found by their organiser's name, and a random one ("Harris") resembles
    the words these tests search for ("harb")."""
    return UserFactory(username="officer", team=team, first_name="Ines", last_name="Vidal")


def kinds_and_titles(user, text):
    return [(result.kind, result.title) for result in global_search(user=user, text=text)]


def test_people_organisations_interactions_and_meetings_come_in_one_list(officer):
    StakeholderFactory(name="Margaret Okafor", owner=officer)
    OrganisationFactory(name="Okafor Family Foundation")
    InteractionFactory(logged_by=officer, summary="Call with Okafor about the reservoir")
    MeetingFactory(organiser=officer, title="Okafor quarterly review")

    found = kinds_and_titles(officer, "okafor")

    assert {kind for kind, _title in found} == {"stakeholder", "organisation", "interaction", "meeting"}


def test_an_email_address_pasted_in_finds_who_has_it_first(officer):
    address = "marcia.hughes@northbridge-council.example.org"
    StakeholderFactory(name="Marcia Hughes", emails=["mhughes@example.net", address])
    StakeholderFactory(name="Neil Hughes", emails=["neil.hughes@northbridge-council.example.org"])
    OrganisationFactory(name="Northbridge City Council")

    found = kinds_and_titles(officer, f" {address.title()} ")

    assert found[0] == ("stakeholder", "Marcia Hughes")
    assert ("stakeholder", "Neil Hughes") not in found


def test_an_email_address_pasted_with_what_came_around_it_finds_who_has_it_first(officer):
    StakeholderFactory(name="Marcia Hughes", emails=["mhughes@example.net"])
    StakeholderFactory(name="Neil Hughes", emails=["neil@example.net"])

    for pasted in ("mailto:mhughes@example.net", "<MHughes@example.net>;"):
        assert kinds_and_titles(officer, pasted)[0] == ("stakeholder", "Marcia Hughes")


def test_an_email_address_nobody_has_finds_people_by_its_words(officer):
    StakeholderFactory(name="Ana Costa", notes="Chair of the River Example Trust")
    StakeholderFactory(name="Marcia Hughes", emails=["mhughes@example.net"])

    assert kinds_and_titles(officer, "mailto:ana@river.example") == [("stakeholder", "Ana Costa")]


def test_a_phone_number_finds_who_has_it_first(officer, officer_client, django_assert_max_num_queries):
    StakeholderFactory(name="Marcia Hughes", phones=["07700 900123", "020 7946 0000 ext 12"])
    StakeholderFactory(name="Neil Hughes", phones=["020 7946 0001"], notes="Switchboard 020 7946 0000")
    InteractionFactory(logged_by=officer, summary="Missed call from 020 7946 0000")

    found = kinds_and_titles(officer, "+44 (0)20 7946 0000")

    assert found[0] == ("stakeholder", "Marcia Hughes")
    assert ("stakeholder", "Neil Hughes") not in found
    # As a search by name (test_search_runs_a_fixed_number_of_queries).
    with django_assert_max_num_queries(9):
        dropdown = officer_client.get(
            reverse("search:results"),
            {"q": "020 7946 0000"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="global-search-results",
        )
    assert b"Marcia Hughes" in dropdown.content


def test_digits_like_a_phone_number_find_who_has_it_first_then_whoever_mentions_them(
    officer, officer_client, django_assert_max_num_queries
):
    StakeholderFactory(name="Ana Adams", notes="Grant reference 123456")
    StakeholderFactory(name="Zoe Brown", phones=["123-456"])
    StakeholderFactory(name="Ben Idowu", notes="Nothing to do with it")

    people = [title for kind, title in kinds_and_titles(officer, "123456") if kind == "stakeholder"]

    assert people == ["Zoe Brown", "Ana Adams"]
    # As a search by name (test_search_runs_a_fixed_number_of_queries).
    with django_assert_max_num_queries(9):
        dropdown = officer_client.get(
            reverse("search:results"),
            {"q": "123456"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="global-search-results",
        )
    assert b"Ana Adams" in dropdown.content


def test_people_of_one_name_are_told_apart_by_their_role_and_organisation(officer):
    council = OrganisationFactory(name="Northbridge City Council")
    planner = StakeholderFactory(name="Delroy Pryce", form_of_address="Mr Pryce", owner=officer)
    AffiliationFactory(stakeholder=planner, organisation=council, role="Head of Planning")
    StakeholderFactory(name="Delroy Bennett", form_of_address="Cllr Bennett", owner=officer)

    details = {result.title: result.detail for result in global_search(user=officer, text="delroy")}

    assert details == {
        "Delroy Pryce": "Head of Planning, Northbridge City Council",
        "Delroy Bennett": "Cllr Bennett",
    }


def test_a_name_match_ranks_above_a_mention(officer):
    InteractionFactory(logged_by=officer, summary="Dubois said the reservoir plan is late")
    StakeholderFactory(name="Jean-Pierre Dubois", owner=officer)
    assert kinds_and_titles(officer, "dubois")[0] == ("stakeholder", "Jean-Pierre Dubois")


def test_misspelled_names_are_found(officer):
    StakeholderFactory(name="Mohammed Al-Rashid", owner=officer)
    assert ("stakeholder", "Mohammed Al-Rashid") in kinds_and_titles(officer, "Mohamed")


def test_a_better_matching_name_ranks_first(officer):
    StakeholderFactory(name="Margaret Thompson", owner=officer)
    StakeholderFactory(name="Margaret Okafor", owner=officer)
    assert kinds_and_titles(officer, "margaret okafor")[0] == ("stakeholder", "Margaret Okafor")


def test_every_kind_is_found_by_words_typed_without_their_accents(officer_client, officer):
    StakeholderFactory(name="Mette Østergård", owner=officer)
    OrganisationFactory(name="Østergård Harbour Trust")
    InteractionFactory(logged_by=officer, summary="Call with Mette Østergård about the harbour")
    MeetingFactory(organiser=officer, title="Østergård harbour review")

    assert sorted(kinds_and_titles(officer, "ostergard")) == [
        ("interaction", "Call with Mette Østergård about the harbour"),
        ("meeting", "Østergård harbour review"),
        ("organisation", "Østergård Harbour Trust"),
        ("stakeholder", "Mette Østergård"),
    ]
    page = officer_client.get(reverse("search:results"), {"q": "ostergard"}).content.decode()
    assert "Mette Østergård" in page and "Østergård harbour review" in page


def test_a_misspelled_name_typed_without_its_accents_is_found(officer):
    StakeholderFactory(name="Adébáyọ̀ Ọláwálé", owner=officer)
    OrganisationFactory(name="Fundación Ñandú")
    assert kinds_and_titles(officer, "adebaio") == [("stakeholder", "Adébáyọ̀ Ọláwálé")]
    assert kinds_and_titles(officer, "fundasion") == [("organisation", "Fundación Ñandú")]


def test_an_accented_search_finds_text_written_without_accents(officer):
    StakeholderFactory(name="Jose Munoz", owner=officer)
    InteractionFactory(logged_by=officer, summary="Munoz asked about the ferry")
    assert sorted(kinds_and_titles(officer, "Muñoz")) == [
        ("interaction", "Munoz asked about the ferry"),
        ("stakeholder", "Jose Munoz"),
    ]


def test_officer_cannot_find_a_colleagues_confidential_interaction(officer, other_officer, admin_user):
    InteractionFactory(
        logged_by=other_officer, summary="Confidential reservoir settlement", is_confidential=True
    )
    InteractionFactory(logged_by=other_officer, summary="Open reservoir briefing")
    assert kinds_and_titles(officer, "reservoir") == [("interaction", "Open reservoir briefing")]
    assert len(kinds_and_titles(other_officer, "reservoir")) == 2
    assert len(kinds_and_titles(admin_user, "reservoir")) == 2


def test_one_letter_or_punctuation_finds_nothing(officer):
    StakeholderFactory(name="Li Wei", owner=officer)
    assert global_search(user=officer, text="l") == []
    assert global_search(user=officer, text="'; --") == []


def test_one_letter_asks_for_another_instead_of_saying_nothing_matches(officer_client, officer):
    StakeholderFactory(name="Li Wei", owner=officer)
    dropdown = officer_client.get(
        reverse("search:results"),
        {"q": " l "},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="global-search-results",
    )
    page = officer_client.get(reverse("search:results"), {"q": "l"})
    for response in (dropdown, page):
        assert b"Type at least two letters" in response.content and b"Nothing matches" not in response.content


def test_the_header_box_gets_a_dropdown_and_the_page_a_list(officer_client, officer):
    StakeholderFactory(name="Margaret Okafor", owner=officer)
    dropdown = officer_client.get(
        reverse("search:results"),
        {"q": "marg"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="global-search-results",
    )
    assert (
        dropdown.status_code == 200
        and b"<html" not in dropdown.content
        and b"Margaret Okafor" in dropdown.content
    )
    page = officer_client.get(reverse("search:results"), {"q": "marg"})
    assert b"<html" in page.content and b"Margaret Okafor" in page.content
    assert b'id="global-search-q"' in officer_client.get(reverse("contacts:stakeholder_list")).content


def test_the_dropdown_is_read_as_links_not_as_a_list_box_without_options(officer_client, officer):
    StakeholderFactory(name="Margaret Okafor", owner=officer)
    dropdown = officer_client.get(
        reverse("search:results"),
        {"q": "marg"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="global-search-results",
    ).content.decode()
    assert 'role="group" aria-label="Search results"' in dropdown and "listbox" not in dropdown
    assert dropdown.count('<a class="search-result"') == 1


def test_search_runs_a_fixed_number_of_queries(officer_client, officer, django_assert_max_num_queries):
    for number in range(10):
        StakeholderFactory(name=f"Reservoir Person {number}", owner=officer)
        InteractionFactory(logged_by=officer, summary=f"Reservoir call {number}")
        MeetingFactory(organiser=officer, title=f"Reservoir meeting {number}")
    # session, user, the user's groups (visibility); stakeholders and organisations (by their words, then by
    # the names' resemblance when no word matches: no organisation is named so); interactions; meetings.
    with django_assert_max_num_queries(9):
        officer_client.get(
            reverse("search:results"),
            {"q": "reservoir"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="global-search-results",
        )


def test_an_older_match_is_found_when_the_newest_are_colleagues_confidential_ones(
    officer, other_officer, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search_queries, "CANDIDATES", 3)
    InteractionFactory(
        logged_by=other_officer,
        summary="Open reservoir survey",
        occurred_at=timezone.now() - dt.timedelta(days=30),
    )
    for number in range(3):
        InteractionFactory(
            logged_by=other_officer, summary=f"Confidential reservoir deal {number}", is_confidential=True
        )
    # Stakeholders and organisations (by their words, then by resemblance); the officer's groups (visibility);
    # the newest interactions, then the newest the officer may read; meetings by their words, then by who
    # is in them.
    with django_assert_num_queries(9):
        assert kinds_and_titles(officer, "reservoir") == [("interaction", "Open reservoir survey")]


def test_matches_all_unreadable_but_not_cut_are_not_searched_again(
    officer, other_officer, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search_queries, "CANDIDATES", 3)
    for number in range(2):
        InteractionFactory(
            logged_by=other_officer, summary=f"Confidential reservoir deal {number}", is_confidential=True
        )
    # Every match was a candidate: none of them readable means none at all, without asking again. Meetings
    # by their words, then by who is in them.
    with django_assert_num_queries(8):
        assert kinds_and_titles(officer, "reservoir") == []


def meetings_found(user, text):
    return [result.title for result in global_search(user=user, text=text) if result.kind == "meeting"]


def test_a_meeting_is_found_by_the_name_of_a_stakeholder_or_member_of_staff_invited(officer, colleague):
    julien = UserFactory(first_name="Julien", last_name="Moreau")
    guest = MeetingFactory(organiser=officer, title="Budget review")
    Attendee.objects.create(meeting=guest, stakeholder=StakeholderFactory(name="Ama Owusu"))
    staff = MeetingFactory(organiser=officer, title="Harbour walk")
    Attendee.objects.create(meeting=staff, user=julien)
    MeetingFactory(organiser=officer, title="Ferry timetable")

    assert meetings_found(colleague, "owusu") == ["Budget review"]
    assert meetings_found(colleague, "Ama Owsu") == ["Budget review"]
    assert meetings_found(colleague, "julien moreau") == ["Harbour walk"]


def test_a_meeting_is_found_by_someone_whose_name_resembles_the_words_only_when_nobodys_starts_so(
    officer, colleague
):
    """A first name typed in full on the way to a family name resembles every namesake's name: their
    meetings are not what was asked for while someone's name starts with the words."""
    fletcher = MeetingFactory(organiser=officer, title="Budget review")
    Attendee.objects.create(meeting=fletcher, stakeholder=StakeholderFactory(name="Rachel Fletcher"))
    green = MeetingFactory(organiser=officer, title="Harbour walk")
    Attendee.objects.create(meeting=green, stakeholder=StakeholderFactory(name="Rachel Green"))
    MeetingFactory(organiser=UserFactory(first_name="Rachel", last_name="Fletchley"), title="Ferry timetable")

    assert sorted(meetings_found(colleague, "rachel fletc")) == ["Budget review", "Ferry timetable"]
    assert sorted(meetings_found(colleague, "fletchr")) == ["Budget review", "Ferry timetable"]


def test_the_header_reads_the_meetings_of_its_first_namesakes_and_the_meetings_list_of_them_all(
    officer, colleague, monkeypatch
):
    monkeypatch.setattr(search_queries, "CANDIDATES", 2)
    for index in range(3):
        meeting = MeetingFactory(organiser=officer, title=f"Review {index}")
        Attendee.objects.create(meeting=meeting, stakeholder=StakeholderFactory(name=f"Ama Owusu {index}"))

    assert len(meetings_found(colleague, "owusu")) == 2
    assert Meeting.objects.search("owusu").count() == 3


def test_a_meeting_is_found_by_the_name_of_its_organiser(officer, colleague):
    MeetingFactory(organiser=UserFactory(first_name="Grace", last_name="Hopper"), title="Budget review")
    MeetingFactory(organiser=officer, title="Harbour walk")

    assert meetings_found(colleague, "hopper") == ["Budget review"]


def test_a_meeting_whose_title_matches_comes_before_the_many_of_someone_whose_name_matches(
    officer, colleague, monkeypatch
):
    monkeypatch.setattr(search_queries, "CANDIDATES", 3)
    mark = UserFactory(first_name="Mark", last_name="Hill")
    for week in range(1, 4):
        MeetingFactory(
            organiser=mark, title=f"Weekly sync {week}", starts_at=timezone.now() + dt.timedelta(weeks=week)
        )
    MeetingFactory(
        organiser=officer, title="Market stall review", starts_at=timezone.now() - dt.timedelta(days=1)
    )

    assert meetings_found(colleague, "market")[0] == "Market stall review"


def test_meetings_found_by_who_is_in_them_are_not_found_by_those_who_may_not_see_meetings(officer):
    """Meetings are shared by all staff at work; someone whose account was closed sees none of them."""
    meeting = MeetingFactory(organiser=UserFactory(first_name="Grace", last_name="Hopper"), title="Review")
    Attendee.objects.create(meeting=meeting, stakeholder=StakeholderFactory(name="Ama Owusu"))
    officer.is_active = False
    officer.save(update_fields=["is_active"])

    assert meetings_found(officer, "owusu") == [] and meetings_found(officer, "hopper") == []


@pytest.mark.parametrize("rows", [2, 8])
def test_searching_meetings_by_who_is_in_them_runs_a_fixed_number_of_queries(
    officer_client, officer, django_assert_max_num_queries, rows
):
    organiser = UserFactory(first_name="Grace", last_name="Owusu")
    for index in range(rows):
        meeting = MeetingFactory(organiser=organiser, title=f"Review {index}")
        Attendee.objects.create(meeting=meeting, stakeholder=StakeholderFactory(name=f"Ama Owusu {index}"))
        Attendee.objects.create(meeting=meeting, user=UserFactory(first_name="Kofi", last_name="Owusu"))
    # session, user, the user's groups (visibility); stakeholders (by their words; no organisation is named
    # so, then by resemblance); interactions; meetings (by their words and by the names of who is in them).
    with django_assert_max_num_queries(9):
        response = officer_client.get(
            reverse("search:results"),
            {"q": "owusu"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="global-search-results",
        )
    assert response.content.decode().count("Scheduled meeting") == min(rows, DROPDOWN_PER_KIND)


def test_a_scheduled_meeting_and_a_logged_one_read_differently_in_the_results(officer_client, officer):
    MeetingFactory(organiser=officer, title="Harbour review")
    InteractionFactory(
        logged_by=officer, summary="Harbour walk with the residents", kind=InteractionKind.MEETING
    )

    page = officer_client.get(reverse("search:results"), {"q": "harbour"}).content.decode()

    results = re.findall(r'badge subtle">([^<]+)</span>\s*<span class="search-title">([^<]+)<', page)
    labels = {title: label for label, title in results}
    assert labels == {"Harbour review": "Scheduled meeting", "Harbour walk with the residents": "Meeting"}
