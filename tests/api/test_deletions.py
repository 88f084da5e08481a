"""The deletions feed: each service that deletes a record a sync may hold leaves a tombstone, and
GET /api/v1/deletions/ lists them by time and type, to those who could see the record, for a bounded time."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from api.models import DeletedRecordType, Deletion
from api.tasks import purge_expired_deletions
from contacts import services as contacts
from contacts.models import Tag
from interactions import services as interactions
from meetings import services as meetings

from ..factories import AffiliationFactory, InteractionFactory, MeetingFactory, StakeholderFactory
from ..interactions.test_views import log_data
from .conftest import client_with_token, token_for

pytestmark = pytest.mark.django_db

FEED = "/api/v1/deletions/"


def tombstones():
    return list(Deletion.objects.values_list("record_type", "record_id", "merged_into"))


def test_deleting_an_interaction_leaves_its_tombstone(officer):
    interaction = InteractionFactory(logged_by=officer)
    interaction_id = interaction.pk
    interactions.interaction_delete(interaction=interaction, actor=officer)
    assert tombstones() == [(DeletedRecordType.INTERACTION, interaction_id, None)]


def test_deleting_a_tag_leaves_its_tombstone(manager):
    tag = Tag.objects.create(name="energy")
    tag_id = tag.pk
    contacts.tag_delete(tag=tag, actor=manager)
    assert tombstones() == [(DeletedRecordType.TAG, tag_id, None)]


def test_a_merged_duplicate_leaves_a_tombstone_naming_the_record_kept_and_its_repeated_position(officer):
    keep, duplicate = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    kept_position = AffiliationFactory(stakeholder=keep)
    repeated = AffiliationFactory(stakeholder=duplicate, organisation=kept_position.organisation)
    duplicate_id = duplicate.pk
    contacts.stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
    assert sorted(tombstones()) == [
        (DeletedRecordType.AFFILIATION, repeated.pk, None),
        (DeletedRecordType.STAKEHOLDER, duplicate_id, keep.pk),
    ]


def test_removing_a_meeting_document_leaves_its_tombstone(officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = meetings.document_attach(
        meeting=MeetingFactory(organiser=officer),
        actor=officer,
        upload=SimpleUploadedFile("pack.pdf", b"%PDF-1.4 pack", content_type="application/pdf"),
    )
    document_id = document.pk
    meetings.document_remove(document=document, actor=officer)
    assert tombstones() == [(DeletedRecordType.MEETING_DOCUMENT, document_id, None)]


def test_a_refused_deletion_leaves_no_tombstone(officer, other_officer):
    interaction = InteractionFactory(logged_by=officer)
    with pytest.raises(Exception):  # noqa: B017  (the service's refusal, whatever its type)
        interactions.interaction_delete(interaction=interaction, actor=other_officer)
    assert tombstones() == []


def test_the_feed_lists_deletions_oldest_first_with_their_type_id_and_merge(officer, officer_api):
    keep, duplicate = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    interaction = InteractionFactory(logged_by=officer)
    interaction_id, duplicate_id = interaction.pk, duplicate.pk
    interactions.interaction_delete(interaction=interaction, actor=officer)
    contacts.stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    response = officer_api.get(FEED)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(row["type"], row["id"], row["merged_into"]) for row in results] == [
        ("interaction", interaction_id, None),
        ("stakeholder", duplicate_id, keep.pk),
    ]
    assert results[0]["deleted_at"].endswith("Z")


def test_the_feed_filters_by_since_and_type(officer_api):
    now = timezone.now()
    old = Deletion.objects.create(record_type="tag", record_id=1, deleted_at=now - dt.timedelta(days=2))
    Deletion.objects.create(record_type="interaction", record_id=2, deleted_at=now - dt.timedelta(hours=1))
    recent_tag = Deletion.objects.create(record_type="tag", record_id=3, deleted_at=now)

    since = (now - dt.timedelta(days=1)).isoformat()
    recent = officer_api.get(FEED, {"since": since}).json()["results"]
    tags = officer_api.get(FEED, {"type": "tag"}).json()["results"]
    recent_tags = officer_api.get(FEED, {"since": since, "type": "tag"}).json()["results"]

    assert [row["id"] for row in recent] == [2, recent_tag.record_id]
    assert [row["id"] for row in tags] == [old.record_id, recent_tag.record_id]
    assert [row["id"] for row in recent_tags] == [recent_tag.record_id]


def test_the_feed_pages_with_a_cursor_without_skipping_deletions_of_the_same_moment(officer_api):
    moment = timezone.now()
    Deletion.objects.bulk_create(
        Deletion(record_type="tag", record_id=record_id, deleted_at=moment) for record_id in range(1, 6)
    )
    seen, url = [], FEED + "?page_size=2"
    while url:
        page = officer_api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"since": "yesterday"}, "since"), ({"type": "meeting"}, "type"), ({"cursor": "nonsense"}, "cursor")],
)
def test_bad_input_is_refused_with_a_clear_400(officer_api, query, field):
    response = officer_api.get(FEED, query)
    assert response.status_code == 400
    assert field in response.json()


def test_a_since_older_than_what_is_kept_is_answered_410(officer_api, settings):
    settings.API_DELETIONS_KEEP_DAYS = 30
    too_old = (timezone.now() - dt.timedelta(days=31)).isoformat()
    response = officer_api.get(FEED, {"since": too_old})
    assert response.status_code == 410
    assert "Sync everything again" in response.json()["detail"]


def test_tombstones_older_than_what_is_kept_are_pruned(settings):
    settings.API_DELETIONS_KEEP_DAYS = 30
    now = timezone.now()
    Deletion.objects.create(record_type="tag", record_id=1, deleted_at=now - dt.timedelta(days=31))
    kept = Deletion.objects.create(record_type="tag", record_id=2, deleted_at=now - dt.timedelta(days=29))
    assert purge_expired_deletions() == 1
    assert list(Deletion.objects.all()) == [kept]


@pytest.mark.parametrize(
    ("reader", "sees"),
    [
        ("officer", True),
        ("colleague", False),
        ("other_officer", False),
        ("manager", True),
        ("other_manager", False),
        ("admin_user", True),
    ],
)
def test_a_confidential_interactions_deletion_is_listed_only_to_who_could_read_it(
    request, officer, reader, sees
):
    interaction = InteractionFactory(logged_by=officer, is_confidential=True)
    interaction_id = interaction.pk
    interactions.interaction_delete(interaction=interaction, actor=officer)
    api = client_with_token(token_for(request.getfixturevalue(reader)))
    listed = [row["id"] for row in api.get(FEED).json()["results"]]
    assert listed == ([interaction_id] if sees else [])


def test_a_confidential_interactions_deletion_is_listed_to_the_owner_of_its_stakeholder(
    officer, other_officer
):
    theirs = StakeholderFactory(owner=other_officer)
    interaction = InteractionFactory(logged_by=officer, is_confidential=True, stakeholders=[theirs])
    interaction_id = interaction.pk
    interactions.interaction_delete(interaction=interaction, actor=officer)
    listed = client_with_token(token_for(other_officer)).get(FEED).json()["results"]
    assert [row["id"] for row in listed] == [interaction_id]


@pytest.mark.parametrize("rows", [3, 12])
def test_the_feed_runs_the_same_queries_however_many_rows(
    officer, manager, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        interaction = InteractionFactory(logged_by=officer, is_confidential=True)
        interactions.interaction_delete(interaction=interaction, actor=officer)
    api = client_with_token(token_for(manager))
    # the token with its user, recording its first use; the user's groups (manager or not); the page.
    with django_assert_max_num_queries(4):
        response = api.get(FEED)
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize(
    "reader", ["officer", "colleague", "other_officer", "manager", "other_manager", "admin_user"]
)
def test_an_interaction_made_confidential_is_listed_hidden_to_exactly_those_who_can_no_longer_read_it(
    request, officer, reader
):
    interaction = InteractionFactory(logged_by=officer)
    interactions.interaction_update(interaction=interaction, actor=officer, is_confidential=True)
    api = client_with_token(token_for(request.getfixturevalue(reader)))

    still_listed = interaction.pk in [row["id"] for row in api.get("/api/v1/interactions/").json()["results"]]
    hidden = [(row["id"], row["reason"]) for row in api.get(FEED).json()["results"]]

    assert hidden == ([] if still_listed else [(interaction.pk, "hidden")])
    assert still_listed is (reader in {"officer", "manager", "admin_user"})


def test_an_interaction_made_confidential_on_its_edit_page_is_listed_hidden(
    officer, officer_client, other_officer
):
    """The edit form writes its input onto the interaction before the service reads who could see it: the
    service took it for confidential all along and listed nothing."""
    interaction = InteractionFactory(logged_by=officer)
    stakeholder = interaction.stakeholders.get()

    response = officer_client.post(
        reverse("interactions:edit", args=[interaction.pk]),
        log_data(stakeholder, summary=interaction.summary, is_confidential="on"),
    )

    assert response.status_code == 302
    feed = client_with_token(token_for(other_officer)).get(FEED).json()["results"]
    assert [(row["id"], row["reason"]) for row in feed] == [(interaction.pk, "hidden")]


def test_a_confidential_interaction_taken_from_a_stakeholder_is_listed_hidden_to_its_owner_and_their_manager(
    officer, other_officer, manager, other_manager
):
    theirs, ours = StakeholderFactory(owner=other_officer), StakeholderFactory(owner=officer)
    interaction = InteractionFactory(logged_by=officer, is_confidential=True, stakeholders=[theirs, ours])
    interactions.interaction_update(interaction=interaction, actor=officer, stakeholders=[ours])

    def listed(user):
        return [row["id"] for row in client_with_token(token_for(user)).get(FEED).json()["results"]]

    assert listed(other_officer) == listed(other_manager) == [interaction.pk]
    assert listed(officer) == listed(manager) == []


def test_changes_that_take_no_reader_away_are_not_listed(officer, other_officer):
    public = InteractionFactory(logged_by=officer)
    confidential = InteractionFactory(logged_by=officer, is_confidential=True)
    interactions.interaction_update(interaction=public, actor=officer, summary="Still for everyone")
    interactions.interaction_update(interaction=confidential, actor=officer, summary="Still for the same few")
    interactions.interaction_update(
        interaction=confidential,
        actor=officer,
        stakeholders=[*confidential.stakeholders.all(), StakeholderFactory(owner=other_officer)],
    )
    interactions.interaction_update(interaction=confidential, actor=officer, is_confidential=False)
    assert tombstones() == []
