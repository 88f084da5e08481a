"""Stakeholders through the API: the same register, rules and services as the pages."""

import pytest

from contacts.models import Stakeholder

from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/stakeholders/"


def detail(stakeholder):
    return f"{LIST}{stakeholder.pk}/"


@pytest.fixture
def stakeholder(officer):
    person = StakeholderFactory(owner=officer, name="Margaret Okafor", form_of_address="Dr Okafor")
    AffiliationFactory(stakeholder=person, organisation=OrganisationFactory(name="Harbour Authority"))
    return person


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("officer", 200), ("other_officer", 200), ("other_manager", 200), ("admin_user", 200)],
)
def test_everyone_on_the_staff_reads_the_register(api_as, stakeholder, who, status):
    assert api_as(who).get(LIST).status_code == status
    assert api_as(who).get(detail(stakeholder)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("officer", 200),  # the owner
        ("colleague", 403),
        ("other_officer", 403),
        ("manager", 200),  # the owner's manager
        ("other_manager", 403),
        ("admin_user", 200),
    ],
)
def test_only_the_owner_their_manager_and_admins_edit(api_as, stakeholder, who, status):
    response = api_as(who).patch(detail(stakeholder), {"preferred_hours": "mornings"})
    assert response.status_code == status, response.content
    stakeholder.refresh_from_db()
    assert (stakeholder.preferred_hours == "mornings") is (status == 200)


@pytest.mark.parametrize(("who", "status"), [("officer", 200), ("colleague", 403), ("manager", 200)])
def test_archive_and_restore_follow_the_edit_rule(api_as, stakeholder, who, status):
    client = api_as(who)
    assert client.post(f"{detail(stakeholder)}archive/").status_code == status
    stakeholder.refresh_from_db()
    assert stakeholder.is_archived is (status == 200)
    assert client.post(f"{detail(stakeholder)}restore/").status_code == status


def test_service_account_token_has_an_officers_rights(service_api, service_account, stakeholder):
    assert service_api.patch(detail(stakeholder), {"notes": "x"}).status_code == 403
    created = service_api.post(LIST, {"name": "Ines Duarte"})
    assert created.status_code == 201
    assert created.json()["owner"] == service_account.pk


def test_a_service_account_is_not_offered_as_an_owner(officer_api, service_account, service_api):
    response = officer_api.post(LIST, {"name": "Ines Duarte", "owner": service_account.pk})
    assert response.status_code == 400
    assert "never to a service account" in response.json()["owner"][0]
    assert not Stakeholder.objects.filter(name="Ines Duarte").exists()
    # What a tool made as itself it still keeps when it sends the record back whole.
    created = service_api.post(LIST, {"name": "Ines Duarte", "owner": service_account.pk}).json()
    assert service_api.patch(f"{LIST}{created['id']}/", {"owner": service_account.pk}).status_code == 200


def test_create_defaults_the_owner_to_the_caller_and_creates_tags(officer_api, officer):
    response = officer_api.post(
        LIST,
        {
            "name": "Ines Duarte",
            "emails": [" Ines@Example.org "],
            "languages": ["pt", "en"],
            "tags": ["Water", "ports"],
            "contact_cadence_days": 30,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == officer.pk
    assert body["emails"] == ["ines@example.org"]
    assert sorted(body["tags"]) == ["Water", "ports"]
    assert body["contact_due_on"] is not None
    assert response["ETag"]


def test_output_nests_positions_with_organisation_names(officer_api, stakeholder):
    body = officer_api.get(detail(stakeholder)).json()
    assert body["affiliations"][0]["organisation_name"] == "Harbour Authority"
    assert body["affiliations"][0]["is_current"] is True


def test_model_rules_come_back_as_field_messages(officer_api):
    response = officer_api.post(LIST, {"name": "X", "influence": 9, "contact_cadence_days": 0})
    assert response.status_code == 400
    assert set(response.json()) >= {"influence", "contact_cadence_days"}


def test_bad_emails_and_phones_get_the_forms_messages(officer_api):
    response = officer_api.post(
        LIST, {"name": "Juma Otieno", "emails": ["juma@example.org", "not-an-email"], "phones": ["abc"]}
    )
    assert response.status_code == 400
    assert response.json()["emails"] == {"1": ["“not-an-email” is not an email address."]}
    assert response.json()["phones"] == {"0": ["“abc” has no digits: it is not a phone number."]}
    assert not Stakeholder.objects.exists()


def test_a_phone_stored_without_digits_is_kept_when_the_record_is_written_back(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer, phones=["ask at reception"])
    url = detail(stakeholder)
    body = {
        key: value for key, value in officer_api.get(url).json().items() if key not in ("id", "affiliations")
    }
    assert officer_api.put(url, {**body, "notes": "Met at the fair."}, format="json").status_code == 200
    response = officer_api.patch(url, {"phones": ["ask at reception", "withheld"]}, format="json")
    assert response.status_code == 400
    assert response.json()["phones"] == {"1": ["“withheld” has no digits: it is not a phone number."]}


def test_stakeholders_are_never_deleted(api_as, stakeholder):
    assert api_as("admin_user").delete(detail(stakeholder)).status_code == 405
    assert Stakeholder.objects.filter(pk=stakeholder.pk).exists()


def test_search_is_the_same_as_the_pages_misspellings_included(officer_api, stakeholder):
    StakeholderFactory(name="Someone Else")
    results = officer_api.get(LIST, {"search": "Okafr"}).json()["results"]
    assert [row["name"] for row in results] == ["Margaret Okafor"]


def test_search_ignores_accents_as_the_pages_do(officer_api, officer):
    StakeholderFactory(name="Mette Østergård", owner=officer)
    results = officer_api.get(LIST, {"search": "ostergard"}).json()["results"]
    assert [row["name"] for row in results] == ["Mette Østergård"]


def test_search_finds_a_phone_number_as_the_pages_do(officer_api, officer):
    StakeholderFactory(name="Ana Costa", phones=["+44 20 7946 0000"], owner=officer)
    StakeholderFactory(name="Ben Idowu", phones=["020 7946 0001"], owner=officer)
    StakeholderFactory(name="Ben Adams", notes="Grant reference 123456", owner=officer)
    StakeholderFactory(name="Zoe Brown", phones=["123456"], owner=officer)
    results = officer_api.get(LIST, {"search": "020 7946 0000"}).json()["results"]
    assert [row["name"] for row in results] == ["Ana Costa"]
    results = officer_api.get(LIST, {"search": "123456"}).json()["results"]
    assert [row["name"] for row in results] == ["Zoe Brown", "Ben Adams"]


def test_filters_are_the_pages_filters(officer_api, stakeholder, officer, colleague):
    StakeholderFactory(owner=colleague)
    rows = officer_api.get(LIST, {"owner": officer.pk}).json()["results"]
    assert [row["id"] for row in rows] == [stakeholder.pk]
    organisation = stakeholder.affiliations.get().organisation
    rows = officer_api.get(LIST, {"organisation": organisation.pk}).json()["results"]
    assert [row["id"] for row in rows] == [stakeholder.pk]
    rows = officer_api.get(LIST, {"organisation_kind": organisation.kind}).json()["results"]
    assert [row["id"] for row in rows] == [stakeholder.pk]
    assert officer_api.get(LIST, {"organisation_kind": "community_group"}).json()["results"] == []


def test_archived_people_are_left_out_unless_asked_for(officer_api, stakeholder):
    archived = StakeholderFactory(is_archived=True, archived_at="2026-01-01T00:00Z")
    assert archived.pk not in {row["id"] for row in officer_api.get(LIST).json()["results"]}
    rows = officer_api.get(LIST, {"archived": "true"}).json()["results"]
    assert [row["id"] for row in rows] == [archived.pk]


def test_an_archived_person_is_read_and_changed_at_their_address(officer_api, stakeholder):
    """The list leaves them out unless asked for; their own address does not."""
    officer_api.post(f"{detail(stakeholder)}archive/")
    assert officer_api.get(detail(stakeholder)).json()["is_archived"] is True
    answer = officer_api.patch(detail(stakeholder), {"preferred_hours": "Mornings"})
    assert answer.status_code == 200, answer.content
    stakeholder.refresh_from_db()
    assert stakeholder.preferred_hours == "Mornings"


def test_updated_since_returns_changes_including_archiving(officer_api, stakeholder):
    since = officer_api.get(detail(stakeholder)).json()["updated_at"]
    untouched = StakeholderFactory()
    Stakeholder.objects.filter(pk=untouched.pk).update(updated_at="2020-01-01T00:00Z")
    Stakeholder.objects.filter(pk=stakeholder.pk).update(updated_at="2020-01-01T00:00Z")
    officer_api.post(f"{detail(stakeholder)}archive/")
    rows = officer_api.get(LIST, {"updated_since": since, "ordering": "updated_at"}).json()["results"]
    assert [(row["id"], row["is_archived"]) for row in rows] == [(stakeholder.pk, True)]


def test_a_changed_position_counts_as_a_change_of_the_person(officer_api, stakeholder):
    Stakeholder.objects.filter(pk=stakeholder.pk).update(updated_at="2020-01-01T00:00Z")
    position = stakeholder.affiliations.get()
    assert officer_api.post(f"/api/v1/affiliations/{position.pk}/end/", {}).status_code == 200
    rows = officer_api.get(LIST, {"updated_since": "2025-01-01T00:00Z", "archived": "false"}).json()
    assert [row["id"] for row in rows["results"]] == [stakeholder.pk]


def test_cursor_pages_walk_the_whole_list_without_repeats(officer_api):
    for index in range(7):
        StakeholderFactory(name=f"Person {index % 3}")  # duplicate names: ties broken by id
    seen, url = [], LIST + "?page_size=3"
    while url:
        page = officer_api.get(url).json()
        assert "count" not in page
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == 7 == len(set(seen))


@pytest.mark.parametrize(
    "query",
    [
        {"ordering": "notes"},
        {"ordering": "-"},
        {"page_size": "0"},
        {"page_size": "many"},
        {"page_size": "1000"},
        {"cursor": "not-a-cursor"},
        {"cursor": "cD1ub3QtYS1kYXRl"},  # position "not-a-date" for a date ordering
        {"updated_since": "yesterday"},
        {"owner": "999999"},
    ],
)
def test_bad_query_parameters_get_400_with_field_messages(officer_api, query):
    response = officer_api.get(LIST, {**query, "ordering": query.get("ordering", "updated_at")})
    assert response.status_code == 400, response.content
    assert set(response.json()) & set(query)
