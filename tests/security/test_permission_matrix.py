"""Who may open what, and who may change what: every named page of the site against the whole cast.

The records belong to `officer` (team A). `colleague` is in team A too, `manager` leads team A,
`other_officer` and `other_manager` are team B, `admin_user` administers everything. A confidential
interaction of the officer's carries MARKER in its summary and notes and is linked from everything that can
point to an interaction (the stakeholder's timeline, the organisation's, a commitment, a concern, a meeting),
so no page may show MARKER to those who may not read it.

`test_every_page_is_in_the_matrix` walks the URL resolver: a new page fails the suite until it is added
here, with the answer each member of the cast should get. The API has its matrix in
tests/api/test_permission_matrix.py.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.services import api_token_create
from contacts.models import Stakeholder, Tag
from dashboards.exports import EXPORTS
from imports.services import import_job_create
from mailin.services import inbound_message_discard, inbound_message_receive
from meetings import services as meeting_services
from meetings.feeds import calendar_feed_reset
from meetings.models import ActionItem, Attendee, MeetingStatus
from outbox.services import message_enqueue

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
from ..mailin.test_capture import email_bytes

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "officer", "colleague", "other_officer", "manager", "other_manager", "admin_user"]
STAFF = ROLES[1:]
# Those who may not read the officer's confidential interaction, nor change the officer's records.
OUTSIDERS = ["colleague", "other_officer", "other_manager"]
MARKER = "Zanzibarite"

EVERYONE = dict.fromkeys(STAFF, 200)
OWNER_AND_MANAGERS = {
    "officer": 200,
    "colleague": 403,
    "other_officer": 403,
    "manager": 200,
    "other_manager": 403,
    "admin_user": 200,
}
CONFIDENTIAL = {
    "officer": 200,
    "colleague": 404,
    "other_officer": 404,
    "manager": 200,
    "other_manager": 404,
    "admin_user": 200,
}
# A stakeholder's action: its meeting's organiser, whoever chases it, and the managers of either.
ORGANISER_AND_CHASER = OWNER_AND_MANAGERS | {"other_officer": 200, "other_manager": 200}
# Imports: the uploader and administrators; to anyone else the file does not exist.
UPLOADER = dict.fromkeys(STAFF, 404) | {"officer": 200, "admin_user": 200}
MANAGERS = {
    "officer": 403,
    "colleague": 403,
    "other_officer": 403,
    "manager": 200,
    "other_manager": 200,
    "admin_user": 200,
}
ADMINS_ONLY = dict.fromkeys(STAFF, 403) | {"admin_user": 200}
# A portfolio handover between two officers of team A: its manager and administrators.
TEAM_MANAGERS = MANAGERS | {"other_manager": 403}


@pytest.fixture(autouse=True)
def fast_setup(settings, tmp_path):
    """Uploads kept in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INBOUND_EMAIL_SECRET = "test-secret"


@pytest.fixture
def records(officer, colleague, other_officer):
    """One of everything, all the officer's; the value of each key is the URL's arguments (and query)."""
    organisation = OrganisationFactory(name="Riverside Water")
    stakeholder = StakeholderFactory(owner=officer, name="Margaret Okafor", emails=["m.okafor@river.example"])
    twin = StakeholderFactory(owner=officer, name="Margret Okafor", emails=["m.okafor@river.example"])
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
    meeting = MeetingFactory(organiser=officer, organisation=organisation)
    # Under way: only then is it recorded as held.
    started = MeetingFactory(
        organiser=officer,
        organisation=organisation,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    held = MeetingFactory(
        organiser=officer,
        organisation=organisation,
        starts_at=timezone.now() - dt.timedelta(days=1),
        status=MeetingStatus.HELD,
        held_at=timezone.now(),
        minutes="Agreed the timetable.",
    )
    guest = Attendee.objects.create(meeting=meeting, stakeholder=stakeholder)
    Attendee.objects.create(meeting=meeting, user=colleague)
    document = meeting_services.document_attach(
        meeting=meeting, actor=officer, upload=SimpleUploadedFile("pack.pdf", b"%PDF-1.4 agenda pack")
    )
    action = ActionItem.objects.create(
        meeting=meeting, description="Send the timetable", owner_user=officer, created_by=officer
    )
    owed = ActionItem.objects.create(
        meeting=meeting,
        description="Send us the survey",
        owner_stakeholder=stakeholder,
        # Chased by another team's officer: the chaser's right is not the organiser's over again.
        chaser=other_officer,
        created_by=officer,
    )
    commitment = CommitmentFactory(stakeholder=stakeholder, source_interaction=confidential)
    concern = ConcernFactory(stakeholder=stakeholder)
    concern.interactions.add(confidential)
    job = import_job_create(
        actor=officer, kind="stakeholders", upload=SimpleUploadedFile("people.csv", b"Name\nAna Costa\n")
    )
    mail, _created = inbound_message_receive(
        raw=email_bytes(
            sender=officer.email, to=["stranger@elsewhere.example"], attach=[("brief.pdf", b"%PDF-1.4")]
        )
    )
    set_aside, _created = inbound_message_receive(
        raw=email_bytes(sender=officer.email, to=["other@elsewhere.example"], subject="Set aside")
    )
    inbound_message_discard(message=set_aside, actor=officer)
    outgoing = message_enqueue(
        key="matrix:1", kind="meeting_reminder", to="ama@example.org", subject="Reminder", body="At 10."
    )
    token, _key = api_token_create(user=officer, name="laptop", actor=officer)
    tag = Tag.objects.create(name="Water")
    stakeholder.tags.add(tag)
    pair = {"keep": stakeholder.pk, "duplicate": twin.pk}
    return {
        None: ((), {}),
        "stakeholder": ((stakeholder.pk,), {}),
        "affiliation": ((stakeholder.pk, affiliation.pk), {}),
        "objective": ((objective.pk,), {}),
        "organisation": ((organisation.pk,), {}),
        "interaction": ((interaction.pk,), {}),
        "confidential": ((confidential.pk,), {}),
        "meeting": ((meeting.pk,), {}),
        "held": ((held.pk,), {}),
        "started": ((started.pk,), {}),
        "guest": ((meeting.pk, guest.pk), {}),
        "document": ((meeting.pk, document.pk), {}),
        "action": ((action.pk,), {}),
        "commitment": ((commitment.pk,), {}),
        "concern": ((concern.pk,), {}),
        "linked": ((concern.pk, confidential.pk), {}),
        "job": ((job.pk,), {}),
        "mail": ((mail.pk,), {}),
        "set_aside": ((set_aside.pk,), {}),
        "attachment": ((mail.pk, mail.attachments.get().pk), {}),
        "outgoing": ((outgoing.pk,), {}),
        "token": ((token.pk,), {}),
        "tag": ((tag.pk,), {}),
        "pair": ((), pair),
        "handover": ((), {"from_officer": officer.pk, "to_officer": colleague.pk}),
        "search": ((), {"q": "pension deficit"}),
        "lookup": ((), {"q": "Okafor"}),
        "report": ((), {"stakeholder": stakeholder.pk, "since": "2000-01-01", "until": "2100-01-01"}),
        # Write bodies: what a form would send.
        "rsvp": ((meeting.pk, guest.pk), {"rsvp": "accepted"}),
        "link": ((concern.pk,), {"interaction": interaction.pk}),
        "status": ((action.pk,), {"status": "done"}),
        "owed": ((owed.pk,), {}),
        "owed_chaser": ((owed.pk,), {"chaser": colleague.pk}),
        "new_action": ((meeting.pk,), {"description": "Book the room", "owner": f"user:{officer.pk}"}),
        "new_decision": ((held.pk,), {"text": "Meet monthly"}),
        "minutes": ((held.pk,), {"minutes": "Agreed the timetable and the venue."}),
        "attended": ((held.pk,), {"attended": []}),
        "new_objective": ((stakeholder.pk,), {"description": "Co-host the spring forum"}),
        "objective_status": ((objective.pk,), {"status": "achieved"}),
        "revoke": ((token.pk,), {}),
        "rename": ((tag.pk,), {"name": "Waterways"}),
        "upload": ((meeting.pk,), {"file": SimpleUploadedFile("more.pdf", b"%PDF-1.4 more")}),
    }


# (URL name, record, answers to a GET by role). Pages that only take a POST are in WRITES.
PAGES = [
    ("home", None, dict.fromkeys(STAFF, 302)),
    # contacts
    ("contacts:stakeholder_list", None, EVERYONE),
    ("contacts:stakeholder_create", None, EVERYONE),
    ("contacts:stakeholder_lookup", "lookup", EVERYONE),
    ("contacts:stakeholder_export_vcard", None, EVERYONE),
    ("contacts:stakeholder_duplicates", None, EVERYONE),
    ("contacts:stakeholder_merge", "pair", OWNER_AND_MANAGERS),
    # Managers choose among their own team's officers; the preview is for a manager of both.
    ("contacts:stakeholder_handover", None, MANAGERS),
    ("contacts:stakeholder_handover", "handover", TEAM_MANAGERS),
    ("contacts:stakeholder_vcard", "stakeholder", EVERYONE),
    ("contacts:stakeholder_detail", "stakeholder", EVERYONE),
    ("contacts:stakeholder_edit", "stakeholder", OWNER_AND_MANAGERS),
    ("contacts:stakeholder_archive", "stakeholder", OWNER_AND_MANAGERS),
    ("contacts:affiliation_create", "stakeholder", OWNER_AND_MANAGERS),
    ("contacts:affiliation_edit", "affiliation", OWNER_AND_MANAGERS),
    ("contacts:objective_edit", "objective", OWNER_AND_MANAGERS),
    # The tags are everyone's vocabulary; managers rename and remove them (WRITES).
    ("contacts:tag_list", None, EVERYONE),
    ("contacts:organisation_list", None, EVERYONE),
    ("contacts:organisation_create", None, EVERYONE),
    ("contacts:organisation_lookup", "lookup", EVERYONE),
    ("contacts:organisation_detail", "organisation", EVERYONE),
    # The organisation register is kept by all staff.
    ("contacts:organisation_edit", "organisation", EVERYONE),
    # interactions
    ("interactions:log", None, EVERYONE),
    ("interactions:detail", "interaction", EVERYONE),
    ("interactions:edit", "interaction", OWNER_AND_MANAGERS),
    ("interactions:delete", "interaction", OWNER_AND_MANAGERS),
    ("interactions:detail", "confidential", CONFIDENTIAL),
    ("interactions:edit", "confidential", CONFIDENTIAL),
    ("interactions:delete", "confidential", CONFIDENTIAL),
    ("interactions:follow_ups", None, EVERYONE),
    # meetings
    ("meetings:list", None, EVERYONE),
    ("meetings:create", None, EVERYONE),
    ("meetings:slot_check", None, EVERYONE),
    ("meetings:detail", "meeting", EVERYONE),
    ("meetings:edit", "meeting", OWNER_AND_MANAGERS),
    ("meetings:cancel", "meeting", OWNER_AND_MANAGERS),
    ("meetings:mark_held", "started", OWNER_AND_MANAGERS),
    ("meetings:action_add", "meeting", OWNER_AND_MANAGERS),
    ("meetings:decision_add", "held", OWNER_AND_MANAGERS),
    ("meetings:minutes_edit", "held", OWNER_AND_MANAGERS),
    ("meetings:ics", "meeting", EVERYONE),
    ("meetings:document_download", "document", EVERYONE),
    ("meetings:my_actions", None, EVERYONE),
    ("meetings:action_chaser", "owed", ORGANISER_AND_CHASER),
    ("meetings:attendance_edit", "held", OWNER_AND_MANAGERS),
    ("meetings:calendar_subscription", None, EVERYONE),
    # commitments and concerns
    ("commitments:list", None, EVERYONE),
    ("commitments:create", None, EVERYONE),
    ("commitments:detail", "commitment", EVERYONE),
    ("commitments:edit", "commitment", OWNER_AND_MANAGERS),
    ("concerns:list", None, EVERYONE),
    ("concerns:create", None, EVERYONE),
    ("concerns:detail", "concern", EVERYONE),
    ("concerns:edit", "concern", OWNER_AND_MANAGERS),
    ("concerns:resolve", "concern", OWNER_AND_MANAGERS),
    # outbox: every message sent to anyone
    ("outbox:message_list", None, ADMINS_ONLY),
    ("outbox:message_detail", "outgoing", ADMINS_ONLY),
    # dashboards, reports and exports
    ("dashboards:my_day", None, EVERYONE),
    ("dashboards:dashboard", None, MANAGERS),
    ("dashboards:freshness", None, MANAGERS),
    ("dashboards:grid", None, EVERYONE),
    ("dashboards:stakeholder_map", "stakeholder", EVERYONE),
    ("dashboards:stakeholder_map_data", "stakeholder", EVERYONE),
    ("dashboards:organisation_map", "organisation", EVERYONE),
    ("dashboards:organisation_map_data", "organisation", EVERYONE),
    ("dashboards:report", None, EVERYONE),
    ("dashboards:report", "report", EVERYONE),
    *[("dashboards:export", f"export:{name}", EVERYONE) for name in EXPORTS],
    # imports: an import belongs to whoever uploaded it
    ("imports:list", None, EVERYONE),
    ("imports:upload", None, EVERYONE),
    ("imports:detail", "job", UPLOADER),
    # Not being checked by a worker: the page is told to reload.
    ("imports:progress", "job", UPLOADER | {"officer": 204, "admin_user": 204}),
    # search
    ("search:results", "search", EVERYONE),
    # captured mail: the sender, their managers and administrators
    ("mailin:list", None, EVERYONE),
    ("mailin:detail", "mail", CONFIDENTIAL),
    ("mailin:attachment", "attachment", CONFIDENTIAL),
    # My account, password and API tokens: each person their own
    ("accounts:account", None, EVERYONE),
    ("accounts:password_change", None, EVERYONE),
    ("accounts:password_change_done", None, EVERYONE),
    ("accounts:api_tokens", None, EVERYONE),
    # history of each record: as its page; recent changes for managers
    ("history:recent", None, MANAGERS),
    ("history:stakeholder", "stakeholder", EVERYONE),
    ("history:position", "stakeholder", EVERYONE),
    ("history:objective", "stakeholder", EVERYONE),
    ("history:organisation", "organisation", EVERYONE),
    ("history:interaction", "interaction", EVERYONE),
    ("history:interaction", "confidential", CONFIDENTIAL),
    ("history:meeting", "meeting", EVERYONE),
    ("history:attendance", "meeting", EVERYONE),
    ("history:action", "meeting", EVERYONE),
    ("history:decision", "meeting", EVERYONE),
    ("history:commitment", "commitment", EVERYONE),
    ("history:concern", "concern", EVERYONE),
    ("history:inbound", "mail", CONFIDENTIAL),
]


def _page_url(records, url_name, record):
    if record and record.startswith("export:"):
        return reverse(url_name, args=[record.split(":", 1)[1]]), {}
    args, query = records[record]
    return reverse(url_name, args=args), query


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize(
    ("url_name", "record", "expected"), PAGES, ids=[f"{name}[{record or ''}]" for name, record, _ in PAGES]
)
def test_page_answers_each_role_as_the_rules_say(client, request, records, url_name, record, expected):
    url, query = _page_url(records, url_name, record)
    response = client.get(url, query)
    assert response.status_code == 302 and response.url.startswith(reverse("login")), f"anonymous on {url}"
    # An API token opens the API, not the site's pages.
    admin = request.getfixturevalue("admin_user")
    key = api_token_create(user=admin, name="pages", actor=admin)[1]
    response = client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 302 and response.url.startswith(reverse("login")), f"token on {url}"
    answers = {}
    for role in STAFF:
        client.force_login(request.getfixturevalue(role))
        response = client.get(url, query)
        answers[role] = response.status_code
        if role in OUTSIDERS:
            assert MARKER.encode() not in _body(response), f"{role} read a confidential interaction on {url}"
    assert answers == expected, url


def _database(*, tokens: bool = True) -> dict:
    """Every row of the CRM's own records (not users or sessions, which signing in touches; nor API tokens
    when the caller makes them to sign in)."""
    state = {}
    for label in (
        "contacts",
        "interactions",
        "meetings",
        "commitments",
        "concerns",
        "imports",
        "mailin",
        "outbox",
        "webhooks",
        "dashboards",
    ):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            state[model._meta.label] = sorted(model.objects.values_list(), key=repr)
    if tokens:
        state["tokens"] = sorted(apps.get_model("accounts.ApiToken").objects.values_list(), key=repr)
    return state


# (URL name, record, who may not do it). Each POSTs what the page's form would.
WRITES = [
    ("contacts:stakeholder_edit", "stakeholder", OUTSIDERS),
    ("contacts:stakeholder_archive", "stakeholder", OUTSIDERS),
    ("contacts:stakeholder_restore", "stakeholder", OUTSIDERS),
    ("contacts:affiliation_create", "stakeholder", OUTSIDERS),
    ("contacts:affiliation_edit", "affiliation", OUTSIDERS),
    ("contacts:objective_add", "new_objective", OUTSIDERS),
    ("contacts:objective_edit", "objective", OUTSIDERS),
    ("contacts:objective_status", "objective_status", OUTSIDERS),
    ("contacts:stakeholder_merge", "pair", OUTSIDERS),
    ("contacts:duplicate_dismiss", "pair", OUTSIDERS),
    ("contacts:stakeholder_handover", "handover", ["officer", *OUTSIDERS]),
    # Any member of staff may ask for a duplicate check (it only queues one).
    ("contacts:duplicates_check", None, []),
    ("contacts:tag_rename", "rename", ["officer", "colleague", "other_officer"]),
    ("contacts:tag_delete", "tag", ["officer", "colleague", "other_officer"]),
    ("interactions:edit", "interaction", OUTSIDERS),
    ("interactions:delete", "interaction", OUTSIDERS),
    ("interactions:delete", "confidential", OUTSIDERS),
    ("interactions:follow_up_toggle", "interaction", OUTSIDERS),
    ("meetings:edit", "meeting", OUTSIDERS),
    ("meetings:cancel", "meeting", OUTSIDERS),
    ("meetings:mark_held", "started", OUTSIDERS),
    ("meetings:action_add", "new_action", OUTSIDERS),
    ("meetings:decision_add", "new_decision", OUTSIDERS),
    ("meetings:minutes_edit", "minutes", OUTSIDERS),
    ("meetings:rsvp", "rsvp", OUTSIDERS),
    ("meetings:document_upload", "upload", OUTSIDERS),
    ("meetings:document_delete", "document", OUTSIDERS),
    ("meetings:action_status", "status", OUTSIDERS),
    ("meetings:action_chaser", "owed_chaser", ["colleague"]),
    ("meetings:attendance_edit", "attended", OUTSIDERS),
    ("commitments:edit", "commitment", OUTSIDERS),
    ("commitments:fulfil", "commitment", OUTSIDERS),
    ("commitments:cancel", "commitment", OUTSIDERS),
    ("commitments:break", "commitment", OUTSIDERS),
    ("commitments:reopen", "commitment", OUTSIDERS),
    ("concerns:edit", "concern", OUTSIDERS),
    ("concerns:in_progress", "concern", OUTSIDERS),
    ("concerns:resolve", "concern", OUTSIDERS),
    ("concerns:reopen", "concern", OUTSIDERS),
    ("concerns:link_interaction", "link", OUTSIDERS),
    ("concerns:unlink_interaction", "linked", OUTSIDERS),
    ("outbox:message_send_again", "outgoing", STAFF[:-1]),
    ("outbox:message_send_current", "outgoing", STAFF[:-1]),
    ("outbox:message_cancel", "outgoing", STAFF[:-1]),
    ("dashboards:refresh", None, ["officer", "colleague", "other_officer"]),
    ("imports:detail", "job", [*OUTSIDERS, "manager"]),
    ("imports:commit", "job", [*OUTSIDERS, "manager"]),
    ("imports:discard", "job", [*OUTSIDERS, "manager"]),
    ("mailin:detail", "mail", OUTSIDERS),
    ("mailin:discard", "mail", OUTSIDERS),
    ("mailin:restore", "set_aside", OUTSIDERS),
    ("accounts:api_token_revoke", "revoke", [*OUTSIDERS, "manager"]),
]


@pytest.mark.parametrize(
    ("url_name", "record", "forbidden"), WRITES, ids=[f"{name}[{record or ''}]" for name, record, _ in WRITES]
)
def test_forbidden_writes_change_nothing(client, request, records, url_name, record, forbidden):
    args, data = records[record]
    url = reverse(url_name, args=args)
    before = _database()
    assert client.post(url, data).status_code == 302  # anonymous: to the login page
    for role in forbidden:
        client.force_login(request.getfixturevalue(role))
        for value in data.values():
            if hasattr(value, "seek"):
                value.seek(0)
        response = client.post(url, data)
        assert response.status_code in (403, 404), f"{role} on {url}: {response.status_code}"
    assert _database() == before


# Pages anyone may open: signing in and out, a forgotten password's reset (the link emailed is the
# credential, tests/accounts/test_passwords.py), the signed inbound mail endpoint (its HMAC signature is,
# tests/mailin/) and the calendar feed (its secret address is, below).
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "mailin:inbound",
    "meetings:calendar_feed",
}
# Not pages of this site: Django's admin, the API (tests/api/test_permission_matrix.py) and its schema and
# documentation (tests/api/test_schema.py), and the benchmark's calibration endpoints, never mounted in a
# normal run.
ELSEWHERE = ("admin:", "api:", "api-schema", "api-docs", "api-redoc", "bench:")


def _named_patterns(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_page_is_in_the_matrix():
    names = {name for name in _named_patterns(get_resolver().url_patterns) if not name.startswith(ELSEWHERE)}
    covered = {name for name, _record, _expected in PAGES} | {name for name, _record, _roles in WRITES}
    assert names - covered - PUBLIC == set(), "add these pages to the permission matrix"
    assert covered - names == set(), "the matrix names pages that no longer exist"


def test_the_calendar_feed_opens_with_its_secret_address_only(client, officer, records):
    token = calendar_feed_reset(user=officer)
    assert client.get(reverse("meetings:calendar_feed", args=[token])).status_code == 200
    assert client.get(reverse("meetings:calendar_feed", args=[token[:-1] + "x"])).status_code == 404
    # Signing in gives no feed of anyone else's.
    client.force_login(officer)
    assert client.get(reverse("meetings:calendar_feed", args=["not-a-token"])).status_code == 404


def test_the_inbound_mail_endpoint_refuses_unsigned_mail(client, officer):
    raw = email_bytes(sender=officer.email, to=["someone@else.example"])
    response = client.post(reverse("mailin:inbound"), raw, content_type="message/rfc822")
    assert response.status_code == 403
    assert apps.get_model("mailin.InboundMessage").objects.count() == 0


# What each role finds of the confidential interaction where it is searched, reported and exported.
SEES_CONFIDENTIAL = {"officer": True, "manager": True, "admin_user": True} | dict.fromkeys(OUTSIDERS, False)


@pytest.mark.parametrize(
    ("url_name", "args", "query"),
    [
        ("search:results", [], {"q": "pension deficit"}),
        ("dashboards:export", ["interactions"], {}),
        ("dashboards:export", ["interactions"], {"q": "pension"}),
        ("dashboards:report", [], "report"),
        ("contacts:stakeholder_detail", "stakeholder", {}),
        ("contacts:organisation_detail", "organisation", {}),
        ("commitments:detail", "commitment", {}),
        ("concerns:detail", "concern", {}),
    ],
)
def test_confidential_interactions_are_found_only_by_those_who_may_read_them(
    client, request, records, url_name, args, query
):
    if isinstance(args, str):
        args = records[args][0]
    if isinstance(query, str):
        query = records[query][1]
    url = reverse(url_name, args=args)
    found = {}
    for role in STAFF:
        client.force_login(request.getfixturevalue(role))
        response = client.get(url, query)
        assert response.status_code == 200, role
        found[role] = MARKER.encode() in _body(response)
    assert found == SEES_CONFIDENTIAL


def test_exports_keep_to_what_the_reader_may_see(client, request, records, other_officer):
    # Another team's confidential interaction, and the officer's: each team's CSV has its own only.
    theirs = InteractionFactory(
        logged_by=other_officer,
        stakeholders=[StakeholderFactory(owner=other_officer)],
        summary="Quillfeather restructuring",
        is_confidential=True,
    )
    url = reverse("dashboards:export", args=["interactions"])
    for role, mine, other in [
        ("officer", True, False),
        ("manager", True, False),
        ("other_officer", False, True),
        ("other_manager", False, True),
        ("colleague", False, False),
        ("admin_user", True, True),
    ]:
        client.force_login(request.getfixturevalue(role))
        body = _body(client.get(url)).decode()
        assert (MARKER in body, theirs.summary in body) == (mine, other), role


def test_the_merge_needs_both_records_editable(client, records, officer, other_officer):
    theirs = StakeholderFactory(owner=other_officer, name="Margaret Okafor")
    mine = Stakeholder.objects.get(name="Margret Okafor")
    for actor in (officer, other_officer):
        client.force_login(actor)
        pair = {"keep": mine.pk, "duplicate": theirs.pk}
        assert client.post(reverse("contacts:stakeholder_merge"), pair).status_code == 403
    assert Stakeholder.objects.filter(pk__in=[mine.pk, theirs.pk], is_archived=False).count() == 2


def test_an_import_cannot_be_committed_by_another_officer_once_checked(client, records, colleague):
    job = apps.get_model("imports.ImportJob").objects.get()
    client.force_login(colleague)
    assert client.post(reverse("imports:commit", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:progress", args=[job.pk])).status_code == 404
    assert apps.get_model("contacts.Stakeholder").objects.filter(name="Ana Costa").count() == 0


@pytest.mark.parametrize(
    ("url_name", "record", "data"),
    [
        ("interactions:follow_up_toggle", "interaction", {}),
        ("meetings:action_status", "action", {"status": "done"}),
    ],
)
def test_after_a_change_the_next_address_stays_on_this_site(client, officer, records, url_name, record, data):
    url = reverse(url_name, args=records[record][0])
    client.force_login(officer)
    response = client.post(url, {**data, "next": "https://evil.example/phish"})
    assert response.status_code == 302 and not response.url.startswith("https://evil.example")
    response = client.post(url, {**data, "next": "/follow-ups/"})
    assert response.url == "/follow-ups/"
