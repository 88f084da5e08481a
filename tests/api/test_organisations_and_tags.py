import pytest

from contacts.models import Organisation, Tag

from ..factories import InteractionFactory, OrganisationFactory, StakeholderFactory
from ..organisation_loops import LOOP_ABOVE, fails_instead_of_hanging, loop_of_two

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["officer", "other_officer", "manager", "admin_user"])
def test_every_member_of_staff_keeps_the_organisation_register(api_as, who):
    client = api_as(who)
    created = client.post("/api/v1/organisations/", {"name": "Port Authority", "kind": "government_agency"})
    assert created.status_code == 201, created.content
    url = f"/api/v1/organisations/{created.json()['id']}/"
    assert client.patch(url, {"sector": "Transport", "tags": ["ports"]}).status_code == 200
    assert client.get(url).json()["tags"] == ["ports"]


def test_anonymous_cannot_touch_organisations(api_as):
    assert api_as(None).post("/api/v1/organisations/", {"name": "X", "kind": "other"}).status_code == 401


def test_an_organisation_cannot_be_its_own_ancestor(officer_api):
    parent = OrganisationFactory()
    child = OrganisationFactory(parent=parent)
    response = officer_api.patch(f"/api/v1/organisations/{parent.pk}/", {"parent": child.pk})
    assert response.status_code == 400
    assert "parent" in response.json()


def test_an_organisation_moved_under_parents_that_loop_is_refused(officer_api):
    outsider = OrganisationFactory(name="C")
    looped = loop_of_two()

    with fails_instead_of_hanging():
        response = officer_api.patch(f"/api/v1/organisations/{outsider.pk}/", {"parent": looped.pk})

    assert response.status_code == 400
    assert LOOP_ABOVE in " ".join(response.json()["parent"])
    outsider.refresh_from_db()
    assert outsider.parent_id is None


def test_organisations_are_not_deleted(officer_api):
    organisation = OrganisationFactory()
    assert officer_api.delete(f"/api/v1/organisations/{organisation.pk}/").status_code == 405
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_organisation_search_and_people_count(officer_api):
    harbour = OrganisationFactory(name="Harbour Authority")
    OrganisationFactory(name="Library")
    StakeholderFactory().affiliations.create(organisation=harbour, is_primary=True)
    rows = officer_api.get("/api/v1/organisations/", {"search": "harbor"}).json()["results"]
    assert [(row["name"], row["people_count"]) for row in rows] == [("Harbour Authority", 1)]


def test_anyone_adds_a_tag_but_only_managers_rename_or_delete(api_as):
    created = api_as("officer").post("/api/v1/tags/", {"name": "Water"})
    assert created.status_code == 201
    url = f"/api/v1/tags/{created.json()['id']}/"
    assert api_as("officer").patch(url, {"name": "Waters"}).status_code == 403
    assert api_as("manager").patch(url, {"name": "Water supply"}).status_code == 200
    assert api_as("officer").delete(url).status_code == 403
    assert api_as("manager").delete(url).status_code == 204
    assert not Tag.objects.exists()


def test_an_empty_patch_leaves_a_tag_as_it_was(api_as):
    tag = Tag.objects.create(name="Water")
    response = api_as("manager").patch(f"/api/v1/tags/{tag.pk}/", {})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Water"
    assert api_as("officer").patch(f"/api/v1/tags/{tag.pk}/", {}).status_code == 403


def test_tag_names_are_unique_ignoring_case(officer_api):
    officer_api.post("/api/v1/tags/", {"name": "Water"})
    response = officer_api.post("/api/v1/tags/", {"name": "water"})
    assert response.status_code == 400
    assert "name" in response.json()


def test_users_and_teams_are_read_only(api_as, officer, team):
    client = api_as("officer")
    users = client.get("/api/v1/users/", {"team": team.pk}).json()["results"]
    assert officer.pk in {user["id"] for user in users}
    me = client.get(f"/api/v1/users/{officer.pk}/").json()
    assert me["roles"] == ["Officer"]
    assert client.post("/api/v1/users/", {"username": "x"}).status_code == 405
    assert client.get(f"/api/v1/teams/{team.pk}/").json()["name"] == team.name
    assert client.delete(f"/api/v1/teams/{team.pk}/").status_code == 405


def test_inactive_users_are_listed_only_for_admins(api_as, officer, colleague):
    colleague.is_active = False
    colleague.save()
    assert colleague.pk not in {u["id"] for u in api_as("officer").get("/api/v1/users/").json()["results"]}
    assert colleague.pk in {u["id"] for u in api_as("admin_user").get("/api/v1/users/").json()["results"]}


def test_confidential_interactions_do_not_show_in_a_tags_or_organisations_output(officer_api, colleague):
    # Nothing about interactions is nested in the registers' output: no counts, no summaries.
    organisation = OrganisationFactory()
    InteractionFactory(logged_by=colleague, organisation=organisation, is_confidential=True)
    body = officer_api.get(f"/api/v1/organisations/{organisation.pk}/").json()
    assert "interaction" not in str(body).lower()


@pytest.mark.parametrize("path", ["/api/v1/stakeholders/", "/api/v1/organisations/"])
def test_filtering_by_a_removed_tag_is_a_400_that_says_so(officer_api, path):
    tag = Tag.objects.create(name="Water")
    tag_id = tag.pk
    tag.delete()
    response = officer_api.get(path, {"tag": tag_id})
    assert response.status_code == 400
    assert response.json() == {"tag": ["That tag does not exist: it may have been removed."]}


def test_a_tag_name_with_an_invisible_character_is_a_400(api_as):
    created = api_as("officer").post("/api/v1/tags/", {"name": "Wa\u200bter"})
    assert created.status_code == 400
    assert "invisible characters" in created.json()["name"][0]

    water = api_as("officer").post("/api/v1/tags/", {"name": "Water"}).json()
    renamed = api_as("manager").patch(f"/api/v1/tags/{water['id']}/", {"name": "Water\u202e"})
    assert renamed.status_code == 400
    assert "invisible characters" in renamed.json()["name"][0]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Water"]


@pytest.mark.parametrize("name", ["Water, sanitation", "Water; sanitation"])
def test_a_topic_or_tag_holding_a_tag_separator_is_a_400(officer_api, api_as, name):
    """The log form would save it back as two topics, and an export imported back as two tags."""
    stakeholder = StakeholderFactory()
    logged = officer_api.post(
        "/api/v1/interactions/",
        {"stakeholders": [stakeholder.pk], "kind": "call", "summary": "Wells", "topics": [name]},
    )
    assert logged.status_code == 400
    assert "commas or semicolons" in str(logged.json()["topics"])
    created = api_as("officer").post("/api/v1/tags/", {"name": name})
    assert created.status_code == 400 and "commas or semicolons" in created.json()["name"][0]
    assert not Tag.objects.exists()


def test_a_records_tags_with_an_invisible_character_are_a_400(officer_api):
    response = officer_api.post(
        "/api/v1/organisations/", {"name": "Harbour", "kind": "partner", "tags": ["\ufeffWater"]}
    )
    assert response.status_code == 400
    assert "invisible characters" in str(response.json()["tags"])
    assert not Tag.objects.exists()
