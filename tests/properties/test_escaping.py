"""Names are shown as text: a stakeholder called <script>…</script> is printed, never run.

Each page that shows a stakeholder's (or an organisation's) name is rendered with names built to break out
of HTML text and attributes; the raw markup must not appear, its escaped form must.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from interactions.services import interaction_log
from meetings.services import meeting_schedule

from ..factories import CommitmentFactory, OrganisationFactory, StakeholderFactory
from ..meetings.test_views import in_days
from .strategies import examples, rolled_back

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    '<script>alert("owned")</script>',
    "\"'><img src=x onerror=alert(1)>",
    "</textarea><svg onload=alert(1)>",
    "Kofi <b>Mensah</b> & Co",
]


def pages_naming(officer, stakeholder, organisation):
    """Every page that prints the stakeholder's or the organisation's name, as an officer sees it."""
    interaction = interaction_log(
        author=officer,
        stakeholders=[stakeholder],
        summary="Harbour call",
        kind="call",
        follow_up_on=timezone.localdate(),
        follow_up_note="Send the draft",
    )
    meeting = meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=in_days(0, 23),
        ends_at=in_days(0, 23) + dt.timedelta(minutes=30),
        stakeholders=[stakeholder],
    )
    CommitmentFactory(stakeholder=stakeholder, owner=officer, due_on=timezone.localdate())
    word = stakeholder.name.split()[0][:20] if stakeholder.name.split() else stakeholder.name
    return [
        reverse("contacts:stakeholder_list"),
        reverse("contacts:stakeholder_detail", args=[stakeholder.pk]),
        reverse("contacts:organisation_list"),
        reverse("contacts:organisation_detail", args=[organisation.pk]),
        reverse("search:results") + "?" + _query(word),
        reverse("dashboards:my_day"),
        reverse("interactions:detail", args=[interaction.pk]),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("commitments:list"),
    ]


def _query(word: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": word})


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_is_shown_escaped_on_every_page_that_names_it(officer_client, officer, name):
    organisation = OrganisationFactory(name=name)
    stakeholder = StakeholderFactory(owner=officer, name=name, emails=["ama@example.org"])
    stakeholder.affiliations.create(organisation=organisation, role="Director", is_primary=True)
    for url in pages_naming(officer, stakeholder, organisation):
        response = officer_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert name not in html, f"{url} printed the raw name"
        assert escape(name) in html, f"{url} does not show the name"


def test_any_name_is_shown_as_text_on_the_stakeholder_pages(officer_client, officer):
    markup = st.sampled_from(["<", ">", '"', "'", "&", "<script>", "</a>", "<img src=x onerror=alert(1)>"])
    names = st.lists(
        st.one_of(markup, st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=8)),
        min_size=1,
        max_size=6,
    ).map(
        lambda parts: " ".join(f"Zq{''.join(parts)}Zq".split())
    )  # markers: nothing else on the page matches

    @given(name=names)
    @examples
    def check(name):
        with rolled_back():
            stakeholder = StakeholderFactory(owner=officer, name=name)
            for url in [
                reverse("contacts:stakeholder_list"),
                reverse("contacts:stakeholder_detail", args=[stakeholder.pk]),
            ]:
                html = officer_client.get(url).content.decode()
                if escape(name) != name:
                    assert name not in html, "the raw markup reached the page"
                assert escape(name) in html

    check()
