"""Likely duplicates: shown before saving a new person, and listed in pairs for review."""

import datetime as dt
import random
import time

import pytest
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from contacts import duplicates
from contacts.duplicates import (
    CANDIDATES_SQL,
    LARGE_ORGANISATION,
    NAME_SCORES_SQL,
    NAME_SIMILARITY,
    SHARED_MAILBOX,
    duplicate_pairs,
    likely_duplicate_organisations,
    likely_duplicates,
    similarity,
    slips,
    within_slips,
)
from contacts.models import Affiliation, DuplicateCandidate, DuplicateCheck, Organisation, Stakeholder
from contacts.search import Unaccented
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
    assert [c.record.name for c in found] == ["Margaret Okafor"]


def test_a_similar_name_at_the_same_organisation_is_a_likely_duplicate(water):
    assert likely_duplicates(name="Margret Okafor", organisation=water)[0].record.name == "Margaret Okafor"
    # Two slips: alike enough at her organisation (0.58), not anywhere (see the next tests).
    assert likely_duplicates(name="Margret Okafo", organisation=water)[0].record.name == "Margaret Okafor"
    assert likely_duplicates(name="Margret Okafo", organisation=OrganisationFactory()) == []
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


def test_two_letters_swapped_are_nearly_the_same_name(officer):
    """Trigrams score "Bilal Shiekh" against "Bilal Sheikh" 0.53: well under the register-wide 0.8."""
    StakeholderFactory(name="Bilal Sheikh", owner=officer)

    [found] = likely_duplicates(name="Bilal Shiekh")

    assert found.record.name == "Bilal Sheikh" and found.reason == "Nearly the same name"


def test_a_letter_apart_is_another_person_when_the_name_is_short(officer):
    StakeholderFactory(name="Li Wei", owner=officer)

    assert likely_duplicates(name="Li Mei") == []
    assert [c.record.name for c in likely_duplicates(name="Li Wie")] == ["Li Wei"]


@pytest.mark.parametrize(
    ("first", "second", "alike"),
    [
        ("bilal sheikh", "bilal shiekh", True),  # a swap
        ("li wei", "li wie", True),  # a swap, even in a short name
        ("li wei", "li mei", False),  # a letter wrong: in a short name, another person
        ("ana costa", "ana cotsa", True),
        ("margaret okafor", "margret okafor", True),  # a letter missing, eight letters or more
        ("margaret okafor", "margrt okafor", False),  # two, under sixteen letters
        ("alexandra konstantinou", "alexandra konstantinu", True),
        ("alexandra konstantinou", "aleksandra konstantinou", False),  # two in a word of nine letters
        ("wolfeschlegelsteinhausen", "wolfeschlegelsteinhasuen", True),  # a swap
        ("wolfeschlegelsteinhausen", "wolfschlegelsteinhauzen", True),  # two, sixteen letters or more
        ("zoe akerlund-nunez", "Zoe Akerlund Nunez", True),  # case and punctuation are no slips
        ("mark smith", "mary smith", False),  # a letter wrong in a short first name: another person
        ("john smith", "joan smith", False),
        ("wei zhang", "mei zhang", False),
        ("margaret okafor", "margaret a okafor", True),  # a middle initial
        ("mary-ann fitzgerald", "maryann fitzgerald", True),  # joined or split
        ("anne marie okonkwo", "annemarie okonkwo", True),
        ("mohammed al rashid", "mohammed alrashid", True),
        ("siobhan macgregor", "siobhan mac gregor", True),
        ("li wei", "li wei ming", False),  # another name
    ],
)
def test_names_a_slip_or_two_apart(first, second, alike):
    assert within_slips(first, second) is alike


def every_slip(first: str, second: str) -> int:
    """Optimal string alignment distance over every letter against every other: what `slips` counts, to
    MOST_SLIPS + 1."""
    previous_row, row = None, list(range(len(second) + 1))
    for i, letter in enumerate(first, start=1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(second)
        for j, other in enumerate(second, start=1):
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + (letter != other))
            if i > 1 and j > 1 and letter == second[j - 2] and first[i - 2] == other:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1]


def slipped(rng: random.Random, text: str) -> str:
    """The text with up to four slips of any kind."""
    letters = list(text)
    for _slip in range(rng.randint(0, 4)):
        place = rng.randrange(len(letters) + 1)
        kind = rng.choice(["wrong", "missing", "added", "swapped"])
        if kind == "added" or not letters:
            letters.insert(place, rng.choice("abc"))
        elif kind == "missing":
            del letters[min(place, len(letters) - 1)]
        elif kind == "wrong":
            letters[min(place, len(letters) - 1)] = rng.choice("abc")
        elif place < len(letters) - 1:
            letters[place], letters[place + 1] = letters[place + 1], letters[place]
    return "".join(letters)


def test_slips_counted_near_the_diagonal_are_every_letters_count_up_to_two(db, monkeypatch):
    """`slips` works out only the letters within two of each other's place: the same count as comparing
    every letter with every other, up to the two slips a name may hold, so `within_slips` (the stakeholder
    form's, the import's) answers as before."""
    rng = random.Random(20261128)
    pairs = []
    for _pair in range(20_000):
        first = "".join(rng.choices("abc ", k=rng.randint(0, 12)))
        second = (
            slipped(rng, first) if rng.random() < 0.8 else "".join(rng.choices("abc ", k=rng.randint(0, 12)))
        )
        pairs.append((first, second))
        assert slips(first, second) == min(every_slip(first, second), 3), (first, second)
    alike = [within_slips(first, second) for first, second in pairs]

    monkeypatch.setattr(duplicates, "slips", every_slip)

    assert [within_slips(first, second) for first, second in pairs] == alike


def test_slips_between_long_texts_take_time_in_proportion_to_their_letters(db):
    """Comparing every letter with every other, two texts of 10,000 letters took over a minute (a hundred
    million comparisons); near the diagonal, fifty thousand. The bound is loose for a busy machine."""
    long_text = "ab" * 5_000
    three_wrong = "".join("c" if place % 4_000 == 0 else letter for place, letter in enumerate(long_text))
    started = time.perf_counter()

    assert slips(long_text, long_text[1:] + "b") == 2
    assert slips(long_text, three_wrong) == 3

    assert time.perf_counter() - started < 10


def test_the_forms_check_asks_the_same_number_of_queries_however_many_look_alike(
    officer, water, django_assert_max_num_queries
):
    for name in ["Margaret Okafor", "Margaret Okafore", "Margarets Okafor", "Margret Okafor", "Bilal Sheikh"]:
        AffiliationFactory(stakeholder=StakeholderFactory(name=name, owner=officer), organisation=water)
    # the people with one of the emails; those at the organisation with a similar name; those anywhere whose
    # names are nearly the same (twenty found by the trigram index, compared letter by letter here).
    with django_assert_max_num_queries(3):
        found = likely_duplicates(name="Margaret Okafor", emails=["mo@nwa.example"], organisation=water)
        assert len(found) == 5 and all(candidate.record.name for candidate in found)


def _organisation_form(name, **fields):
    return {"name": name, "kind": "government_agency", **fields}


def test_adding_an_organisation_with_a_name_already_in_the_register_asks_first(officer_client):
    council = OrganisationFactory(name="Northbridge City Council")
    url = reverse("contacts:organisation_create")

    page = officer_client.post(url, _organisation_form("northbridge city-council."))

    assert page.status_code == 200 and b"already in the register" in page.content
    assert f'href="{council.get_absolute_url()}"' in page.content.decode()
    assert [c.reason for c in page.context["candidates"]] == ["Same name"]
    assert Organisation.objects.count() == 1

    saved = officer_client.post(url, _organisation_form("northbridge city-council.", not_a_duplicate="1"))

    assert saved.status_code == 302 and Organisation.objects.count() == 2


def test_a_nearly_identical_organisation_name_asks_first_and_a_different_one_does_not(officer_client):
    OrganisationFactory(name="Northbridge City Council")
    url = reverse("contacts:organisation_create")

    swapped = officer_client.post(url, _organisation_form("Northbrdige City Council"))
    different = officer_client.post(url, _organisation_form("Northbridge Harbour Trust"))

    assert b"already in the register" in swapped.content
    assert different.status_code == 302
    assert Organisation.objects.filter(name="Northbridge Harbour Trust").exists()


def test_departments_are_compared_with_their_parents_other_departments_only(officer):
    north, south = OrganisationFactory(name="North Council"), OrganisationFactory(name="South Council")
    OrganisationFactory(name="Finance", parent=north)

    assert likely_duplicate_organisations(name="Finance", parent=south) == []
    assert likely_duplicate_organisations(name="Finance") == []
    assert [c.record.parent for c in likely_duplicate_organisations(name="Finance", parent=north)] == [north]


def test_renaming_an_organisation_to_anothers_name_asks_first(officer_client):
    OrganisationFactory(name="Northbridge City Council")
    renamed = OrganisationFactory(name="Northbridge Borough Council", kind="government_agency")
    url = reverse("contacts:organisation_edit", args=[renamed.pk])
    fingerprint = officer_client.get(url).context["form"]["edit_fingerprint"].value()
    data = _organisation_form("Northbridge City Council", edit_fingerprint=fingerprint)

    page = officer_client.post(url, data)

    assert page.status_code == 200 and b"already in the register" in page.content
    renamed.refresh_from_db()
    assert renamed.name == "Northbridge Borough Council"

    saved = officer_client.post(url, {**data, "not_a_duplicate": "1"})

    renamed.refresh_from_db()
    assert saved.status_code == 302 and renamed.name == "Northbridge City Council"


def test_editing_an_organisation_without_renaming_it_does_not_ask(officer_client):
    OrganisationFactory(name="Northbridge City Council")
    twin = OrganisationFactory(name="Northbridge City Council.", kind="government_agency")
    url = reverse("contacts:organisation_edit", args=[twin.pk])
    fingerprint = officer_client.get(url).context["form"]["edit_fingerprint"].value()

    response = officer_client.post(
        url, _organisation_form(twin.name, sector="Local government", edit_fingerprint=fingerprint)
    )

    twin.refresh_from_db()
    assert response.status_code == 302 and twin.sector == "Local government"


def test_the_organisation_forms_check_is_one_query(officer_client, django_assert_max_num_queries):
    for suffix in ["", ".", " (old)", "s"]:
        OrganisationFactory(name=f"Northbridge City Council{suffix}")
    # the organisations at the same level with nearly the same name, found by the trigram index.
    with django_assert_max_num_queries(1):
        assert len(likely_duplicate_organisations(name="Northbridge City Council")) == 4


@pytest.fixture
def harbour(officer):
    organisation = OrganisationFactory(name="Malmö Harbour Trust")
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Zoë Äkerlund-Ñúñez", owner=officer), organisation=organisation
    )
    return organisation


def test_a_name_typed_without_its_accents_is_a_likely_duplicate(harbour):
    [at_harbour] = likely_duplicates(name="Zoe Akerlund Nunez", organisation=harbour)
    assert at_harbour.record.name == "Zoë Äkerlund-Ñúñez" and at_harbour.similarity == pytest.approx(1)
    [anywhere] = likely_duplicates(name="Zoe Akerlund-Nunez")
    assert anywhere.record.name == "Zoë Äkerlund-Ñúñez" and anywhere.reason == "Nearly the same name"


def test_an_accented_name_is_a_likely_duplicate_of_one_on_file_without_accents(harbour, officer):
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Mette Ostergard", owner=officer), organisation=harbour
    )
    found = likely_duplicates(name="Mette Østergård", organisation=harbour)
    assert [candidate.record.name for candidate in found] == ["Mette Ostergard"]


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


def test_the_check_pairs_no_one_by_a_shared_mailbox(officer):
    """Seven people reached at a council's info@ are not 21 likely duplicates; two sharing an address are."""
    for index in range(SHARED_MAILBOX + 1):
        StakeholderFactory(name=f"Officer {'ABCDEFG'[index]}", emails=["info@council.example"], owner=officer)
    StakeholderFactory(name="Ana", emails=["ana@example.org", "info@council.example"], owner=officer)
    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)

    assert duplicates_check() == 1
    assert [(pair.first_name, pair.second_name) for pair in duplicate_pairs()] == [("Ana", "Ana Costa")]


def test_the_check_counts_the_people_sharing_an_address_not_how_often_they_list_it(officer):
    StakeholderFactory(name="Zed Quist", emails=["team@x.org", "team@x.org"], owner=officer)
    for index in range(SHARED_MAILBOX - 1):
        StakeholderFactory(
            name=f"{'ABCD'[index] * 3} {'WXYZ'[index] * 4}", emails=["team@x.org"], owner=officer
        )

    assert duplicates_check() == SHARED_MAILBOX * (SHARED_MAILBOX - 1) // 2


def _stakeholder_form(name, emails, owner_id):
    return {
        "name": name,
        "emails": emails,
        "owner": owner_id,
        "time_zone": "Europe/London",
        "preferred_channel": "email",
        "influence": 3,
        "interest": 3,
        "engagement_level": "consult",
    }


def test_an_address_that_would_be_a_shared_mailbox_is_no_reason_to_ask(officer, officer_client):
    """Five people at one address are still paired by the check, so the fifth is asked about; not a sixth."""
    for index in range(SHARED_MAILBOX - 1):
        StakeholderFactory(name=f"Officer {'ABCD'[index]}", emails=["team@council.example"], owner=officer)
    owner_id = officer_client.session["_auth_user_id"]

    fifth = officer_client.post(
        "/stakeholders/new/", _stakeholder_form("Zed Quist", "Team@council.example", owner_id)
    )

    assert fifth.status_code == 200 and b"already in the register" in fifth.content
    assert [c.reason for c in fifth.context["candidates"]] == ["Same email: team@council.example"] * 4

    StakeholderFactory(name="Officer E", emails=["team@council.example"], owner=officer)

    sixth = officer_client.post(
        "/stakeholders/new/", _stakeholder_form("Zed Quist", "team@council.example", owner_id)
    )

    assert sixth.status_code == 302
    assert Stakeholder.objects.filter(name="Zed Quist").exists()


def test_a_person_sharing_a_mailbox_and_an_address_of_their_own_is_asked_about_their_own(officer):
    for index in range(SHARED_MAILBOX):
        StakeholderFactory(name=f"Officer {'ABCDE'[index]}", emails=["info@council.example"], owner=officer)
    StakeholderFactory(name="Ana", emails=["ana@example.org", "info@council.example"], owner=officer)

    found = likely_duplicates(name="Zed Quist", emails=["info@council.example", "ana@example.org"])

    assert [(c.record.name, c.reason) for c in found] == [("Ana", "Same email: ana@example.org")]


def test_editing_someone_does_not_count_them_among_an_addresses_holders(officer):
    holders = [
        StakeholderFactory(name=f"Officer {'ABCDE'[index]}", emails=["team@council.example"], owner=officer)
        for index in range(SHARED_MAILBOX)
    ]

    found = likely_duplicates(name="Officer A", emails=["team@council.example"], exclude_pk=holders[0].pk)

    assert sorted(c.record.name for c in found) == ["Officer B", "Officer C", "Officer D", "Officer E"]


def test_the_same_email_lookup_finds_the_holders_by_the_email_index(officer, django_assert_max_num_queries):
    """On every new-person form with an email: reading the whole register instead grows with it (200,000
    people: 700 ms, against 8 ms by the index)."""
    Stakeholder.objects.bulk_create(
        [
            Stakeholder(
                name=f"Person {index}",
                emails=[f"p{index}@example.org"] + (["info@council.example"] if index % 500 == 0 else []),
                owner=officer,
                contact_cadence_days=30,
            )
            for index in range(5000)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_stakeholder")

    with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
        found = likely_duplicates(name="Zed Quist", emails=["p7@example.org", "info@council.example"])
    assert [(c.record.name, c.reason) for c in found] == [("Person 7", "Same email: p7@example.org")]

    same_email_sql = next(query["sql"] for query in queries if "personal_emails" in query["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {same_email_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "stakeholder_emails_gin" in plan
    assert "Seq Scan on contacts_stakeholder" not in plan, plan


_FIRST_NAMES = [
    "Ana",
    "Bilal",
    "Chiara",
    "Dmitri",
    "Emeka",
    "Fatima",
    "Gustav",
    "Hana",
    "Ingrid",
    "Jonas",
    "Kwame",
    "Leila",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tariq",
    "Ulla",
    "Viktor",
    "Wanjiru",
    "Ximena",
    "Yusuf",
    "Zofia",
    "Aiko",
    "Bruno",
    "Carmen",
    "Deniz",
    "Elif",
    "Farid",
    "Greta",
    "Hugo",
    "Imani",
    "Jakub",
    "Katarina",
    "Lorenzo",
    "Malik",
    "Noor",
]
_LAST_NAMES = [
    "Okafor",
    "Sheikh",
    "Rossi",
    "Petrov",
    "Eze",
    "Haddad",
    "Lindqvist",
    "Sato",
    "Berg",
    "Weber",
    "Mensah",
    "Karimi",
    "Garcia",
    "Novak",
    "Nilsson",
    "Sharma",
    "Dubois",
    "Moreno",
    "Holm",
    "Aziz",
    "Kowalski",
    "Yilmaz",
    "Tanaka",
    "Fischer",
    "Costa",
]


def _people_at(organisation, names, owner):
    people = Stakeholder.objects.bulk_create(
        [Stakeholder(name=name, owner=owner, contact_cadence_days=30) for name in names]
    )
    Affiliation.objects.bulk_create(
        [Affiliation(stakeholder=person, organisation=organisation, role="Officer") for person in people]
    )
    return people


def _pairs_scoring_every_pair(threshold=NAME_SIMILARITY):
    """What the check found when it scored every pair of people at each organisation."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT p1.stakeholder_id, p2.stakeholder_id
            FROM contacts_affiliation p1
            JOIN contacts_affiliation p2
                ON p2.organisation_id = p1.organisation_id AND p1.stakeholder_id < p2.stakeholder_id
            JOIN contacts_stakeholder s1 ON s1.id = p1.stakeholder_id
            JOIN contacts_stakeholder s2 ON s2.id = p2.stakeholder_id
            WHERE (p1.end_date IS NULL OR p1.end_date >= current_date)
                AND (p2.end_date IS NULL OR p2.end_date >= current_date)
                AND similarity(immutable_unaccent(s1.name), immutable_unaccent(s2.name)) >= %s
            """,
            [threshold],
        )
        return set(cursor.fetchall())


def _pairs_the_check_finds(*, threshold, large_organisation):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contacts_duplicatecandidate")
        cursor.execute(
            CANDIDATES_SQL,
            {"threshold": threshold, "large_organisation": large_organisation, "day": timezone.localdate()},
        )
        cursor.execute("SELECT first_id, second_id FROM contacts_duplicatecandidate")
        return set(cursor.fetchall())


def test_the_check_finds_the_pairs_that_scoring_every_pair_found(officer):
    council, harbour = (
        OrganisationFactory(name="Northbridge Council"),
        OrganisationFactory(name="Harbour Trust"),
    )
    names = [f"{first} {last}" for first in _FIRST_NAMES[:20] for last in _LAST_NAMES[:10]]
    names += [
        "Margaret Okafor",
        "Margret Okafor",
        "Margaret A Okafor",
        "Bilal Shiekh",
        "Bilal Sheikh",
        "Zoë Äkerlund-Ñúñez",
        "Zoe Akerlund Nunez",
        "Mary-Ann Fitzgerald",
        "Maryann Fitzgerald",
        "Li Wei",
        "Li Wie",
        "Li Mei",
        "Wolfeschlegelsteinhausen",
        "Wolfschlegelsteinhauzen",
        "Al",
        "Ala",
        "X",
    ]
    _people_at(council, names, officer)
    _people_at(harbour, names[::7], officer)
    # Someone the council had twice, and someone who has left: pairs only with the people still there.
    AffiliationFactory(
        stakeholder=Stakeholder.objects.get(name="Li Wie", affiliations__organisation=council),
        organisation=council,
    )
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Margaret Okafor", owner=officer),
        organisation=council,
        end_date=dt.date(2020, 1, 1),
    )
    expected = _pairs_scoring_every_pair()
    assert len(expected) > 30

    duplicates_check()

    by_name = DuplicateCandidate.objects.filter(reason=DuplicateCandidate.Reason.NAME)
    assert set(by_name.values_list("first_id", "second_id")) == expected


def test_the_check_on_a_large_organisation_asks_a_few_queries_and_scores_only_likely_pairs(
    officer, django_assert_max_num_queries
):
    council = OrganisationFactory(name="Northbridge Council")
    names = Faker(["en_GB", "de_DE", "es_ES", "it_IT"])
    names.seed_instance(1000)
    _people_at(council, [names.name() for _ in range(1000)], officer)

    # the lock; the old pairs deleted; the new ones found and stored; the check's row read, then written;
    # the request answered; six savepoints taken and released around them.
    with django_assert_max_num_queries(12):
        duplicates_check()

    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {NAME_SCORES_SQL} SELECT count(*) FROM scored",
            {
                "threshold": NAME_SIMILARITY,
                "large_organisation": LARGE_ORGANISATION,
                "day": timezone.localdate(),
            },
        )
        scored = cursor.fetchone()[0]
    # A thousand people are 499,500 pairs; only those whose rarest trigrams meet are scored (about 26,000).
    assert 0 < scored < 499_500 // 10


def _awkward_name(rng):
    """A short, repeated-letter, punctuated or accented name: where a trigram more or less decides a pair."""
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(["Al", "Ala", "Li", "X", "Ab Ba", "Li Wei", "Li Mei", "Ana", "Anna", "O Li"])
    if kind == 1:
        return " ".join(rng.choice("abn") * rng.randint(1, 5) for _ in range(rng.randint(1, 3)))
    name = list(rng.choice(["Zoë Äkerlund-Ñúñez", "O'Neil Ó Dónaill", "Mary-Ann Li", "Margaret Okafor"]))
    for _ in range(rng.randint(0, 3)):
        position = rng.randrange(len(name))
        if rng.random() < 0.5:
            del name[position]
        else:
            name.insert(position, rng.choice("aeñé-' ."))
    return "".join(name).strip(" -'.") or "Ö"


@pytest.mark.parametrize("seed", [1, 2])
def test_the_check_finds_the_pairs_scoring_every_pair_finds_for_awkward_names_at_any_threshold(officer, seed):
    rng = random.Random(seed)
    council, harbour = OrganisationFactory(), OrganisationFactory()
    _people_at(council, [_awkward_name(rng) for _ in range(150)], officer)
    _people_at(harbour, [_awkward_name(rng) for _ in range(30)], officer)

    # The council takes the rarest trigrams' path, the harbour is scored pair by pair.
    for threshold in (0.3, 0.34, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        found = _pairs_the_check_finds(threshold=threshold, large_organisation=100)
        assert found == _pairs_scoring_every_pair(threshold), threshold


def test_similar_names_in_an_organisations_family_are_found_by_the_trigram_index(
    officer, django_assert_max_num_queries
):
    """On every new-person form naming an organisation: scoring each person at the organisation and its
    departments instead grows with them (a ministry of 40,000 people: 910 ms, against 35 ms by the index)."""
    ministry = OrganisationFactory(name="Ministry of Works")
    roads = OrganisationFactory(name="Roads Directorate", parent=ministry)
    names = Faker(["en_GB", "de_DE", "es_ES", "it_IT"])
    names.seed_instance(7)
    _people_at(roads, [names.name() for _ in range(3000)] + ["Margaret Okafor"], officer)
    with connection.cursor() as cursor:
        # What the planner would know of a register that size: how few of the organisations the family is.
        cursor.execute("ANALYZE contacts_organisation, contacts_stakeholder, contacts_affiliation")

    with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
        found = likely_duplicates(name="Margret Okafor", organisation=ministry)
    assert [(c.record.name, c.reason) for c in found] == [
        ("Margaret Okafor", "Similar name at Ministry of Works")
    ]

    at_organisation_sql = next(query["sql"] for query in queries if "contacts_affiliation" in query["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {at_organisation_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "stakeholder_unaccent_trgm" in plan, plan


def test_similar_names_in_an_organisations_family_are_those_scoring_every_person_finds(officer):
    ministry = OrganisationFactory(name="Ministry of Works")
    roads = OrganisationFactory(name="Roads Directorate", parent=ministry)
    names = [f"{first} {last}" for first in _FIRST_NAMES[:20] for last in _LAST_NAMES[:10]]
    _people_at(roads, names, officer)

    found_by_scoring_everyone = 0
    for typed in ["Ana Okafor", "Bilal Shiekh", "Chiara Rosi", "Hana Petrova", "Sven Berg", "Emeka Ezeh"]:
        typed_plainly = Unaccented(Value(typed))
        scoring_everyone = (
            Stakeholder.objects.annotate(similarity=TrigramSimilarity(Unaccented("name"), typed_plainly))
            .at_organisation(ministry)
            .filter(similarity__gte=NAME_SIMILARITY)
        )
        expected = sorted(scoring_everyone.values_list("name", flat=True))
        found = likely_duplicates(name=typed, organisation=ministry, limit=len(names))

        assert sorted(c.record.name for c in found if c.reason.startswith("Similar name at")) == expected
        found_by_scoring_everyone += len(expected)
    assert found_by_scoring_everyone > 6
