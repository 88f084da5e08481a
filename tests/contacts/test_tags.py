"""The tags page: everyone reads the shared vocabulary and how much it is used; managers rename and remove."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contacts.models import Tag

from ..conftest import login
from ..factories import InteractionFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def log_a_secret_topic(officer, *, also=None):
    """A confidential interaction typed with a new topic, "Falcon takeover", whose name says what it was
    about."""
    from interactions.services import interaction_log

    interaction_log(
        author=officer,
        stakeholders=[StakeholderFactory(owner=officer)],
        summary="Off the record",
        kind="call",
        is_confidential=True,
        topics=["Falcon takeover", *([also] if also else [])],
    )
    return Tag.objects.get(name="Falcon takeover")


@pytest.fixture
def water(officer):
    tag = Tag.objects.create(name="Water")
    for person in StakeholderFactory.create_batch(2, owner=officer):
        person.tags.add(tag)
    OrganisationFactory().tags.add(tag)
    InteractionFactory(logged_by=officer).topics.add(tag)
    Tag.objects.create(name="Unused")
    return tag


def test_the_page_lists_each_tag_with_how_many_records_carry_it(client, officer, water):
    response = login(client, officer).get(reverse("contacts:tag_list"))

    rows = [
        (t.name, t.stakeholder_count, t.organisation_count, t.interaction_count)
        for t in response.context["tags"]
    ]
    assert rows == [("Unused", 0, 0, 0), ("Water", 2, 1, 1)]
    page = response.content.decode()
    assert f'href="/stakeholders/?tag={water.pk}"' in page
    assert "Rename" not in page, "an officer reads the vocabulary; managers change it"


def test_interactions_count_only_those_the_reader_may_see(client, officer, other_officer, manager, water):
    # A confidential interaction other_officer logged about their own stakeholder, on the Water topic.
    InteractionFactory(logged_by=other_officer, is_confidential=True).topics.add(water)

    def water_count(user):
        tags = login(client, user).get(reverse("contacts:tag_list")).context["tags"]
        return next(t.interaction_count for t in tags if t.pk == water.pk)

    assert water_count(officer) == 1, "another team's confidential interaction is not counted"
    assert water_count(manager) == 1
    assert water_count(other_officer) == 2


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("officer", True),
        ("colleague", False),
        ("other_officer", False),
        ("manager", True),
        ("other_manager", False),
        ("admin_user", True),
    ],
)
def test_a_topic_only_confidential_interactions_carry_is_seen_only_by_those_who_may_read_them(
    client, request, officer, water, who, sees
):
    secret = log_a_secret_topic(officer, also="Water")
    login(client, request.getfixturevalue(who))
    pages = [
        reverse("contacts:tag_list"),
        reverse("contacts:stakeholder_list"),
        reverse("contacts:organisation_list"),
        reverse("api:tag-list"),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert ("Falcon takeover" in body) is sees, url
        # A tag carried by anything the reader may see stays everyone's.
        assert "Water" in body, url
    assert client.get(reverse("api:tag-detail", args=[secret.pk])).status_code == (200 if sees else 404)


def test_a_manager_cannot_rename_a_topic_they_may_not_see(client, officer, other_manager):
    secret = log_a_secret_topic(officer)
    login(client, other_manager)
    response = client.post(reverse("contacts:tag_rename", args=[secret.pk]), {"name": "Heron"})
    assert response.status_code == 404
    assert client.post(reverse("contacts:tag_delete", args=[secret.pk])).status_code == 404
    assert Tag.objects.filter(pk=secret.pk, name="Falcon takeover").exists()


def test_a_topic_only_confidential_interactions_carry_is_named_once_anything_the_reader_sees_carries_it(
    client, officer, other_officer
):
    secret = log_a_secret_topic(officer)
    login(client, other_officer)
    assert "Falcon takeover" not in client.get(reverse("contacts:tag_list")).content.decode()
    # A list filtered by it says so as for a tag removed since, rather than listing everyone.
    response = client.get(reverse("contacts:stakeholder_list"), {"tag": secret.pk})
    assert "That tag does not exist" in response.content.decode()
    assert not response.context["page"].object_list
    # The API takes its id, and finds nothing the reader may read.
    response = client.get(reverse("api:interaction-list"), {"topic": secret.pk})
    assert (response.status_code, response.json()["results"]) == (200, [])
    assert client.get(reverse("api:stakeholder-list"), {"tag": secret.pk}).json()["results"] == []

    tagged = StakeholderFactory(owner=other_officer)
    tagged.tags.add(secret)
    assert "Falcon takeover" in client.get(reverse("contacts:tag_list")).content.decode()
    response = client.get(reverse("contacts:stakeholder_list"), {"tag": secret.pk})
    assert [person.pk for person in response.context["page"].object_list] == [tagged.pk]


def test_the_page_reads_a_constant_number_of_queries(client, officer, django_assert_max_num_queries):
    for number in range(30):
        tag = Tag.objects.create(name=f"Topic {number}")
        StakeholderFactory(owner=officer).tags.add(tag)
    login(client, officer)
    with django_assert_max_num_queries(6):
        client.get(reverse("contacts:tag_list"))


def test_a_manager_renames_a_tag_on_every_record(client, manager, water):
    response = login(client, manager).post(
        reverse("contacts:tag_rename", args=[water.pk]), {"name": "Waterways"}
    )

    assert response.status_code == 302
    water.refresh_from_db()
    assert water.name == "Waterways"
    assert "“Water” is now “Waterways” everywhere." in client.get(response.url).content.decode()


def test_a_name_another_tag_has_is_refused_on_its_row_and_nothing_changes(client, manager, water):
    response = login(client, manager).post(
        reverse("contacts:tag_rename", args=[water.pk]), {"name": "unused"}
    )

    assert response.status_code == 200
    assert response.context["renaming"] == water.pk
    assert response.context["rename_form"].errors == {"name": ["A tag with this name already exists."]}
    assert 'value="unused"' in response.content.decode()
    assert set(Tag.objects.values_list("name", flat=True)) == {"Water", "Unused"}


def test_a_manager_removes_a_tag_from_every_record(client, manager, water):
    carrier = water.stakeholders.first()

    login(client, manager).post(reverse("contacts:tag_delete", args=[water.pk]))

    assert not Tag.objects.filter(pk=water.pk).exists()
    assert list(carrier.tags.all()) == []


@pytest.mark.parametrize(
    ("list_name", "empty_text"),
    [
        ("contacts:stakeholder_list", "No stakeholders match"),
        ("contacts:organisation_list", "No organisations match"),
    ],
)
def test_a_bookmarked_list_of_a_removed_tag_lists_no_one_and_says_so(
    client, manager, water, list_name, empty_text
):
    """The list dropped a filter naming a tag that was removed and listed everyone, as if they carried it."""
    bookmark = f"{reverse(list_name)}?tag={water.pk}"
    login(client, manager).post(reverse("contacts:tag_delete", args=[water.pk]))

    for url in (bookmark, f"{reverse(list_name)}?tag=Water"):
        response = client.get(url)
        assert response.status_code == 200
        assert list(response.context["page"].object_list) == []
        page = response.content.decode()
        assert "That tag does not exist: it may have been removed." in page
        assert empty_text not in page


def test_an_export_of_a_removed_tag_exports_no_one(client, manager, water):
    login(client, manager).post(reverse("contacts:tag_delete", args=[water.pk]))

    response = client.get(reverse("dashboards:export", args=["stakeholders"]), {"tag": water.pk})

    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1, "the header only"


INVISIBLE = ["\u200b", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff"]
INVISIBLE_MESSAGE = "Tag names cannot contain invisible characters"


@pytest.mark.parametrize("character", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_a_tag_cannot_be_renamed_to_look_like_another(client, manager, water, character):
    """With a zero-width or text-direction character in it, "Wa\u200bter" looks exactly like "Water"."""
    Tag.objects.filter(pk=water.pk).update(name="Flooding")

    response = login(client, manager).post(
        reverse("contacts:tag_rename", args=[water.pk]), {"name": f"Wa{character}ter"}
    )

    assert response.status_code == 200
    assert INVISIBLE_MESSAGE in response.context["rename_form"].errors["name"][0]
    water.refresh_from_db()
    assert water.name == "Flooding"


def test_tags_typed_on_a_stakeholders_form_are_refused_with_an_invisible_character(officer_client, officer):
    response = officer_client.post(
        reverse("contacts:stakeholder_create"),
        {"name": "Amara Okafor", "owner": officer.pk, "tags": "Housing, Wa\u200bter", "not_a_duplicate": "1"},
    )

    assert response.status_code == 200
    assert INVISIBLE_MESSAGE in response.context["form"].errors["tags"][0]
    assert not Tag.objects.exists()


def test_a_renamed_tag_has_its_spaces_tidied_and_its_accents_composed(client, manager, water):
    decomposed = "Cafe\u0301   terraces "
    login(client, manager).post(reverse("contacts:tag_rename", args=[water.pk]), {"name": decomposed})
    water.refresh_from_db()
    assert water.name == "Caf\u00e9 terraces"


def test_typed_tags_with_decomposed_accents_are_the_same_tag(officer):
    from contacts.services import tags_from_names

    (composed,) = tags_from_names(["Caf\u00e9"])
    assert tags_from_names(["Cafe\u0301"]) == [composed]


@pytest.mark.parametrize(
    ("existing", "in_other_case"), [("ΣΥΝΕΔΡΙΟΣ", "συνεδριοσ"), ("İstanbul", "ISTANBUL")]
)
def test_a_typed_tag_finds_its_tag_whatever_python_makes_of_its_case(existing, in_other_case):
    """Python's lower() gives "ΣΥΝΕΔΡΙΟΣ" a final sigma and "İ" a combining dot; the unique index on tag
    names (PostgreSQL's lower()) gives neither, so a tag keyed in Python was looked for and never found."""
    from contacts.services import tags_from_names

    tag = Tag.objects.create(name=existing)
    assert tags_from_names([existing]) == [tag]
    assert tags_from_names([in_other_case]) == [tag]


def test_typed_tags_the_database_holds_as_one_are_one_tag():
    from contacts.services import tags_from_names

    (tag,) = tags_from_names(["İstanbul", "istanbul", "ISTANBUL"])
    assert tag.name == "İstanbul" and Tag.objects.get() == tag


def test_a_manager_may_name_a_tag_what_a_typed_tag_may_be_called(manager):
    """ "συνεδριος" (a final sigma) and "ΣΥΝΕΔΡΙΟΣ" are two tags to the unique index and to a form, which
    lower-case them differently; upper() made them one, and a manager was refused a name any officer could
    type."""
    from contacts.services import tag_create, tag_rename, tags_from_names

    capitals = Tag.objects.create(name="ΣΥΝΕΔΡΙΟΣ")
    created = tag_create(actor=manager, name="συνεδριος")
    assert tags_from_names(["συνεδριος"]) == [created]
    assert tag_rename(tag=created, actor=manager, name="συνεδριος").name == "συνεδριος", "saved as it is"

    created.delete()
    renamed = tag_rename(tag=Tag.objects.create(name="Conference"), actor=manager, name="συνεδριος")
    assert renamed.name == "συνεδριος"
    assert Tag.objects.get(pk=capitals.pk).name == "ΣΥΝΕΔΡΙΟΣ"


@pytest.mark.parametrize("taken", ["συνεδριοσ", "İSTANBUL"])
def test_a_manager_is_refused_a_name_a_tag_has_as_the_database_tells_names_apart(manager, taken):
    from contacts.services import tag_create, tag_rename

    Tag.objects.create(name="ΣΥΝΕΔΡΙΟΣ")
    Tag.objects.create(name="istanbul")
    with pytest.raises(ValidationError, match="A tag with this name already exists"):
        tag_create(actor=manager, name=taken)
    with pytest.raises(ValidationError, match="A tag with this name already exists"):
        tag_rename(tag=Tag.objects.create(name="Conference"), actor=manager, name=taken)


def _carriers(tag):
    return [*tag.stakeholders.all(), *tag.organisations.all(), *tag.interactions.all()]


def _as_if_last_changed_long_ago(records):
    long_ago = timezone.now() - dt.timedelta(days=30)
    for record in records:
        type(record).objects.filter(pk=record.pk).update(updated_at=long_ago)
    return long_ago


@pytest.mark.parametrize("change", ["rename", "delete"])
def test_renaming_or_removing_a_tag_marks_the_records_carrying_it_as_changed(
    manager, water, change, django_assert_max_num_queries
):
    """A sync by `updated_since` never learnt that the tag on its records was renamed or removed."""
    from contacts import services

    carriers = _carriers(water)
    # Owned by the manager: a new owner for each would hash a password each, most of this test's time.
    bystander = StakeholderFactory(owner=manager)
    long_ago = _as_if_last_changed_long_ago([*carriers, bystander])
    for _number in range(20):
        StakeholderFactory(owner=manager).tags.add(water)

    # However many records carry it, 11 at most: savepoint and release, the permission check, the name check
    # and the tag's UPDATE (or its tombstone for the deletions feed and the DELETEs of its three kinds of link
    # and of itself), and one UPDATE per kind of record that carries it (organisations, stakeholders,
    # interactions).
    with django_assert_max_num_queries(11):
        if change == "rename":
            services.tag_rename(tag=water, actor=manager, name="Waterways")
        else:
            services.tag_delete(tag=water, actor=manager)

    for record in carriers:
        record.refresh_from_db()
        assert record.updated_at > long_ago, record
    bystander.refresh_from_db()
    assert bystander.updated_at == long_ago


def test_which_tags_a_reader_sees_follows_a_change_of_team_or_role(officer, other_manager, team):
    """The SQL of Tag.objects.visible_to is built once per reader: a move to another team, or a new role,
    must still change what it finds."""
    from accounts.models import Role

    log_a_secret_topic(officer)

    def sees(user):
        user = type(user).objects.get(pk=user.pk)  # as a new request reads them
        return Tag.objects.visible_to(user).filter(name="Falcon takeover").exists()

    assert not sees(other_manager)
    other_manager.team = team
    other_manager.save()
    assert sees(other_manager)
    other_manager.groups.clear()
    other_manager.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    assert not sees(other_manager)
