"""Every API endpoint and method against the whole cast, each with its own API token.

As on the site (tests/security/test_permission_matrix.py), the records are the officer's (team A) and a
confidential interaction of theirs carries MARKER; it is also the meeting's held interaction, a
commitment's source and linked to a concern, so nested fields, searches and lists are all asked. No answer
may show MARKER to those who may not read it, and a refused write leaves the database as it was.

`test_every_endpoint_and_method_is_in_the_matrix` walks the API's URL patterns and the methods each view
set answers: a new endpoint, or a new method on one, fails the suite until it is added here.
"""

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import ActionItem, Attendee
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    ObjectiveFactory,
    OrganisationFactory,
    StakeholderFactory,
)
from ..security.test_permission_matrix import _database
from .conftest import CAST

pytestmark = pytest.mark.django_db

MARKER = "Zanzibarite"
OUTSIDERS = ["colleague", "other_officer", "other_manager"]
SEES_CONFIDENTIAL = {"officer", "manager", "admin_user"}
OFFICERS = ["officer", "colleague", "other_officer"]
EVERYONE = dict.fromkeys(CAST, 200)
CONFIDENTIAL = dict.fromkeys(CAST, 404) | dict.fromkeys(SEES_CONFIDENTIAL, 200)
OWNER_AND_ADMINS = dict.fromkeys(CAST, 404) | {"officer": 200, "admin_user": 200}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def records(officer, colleague):
    """One of everything, the officer's; each value is the URL's keyword arguments."""
    organisation = OrganisationFactory(name="Riverside Water")
    stakeholder = StakeholderFactory(owner=officer, name="Margaret Okafor")
    affiliation = AffiliationFactory(stakeholder=stakeholder, organisation=organisation)
    objective = ObjectiveFactory(stakeholder=stakeholder)
    interaction = InteractionFactory(
        logged_by=officer,
        stakeholders=[stakeholder],
        organisation=organisation,
        follow_up_on=timezone.localdate(),
    )
    confidential = InteractionFactory(
        logged_by=officer,
        stakeholders=[stakeholder],
        organisation=organisation,
        summary=f"{MARKER} pension deficit",
        notes=f"{MARKER} said more than they should",
        is_confidential=True,
    )
    meeting = MeetingFactory(
        organiser=officer, starts_at=timezone.now() - dt.timedelta(hours=3), interaction=confidential
    )
    guest = Attendee.objects.create(meeting=meeting, stakeholder=stakeholder)
    Attendee.objects.create(meeting=meeting, user=colleague)
    document = meeting_services.document_attach(
        meeting=meeting, actor=officer, upload=SimpleUploadedFile("pack.pdf", b"%PDF-1.4 agenda pack")
    )
    action = ActionItem.objects.create(
        meeting=meeting, description="Send the timetable", owner_user=officer, created_by=officer
    )
    commitment = CommitmentFactory(stakeholder=stakeholder, source_interaction=confidential)
    concern = ConcernFactory(stakeholder=stakeholder)
    concern.interactions.add(confidential)
    endpoint = webhook_endpoint_create(
        owner=officer, url="https://hooks.example/crm", events=["meeting.held"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="meeting.held", event_id=uuid.uuid4(), payload={}
    )
    tag = stakeholder.tags.create(name="water")
    return {
        "organisation": {"pk": organisation.pk},
        "stakeholder": {"pk": stakeholder.pk},
        "affiliation": {"pk": affiliation.pk},
        "objective": {"pk": objective.pk},
        "tag": {"pk": tag.pk},
        "interaction": {"pk": interaction.pk},
        "confidential": {"pk": confidential.pk},
        "user": {"pk": officer.pk},
        "team": {"pk": officer.team_id},
        "webhook": {"pk": endpoint.pk},
        "delivery": {"pk": delivery.pk},
        "meeting": {"pk": meeting.pk},
        "documents": {"meeting_pk": meeting.pk},
        "document": {"meeting_pk": meeting.pk, "pk": document.pk},
        "action": {"pk": action.pk},
        "commitment": {"pk": commitment.pk},
        "concern": {"pk": concern.pk},
        # Ids a write's body names.
        "ids": {
            "stakeholder": stakeholder.pk,
            "organisation": organisation.pk,
            "interaction": interaction.pk,
            "confidential": confidential.pk,
            "guest": guest.pk,
            "meeting": meeting.pk,
            "officer": officer.pk,
            "colleague": colleague.pk,
        },
    }


def _url(records, name, record):
    return reverse(f"api:{name}", kwargs=records[record] if record else {})


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


# (URL name, record, query, answers to a GET by role). Lists answer everyone; what is in them is checked.
READS = [
    ("organisation-list", None, {}, EVERYONE),
    ("organisation-detail", "organisation", {}, EVERYONE),
    ("stakeholder-list", None, {}, EVERYONE),
    ("stakeholder-list", None, {"search": "Okafor"}, EVERYONE),
    ("stakeholder-detail", "stakeholder", {}, EVERYONE),
    ("affiliation-list", None, {}, EVERYONE),
    ("affiliation-detail", "affiliation", {}, EVERYONE),
    ("objective-list", None, {}, EVERYONE),
    ("objective-detail", "objective", {}, EVERYONE),
    ("tag-list", None, {}, EVERYONE),
    ("tag-detail", "tag", {}, EVERYONE),
    ("interaction-list", None, {}, EVERYONE),
    ("interaction-list", None, {"search": "pension deficit"}, EVERYONE),
    ("interaction-list", None, {"confidential": "true"}, EVERYONE),
    ("interaction-detail", "interaction", {}, EVERYONE),
    ("interaction-detail", "confidential", {}, CONFIDENTIAL),
    ("user-list", None, {}, EVERYONE),
    ("user-detail", "user", {}, EVERYONE),
    ("team-list", None, {}, EVERYONE),
    ("team-detail", "team", {}, EVERYONE),
    # A tool's webhooks and their log are its owner's (and administrators').
    ("webhook-list", None, {}, EVERYONE),
    ("webhook-detail", "webhook", {}, OWNER_AND_ADMINS),
    ("webhook-delivery-list", None, {}, EVERYONE),
    ("webhook-delivery-detail", "delivery", {}, OWNER_AND_ADMINS),
    ("meeting-list", None, {}, EVERYONE),
    ("meeting-list", None, {"when": "past"}, EVERYONE),
    ("meeting-detail", "meeting", {}, EVERYONE),
    ("meeting-document-list", "documents", {}, EVERYONE),
    ("meeting-document-detail", "document", {}, EVERYONE),
    ("action-item-list", None, {}, EVERYONE),
    ("action-item-detail", "action", {}, EVERYONE),
    ("commitment-list", None, {}, EVERYONE),
    ("commitment-detail", "commitment", {}, EVERYONE),
    ("concern-list", None, {}, EVERYONE),
    ("concern-detail", "concern", {}, EVERYONE),
    # Who hears of which deletion is tests/api/test_deletions.py's.
    ("deletion-list", None, {}, EVERYONE),
]


@pytest.mark.parametrize(
    ("name", "record", "query", "expected"),
    READS,
    ids=[
        f"{name}{'?' + '&'.join(query) if query else ''}[{record or ''}]" for name, record, query, _ in READS
    ],
)
def test_reads_answer_each_role_as_the_rules_say(api_as, records, name, record, query, expected):
    url = _url(records, name, record)
    assert api_as(None).get(url, query).status_code == 401
    answers = {}
    for who in CAST:
        response = api_as(who).get(url, query)
        answers[who] = response.status_code
        if who not in SEES_CONFIDENTIAL:
            assert MARKER not in _text(response), f"{who} read the confidential interaction at {url}"
    assert answers == expected, url


@pytest.mark.parametrize(
    ("name", "record", "query"),
    [
        ("interaction-list", None, {}),
        # Found by the API's search and its confidential filter, by those who may read it only.
        ("interaction-list", None, {"search": "pension deficit"}),
        ("interaction-list", None, {"confidential": "true"}),
        ("interaction-detail", "confidential", {}),
        ("meeting-detail", "meeting", {}),
        ("commitment-detail", "commitment", {}),
        ("concern-detail", "concern", {}),
    ],
)
def test_the_confidential_interaction_is_there_for_those_who_may_read_it(
    api_as, records, name, record, query
):
    url = _url(records, name, record)
    assert {who for who in CAST if MARKER in _text(api_as(who).get(url, query))} == SEES_CONFIDENTIAL


def test_a_tools_webhooks_are_listed_to_its_owner_and_administrators_only(api_as, records):
    for who in CAST:
        hooks = api_as(who).get(reverse("api:webhook-list")).json()["results"]
        deliveries = api_as(who).get(reverse("api:webhook-delivery-list")).json()["results"]
        expected = 1 if who in {"officer", "admin_user"} else 0
        assert (len(hooks), len(deliveries)) == (expected, expected), who


def _body(records, body):
    """A write's body, with ids named by the records (`"@stakeholder"`) and a fresh file for uploads."""
    if body == "file":
        return {"file": SimpleUploadedFile("more.pdf", b"%PDF-1.4 more")}, "multipart"
    ids = records["ids"]

    def resolve(value):
        if isinstance(value, str) and value.startswith("@"):
            return ids[value[1:]]
        if isinstance(value, list):
            return [resolve(item) for item in value]
        return value

    return {key: resolve(value) for key, value in (body or {}).items()}, "json"


SOON = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
# (method, URL name, record, body, who may not: each gets 403 or 404 and nothing changes,
#  who may: (role, status) or None where tests/api/test_<resource>.py covers it).
WRITES = [
    ("post", "organisation-list", None, {"name": "Harbour Board", "kind": "partner"}, [], ("colleague", 201)),
    # The organisation register is kept by all staff.
    ("patch", "organisation-detail", "organisation", {"sector": "Water"}, [], ("other_officer", 200)),
    ("put", "organisation-detail", "organisation", {"name": "Riverside", "kind": "partner"}, [], None),
    ("post", "stakeholder-list", None, {"name": "Ana Costa"}, [], ("other_officer", 201)),
    (
        "patch",
        "stakeholder-detail",
        "stakeholder",
        {"notes": "Prefers mornings"},
        OUTSIDERS,
        ("manager", 200),
    ),
    ("put", "stakeholder-detail", "stakeholder", {"name": "Margaret Okafor"}, OUTSIDERS, None),
    ("post", "stakeholder-archive", "stakeholder", {}, OUTSIDERS, ("officer", 200)),
    ("post", "stakeholder-restore", "stakeholder", {}, OUTSIDERS, None),
    # A portfolio handover between two officers of team A: its manager and administrators.
    (
        "post",
        "stakeholder-handover",
        None,
        {"from_officer": "@officer", "to_officer": "@colleague"},
        [*OFFICERS, "other_manager"],
        ("manager", 200),
    ),
    (
        "post",
        "affiliation-list",
        None,
        {"stakeholder": "@stakeholder", "organisation": "@organisation", "role": "Chair"},
        OUTSIDERS,
        ("manager", 201),
    ),
    ("patch", "affiliation-detail", "affiliation", {"role": "Chair"}, OUTSIDERS, ("officer", 200)),
    ("put", "affiliation-detail", "affiliation", {"role": "Chair"}, OUTSIDERS, None),
    ("post", "affiliation-end", "affiliation", {}, OUTSIDERS, ("admin_user", 200)),
    (
        "post",
        "objective-list",
        None,
        {"stakeholder": "@stakeholder", "description": "Co-host the spring forum"},
        OUTSIDERS,
        ("manager", 201),
    ),
    (
        "patch",
        "objective-detail",
        "objective",
        {"description": "Co-host the forum"},
        OUTSIDERS,
        ("officer", 200),
    ),
    ("put", "objective-detail", "objective", {"description": "Co-host the forum"}, OUTSIDERS, None),
    ("post", "objective-achieve", "objective", {}, OUTSIDERS, ("manager", 200)),
    ("post", "objective-drop", "objective", {}, OUTSIDERS, ("admin_user", 200)),
    ("post", "objective-reopen", "objective", {}, OUTSIDERS, ("officer", 200)),
    ("post", "tag-list", None, {"name": "energy"}, [], ("officer", 201)),
    # Tags are the shared vocabulary: managers rename and remove them.
    ("patch", "tag-detail", "tag", {"name": "rivers"}, OFFICERS, ("other_manager", 200)),
    ("put", "tag-detail", "tag", {"name": "rivers"}, OFFICERS, None),
    ("delete", "tag-detail", "tag", {}, OFFICERS, ("manager", 204)),
    (
        "post",
        "interaction-list",
        None,
        {
            "kind": "call",
            "occurred_at": "2025-01-06T10:00:00Z",
            "summary": "Call",
            "stakeholders": ["@stakeholder"],
        },
        [],
        ("other_officer", 201),
    ),
    ("patch", "interaction-detail", "interaction", {"outcome": "Agreed"}, OUTSIDERS, ("manager", 200)),
    ("put", "interaction-detail", "interaction", {"summary": "Call"}, OUTSIDERS, None),
    ("delete", "interaction-detail", "interaction", {}, OUTSIDERS, ("officer", 204)),
    ("patch", "interaction-detail", "confidential", {"outcome": "Agreed"}, OUTSIDERS, ("manager", 200)),
    ("delete", "interaction-detail", "confidential", {}, OUTSIDERS, ("admin_user", 204)),
    ("post", "interaction-complete-follow-up", "interaction", {}, OUTSIDERS, ("officer", 200)),
    ("post", "interaction-reopen-follow-up", "interaction", {}, OUTSIDERS, None),
    ("post", "webhook-list", None, {"url": "https://hooks.example/x", "events": ["meeting.held"]}, [], None),
    ("patch", "webhook-detail", "webhook", {"active": False}, [*OUTSIDERS, "manager"], ("admin_user", 200)),
    ("put", "webhook-detail", "webhook", {"active": False}, [*OUTSIDERS, "manager"], None),
    ("delete", "webhook-detail", "webhook", {}, [*OUTSIDERS, "manager"], ("officer", 204)),
    ("post", "meeting-list", None, {"title": "Review", "starts_at": SOON.isoformat()}, [], None),
    ("patch", "meeting-detail", "meeting", {"location": "Room 4"}, OUTSIDERS, ("manager", 200)),
    ("put", "meeting-detail", "meeting", {"title": "Review"}, OUTSIDERS, None),
    ("post", "meeting-cancel", "meeting", {}, OUTSIDERS, ("officer", 200)),
    ("post", "meeting-mark-held", "meeting", {}, OUTSIDERS, None),
    # The colleague is invited, but a stakeholder's reply is the organiser's to record.
    (
        "post",
        "meeting-rsvp",
        "meeting",
        {"attendee": "@guest", "rsvp": "accepted"},
        OUTSIDERS,
        ("officer", 200),
    ),
    ("post", "meeting-document-list", "documents", "file", OUTSIDERS, ("manager", 201)),
    ("delete", "meeting-document-detail", "document", {}, OUTSIDERS, ("officer", 204)),
    ("patch", "action-item-detail", "action", {"status": "done"}, OUTSIDERS, ("officer", 200)),
    (
        "post",
        "action-item-list",
        None,
        {"meeting": "@meeting", "description": "Book a room", "owner_user": "@officer"},
        OUTSIDERS,
        ("manager", 201),
    ),
    (
        "post",
        "commitment-list",
        None,
        {"description": "Send the figures", "stakeholder": "@stakeholder", "direction": "we_promised"},
        [],
        ("other_manager", 201),
    ),
    ("patch", "commitment-detail", "commitment", {"description": "Send it"}, OUTSIDERS, ("manager", 200)),
    ("put", "commitment-detail", "commitment", {"description": "Send it"}, OUTSIDERS, None),
    ("post", "commitment-fulfil", "commitment", {}, OUTSIDERS, ("officer", 200)),
    ("post", "commitment-cancel", "commitment", {}, OUTSIDERS, None),
    ("post", "commitment-mark-broken", "commitment", {}, OUTSIDERS, None),
    ("post", "commitment-reopen", "commitment", {}, OUTSIDERS, None),
    (
        "post",
        "concern-list",
        None,
        {"title": "Noise", "stakeholder": "@stakeholder", "severity": 2},
        [],
        ("colleague", 201),
    ),
    ("patch", "concern-detail", "concern", {"title": "Night noise"}, OUTSIDERS, ("manager", 200)),
    ("put", "concern-detail", "concern", {"title": "Night noise"}, OUTSIDERS, None),
    ("post", "concern-in-progress", "concern", {}, OUTSIDERS, ("officer", 200)),
    ("post", "concern-resolve", "concern", {"resolution": "Moved"}, OUTSIDERS, None),
    ("post", "concern-reopen", "concern", {}, OUTSIDERS, None),
    (
        "post",
        "concern-link-interaction",
        "concern",
        {"interaction": "@interaction"},
        OUTSIDERS,
        ("officer", 200),
    ),
    (
        "post",
        "concern-unlink-interaction",
        "concern",
        {"interaction": "@confidential"},
        OUTSIDERS,
        ("manager", 200),
    ),
]


@pytest.mark.parametrize(
    ("method", "name", "record", "body", "forbidden", "allowed"),
    WRITES,
    ids=[f"{method.upper()} {name}[{record or ''}]" for method, name, record, *_ in WRITES],
)
def test_writes_are_refused_to_whom_the_rules_say_and_change_nothing(
    api_as, records, method, name, record, body, forbidden, allowed
):
    url = _url(records, name, record)
    before = _database(tokens=False)
    data, format_ = _body(records, body)
    assert getattr(api_as(None), method)(url, data, format=format_).status_code == 401
    for who in forbidden:
        data, format_ = _body(records, body)
        response = getattr(api_as(who), method)(url, data, format=format_)
        assert response.status_code in (403, 404), f"{who}: {response.status_code} {response.content[:200]}"
    assert _database(tokens=False) == before
    if allowed:
        who, status = allowed
        data, format_ = _body(records, body)
        response = getattr(api_as(who), method)(url, data, format=format_)
        assert response.status_code == status, f"{who}: {response.content[:300]}"


def _endpoints(patterns, namespace=""):
    """(URL name, method) for every route of the API, from the view sets' own method maps."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _endpoints(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and namespace == "api:":
            view = pattern.callback
            for method in getattr(view, "actions", {}):
                if method in view.cls.http_method_names and method not in ("head", "options"):
                    yield pattern.name, method


def test_every_endpoint_and_method_is_in_the_matrix():
    endpoints = set(_endpoints(get_resolver().url_patterns))
    covered = {(name, "get") for name, *_ in READS} | {(name, method) for method, name, *_ in WRITES}
    assert endpoints - covered == set(), "add these endpoints to the API permission matrix"
    assert covered - endpoints == set(), "the matrix names endpoints that no longer exist"
