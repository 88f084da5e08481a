"""Likely duplicates: shown before saving a new person, and listed in pairs for review."""

import pytest

from contacts.duplicates import duplicate_pairs, likely_duplicates, similarity
from contacts.models import DuplicateCandidate, DuplicateCheck, Stakeholder
from contacts.services import duplicate_dismiss, duplicates_check, stakeholder_merge
from contacts.tasks import check_duplicates

from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_similarity_is_computed_as_pg_trgm_does(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity('Margaret Okafor', 'Margret Okafor')")
        assert similarity("Margaret Okafor", "Margret Okafor") == pytest.approx(
            cursor.fetchone()[0], abs=1e-6
        )


@pytest.fixture
def water(officer):
    organisation = OrganisationFactory(name="Northern Water Authority")
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Margaret Okafor", emails=["mo@nwa.example"], owner=officer),
        organisation=organisation,
    )
    return organisation


def test_the_same_email_is_a_likely_duplicate(water):
    found = likely_duplicates(name="Someone Else", emails=["MO@nwa.example"])
    assert [c.stakeholder.name for c in found] == ["Margaret Okafor"]


def test_a_similar_name_at_the_same_organisation_is_a_likely_duplicate(water):
    assert (
        likely_duplicates(name="Margret Okafor", organisation=water)[0].stakeholder.name == "Margaret Okafor"
    )
    assert likely_duplicates(name="Margret Okafor", organisation=OrganisationFactory()) == []
    assert likely_duplicates(name="Ana Costa", organisation=water) == []


def test_creating_a_likely_duplicate_asks_first(officer_client, water):
    data = {
        "name": "Margret Okafor",
        "organisation": water.pk,
        "owner": officer_client.session["_auth_user_id"],
        "time_zone": "Europe/London",
        "preferred_channel": "email",
        "influence": 3,
        "interest": 3,
        "engagement_level": "consult",
    }
    page = officer_client.post("/stakeholders/new/", data)
    assert page.status_code == 200 and b"already in the register" in page.content
    assert not Stakeholder.objects.filter(name="Margret Okafor").exists()

    response = officer_client.post("/stakeholders/new/", {**data, "not_a_duplicate": "1"})

    assert response.status_code == 302
    created = Stakeholder.objects.get(name="Margret Okafor")
    assert created.current_primary_organisation() == water


@pytest.fixture
def harbour(officer):
    organisation = OrganisationFactory(name="Malmö Harbour Trust")
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Zoë Äkerlund-Ñúñez", owner=officer), organisation=organisation
    )
    return organisation


def test_a_name_typed_without_its_accents_is_a_likely_duplicate(harbour):
    [at_harbour] = likely_duplicates(name="Zoe Akerlund Nunez", organisation=harbour)
    assert at_harbour.stakeholder.name == "Zoë Äkerlund-Ñúñez" and at_harbour.similarity == pytest.approx(1)
    [anywhere] = likely_duplicates(name="Zoe Akerlund-Nunez")
    assert anywhere.stakeholder.name == "Zoë Äkerlund-Ñúñez" and anywhere.reason == "Nearly the same name"


def test_an_accented_name_is_a_likely_duplicate_of_one_on_file_without_accents(harbour, officer):
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Mette Ostergard", owner=officer), organisation=harbour
    )
    found = likely_duplicates(name="Mette Østergård", organisation=harbour)
    assert [candidate.stakeholder.name for candidate in found] == ["Mette Ostergard"]


def test_creating_someone_typed_without_accents_asks_first(officer_client, harbour):
    data = {
        "name": "Zoe Akerlund Nunez",
        "organisation": harbour.pk,
        "owner": officer_client.session["_auth_user_id"],
        "time_zone": "Europe/London",
        "preferred_channel": "email",
        "influence": 3,
        "interest": 3,
        "engagement_level": "consult",
    }
    page = officer_client.post("/stakeholders/new/", data)
    assert page.status_code == 200 and b"already in the register" in page.content
    assert "Zoë Äkerlund-Ñúñez" in page.content.decode()
    assert not Stakeholder.objects.filter(name="Zoe Akerlund Nunez").exists()


def test_the_background_check_pairs_names_that_differ_only_in_accents(officer, officer_client, harbour):
    plain = StakeholderFactory(name="Zoe Akerlund Nunez", owner=officer)
    AffiliationFactory(stakeholder=plain, organisation=harbour)

    check_duplicates()  # the Celery task, as the worker runs it

    [pair] = duplicate_pairs()
    assert (pair.first_name, pair.second_name) == ("Zoë Äkerlund-Ñúñez", "Zoe Akerlund Nunez")
    assert pair.similarity == pytest.approx(1) and "Malmö Harbour Trust" in pair.reason
    page = officer_client.get("/stakeholders/duplicates/").content.decode()
    assert "Zoë Äkerlund-Ñúñez" in page and "Zoe Akerlund Nunez" in page


def test_the_review_lists_pairs_until_dismissed(officer, officer_client, water):
    margret = StakeholderFactory(name="Margret Okafor", owner=officer)
    AffiliationFactory(stakeholder=margret, organisation=water)
    StakeholderFactory(name="Ana", emails=["shared@example.org"], owner=officer)
    StakeholderFactory(name="Ana Costa", emails=["shared@example.org"], owner=officer)

    assert duplicates_check() == 2
    pairs = duplicate_pairs()

    assert [(p.first_name, p.second_name) for p in pairs] == [
        ("Ana", "Ana Costa"),
        ("Margaret Okafor", "Margret Okafor"),
    ]
    assert pairs[1].similarity == pytest.approx(similarity("Margaret Okafor", "Margret Okafor"), abs=1e-6)
    page = officer_client.get("/stakeholders/duplicates/")
    assert page.status_code == 200 and b"Margret Okafor" in page.content

    duplicate_dismiss(first=margret, second=Stakeholder.objects.get(name="Margaret Okafor"), actor=officer)

    assert [p.first_name for p in duplicate_pairs()] == ["Ana"]


def test_the_review_offers_merging_only_to_those_who_may_merge(client, officer, other_officer):
    StakeholderFactory(name="Ana", emails=["shared@example.org"], owner=officer)
    StakeholderFactory(name="Ana Costa", emails=["shared@example.org"], owner=officer)
    StakeholderFactory(name="Bo", emails=["bo@example.org"], owner=other_officer)
    StakeholderFactory(name="Bo Lind", emails=["bo@example.org"], owner=officer)
    duplicates_check()

    client.force_login(officer)
    page = client.get("/stakeholders/duplicates/").content.decode()

    assert page.count("Compare and merge") == 1
    assert page.count("Their owners or managers decide") == 1


def test_the_review_shows_the_last_check_until_the_next(officer, officer_client):
    StakeholderFactory(name="Ana", emails=["shared@example.org"], owner=officer)
    StakeholderFactory(name="Ana Costa", emails=["shared@example.org"], owner=officer)
    assert b"has not been checked yet" in officer_client.get("/stakeholders/duplicates/").content

    duplicates_check()
    StakeholderFactory(name="Bo", emails=["bo@example.org"], owner=officer)
    StakeholderFactory(name="Bo Lind", emails=["bo@example.org"], owner=officer)

    page = officer_client.get("/stakeholders/duplicates/").content.decode()
    assert "Ana Costa" in page and "Bo Lind" not in page and "Found by the check of" in page
    duplicates_check()
    assert [p.second_name for p in duplicate_pairs()] == ["Ana Costa", "Bo Lind"]


def test_a_check_replaces_the_last_ones_pairs(officer):
    first = StakeholderFactory(name="Ana", emails=["shared@example.org"], owner=officer)
    StakeholderFactory(name="Ana Costa", emails=["shared@example.org"], owner=officer)
    duplicates_check()
    first.emails = ["ana@example.org"]
    first.save()

    assert duplicates_check() == 0
    assert not DuplicateCandidate.objects.exists()
    assert DuplicateCheck.objects.get().checked_at is not None


def test_a_merge_takes_its_pairs_with_it(officer):
    ana = StakeholderFactory(name="Ana", emails=["shared@example.org"], owner=officer)
    costa = StakeholderFactory(name="Ana Costa", emails=["shared@example.org"], owner=officer)
    duplicates_check()

    stakeholder_merge(keep=costa, duplicate=ana, actor=officer)

    assert duplicate_pairs() == []


def test_asking_for_a_check_queues_one_until_it_has_run(
    officer, officer_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = officer_client.post("/stakeholders/duplicates/check/")
    assert response.status_code == 302 and len(queued) == 1
    assert b"checking" in officer_client.get("/stakeholders/duplicates/").content

    with django_capture_on_commit_callbacks() as queued_again:
        officer_client.post("/stakeholders/duplicates/check/")
    assert queued_again == []

    duplicates_check()
    assert DuplicateCheck.objects.get().requested_at is None
