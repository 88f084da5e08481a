"""Who may open what: every signed-in page against the whole cast.

The records belong to `officer` (team A). `colleague` is in team A too, `manager` leads team A,
`other_officer` and `other_manager` are team B, `admin_user` administers everything. The API has its own
matrices in tests/api/.
"""

import pytest
from django.urls import reverse

from ..factories import (
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "officer", "colleague", "other_officer", "manager", "other_manager", "admin_user"]

EVERYONE = dict.fromkeys(ROLES[1:], 200)
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
ADMINS_ONLY = dict.fromkeys(ROLES[1:], 403) | {"admin_user": 200}
MANAGERS = dict.fromkeys(ROLES[1:], 403) | {"manager": 200, "other_manager": 200, "admin_user": 200}


@pytest.fixture
def records(officer):
    stakeholder = StakeholderFactory(owner=officer)
    return {
        "stakeholder": stakeholder,
        "interaction": InteractionFactory(logged_by=officer, stakeholders=[stakeholder]),
        "confidential": InteractionFactory(
            logged_by=officer, stakeholders=[stakeholder], is_confidential=True
        ),
        "meeting": MeetingFactory(organiser=officer),
        "commitment": CommitmentFactory(stakeholder=stakeholder),
        "concern": ConcernFactory(stakeholder=stakeholder),
    }


PAGES = [
    ("home", None, dict.fromkeys(ROLES[1:], 302)),
    ("contacts:stakeholder_list", None, EVERYONE),
    ("contacts:stakeholder_detail", "stakeholder", EVERYONE),
    ("contacts:stakeholder_edit", "stakeholder", OWNER_AND_MANAGERS),
    ("contacts:stakeholder_archive", "stakeholder", OWNER_AND_MANAGERS),
    ("contacts:organisation_list", None, EVERYONE),
    ("interactions:detail", "interaction", EVERYONE),
    ("interactions:edit", "interaction", OWNER_AND_MANAGERS),
    ("interactions:delete", "interaction", OWNER_AND_MANAGERS),
    ("interactions:detail", "confidential", CONFIDENTIAL),
    ("interactions:edit", "confidential", CONFIDENTIAL | {"manager": 200}),
    ("interactions:my_follow_ups", None, EVERYONE),
    ("meetings:list", None, EVERYONE),
    ("meetings:detail", "meeting", EVERYONE),
    ("meetings:edit", "meeting", OWNER_AND_MANAGERS),
    ("meetings:cancel", "meeting", OWNER_AND_MANAGERS),
    ("meetings:mark_held", "meeting", OWNER_AND_MANAGERS),
    ("meetings:my_actions", None, EVERYONE),
    ("commitments:list", None, EVERYONE),
    ("commitments:detail", "commitment", EVERYONE),
    ("commitments:edit", "commitment", OWNER_AND_MANAGERS),
    ("concerns:list", None, EVERYONE),
    ("concerns:detail", "concern", EVERYONE),
    ("concerns:edit", "concern", OWNER_AND_MANAGERS),
    ("outbox:message_list", None, ADMINS_ONLY),
    ("history:recent", None, MANAGERS),
    ("history:stakeholder", "stakeholder", EVERYONE),
    ("history:interaction", "interaction", EVERYONE),
    ("history:interaction", "confidential", CONFIDENTIAL),
    ("history:meeting", "meeting", EVERYONE),
    ("history:action", "meeting", EVERYONE),
    ("history:commitment", "commitment", EVERYONE),
    ("history:concern", "concern", EVERYONE),
]


@pytest.mark.parametrize(("url_name", "record", "expected"), PAGES, ids=lambda value: str(value)[:40])
def test_page_answers_each_role_as_the_rules_say(client, request, records, url_name, record, expected):
    url = reverse(url_name, args=[records[record].pk] if record else [])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login")), f"anonymous on {url}"
    answers = {}
    for role in ROLES[1:]:
        client.force_login(request.getfixturevalue(role))
        answers[role] = client.get(url).status_code
    assert answers == expected, url


WRITES = [
    ("contacts:stakeholder_archive", "stakeholder"),
    ("interactions:delete", "interaction"),
    ("meetings:cancel", "meeting"),
    ("commitments:fulfil", "commitment"),
    ("concerns:in_progress", "concern"),
]


@pytest.mark.parametrize(("url_name", "record"), WRITES, ids=lambda value: str(value)[:40])
def test_forbidden_writes_change_nothing(client, request, records, url_name, record):
    target = records[record]
    before = type(target).objects.filter(pk=target.pk).values().get()
    for role in ("colleague", "other_officer", "other_manager"):
        client.force_login(request.getfixturevalue(role))
        response = client.post(reverse(url_name, args=[target.pk]))
        assert response.status_code in (403, 404), role
    assert type(target).objects.filter(pk=target.pk).values().get() == before
