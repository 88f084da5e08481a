"""Form controls at a desktop and a phone's width show their whole value, not a clipped "Awaiting rep"."""

import datetime as dt

import pytest
from django.utils import timezone

from interactions.models import Direction
from meetings import services

from ..factories import InteractionFactory, StakeholderFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each control's content wider than its box: a select's or an input's value cut off at its edge.
CLIPPED = """selector => [...document.querySelectorAll(selector)]
    .filter(control => control.getClientRects().length && control.scrollWidth > control.clientWidth)
    .map(control => control.name || control.id)"""

# A select's scrollWidth is its box, whatever its text: measured instead is the chosen option's text, laid out
# in the select's font, against the room inside the select's padding and arrow.
CLIPPED_CHOICE = """selector => [...document.querySelectorAll(selector)]
    .filter(select => !select.multiple && select.getClientRects().length)
    .filter(select => {
        const style = getComputedStyle(select);
        const text = document.createElement("span");
        text.style.font = style.font;
        text.style.whiteSpace = "pre";
        text.style.position = "absolute";
        text.textContent = select.selectedOptions[0].text;
        document.body.append(text);
        const width = text.getBoundingClientRect().width;
        text.remove();
        const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
        return width > room;
    })
    .map(select => select.name || select.id)"""


@pytest.mark.parametrize("width", [1366, 390])
def test_the_interaction_form_and_the_meetings_replies_show_their_whole_value(
    page, live_server, officer, colleague, width
):
    stakeholder = StakeholderFactory(owner=officer, name="Bilal Sheikh", emails=["bilal@example.org"])
    interaction = InteractionFactory(
        logged_by=officer, stakeholders=[stakeholder], direction=Direction.OUTBOUND, summary="Co-funding"
    )
    starts = timezone.now() + dt.timedelta(days=5)
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Co-funding workshop",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        stakeholders=[stakeholder],
        staff=[colleague],
    )
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "officer")

    page.goto(f"{live_server.url}{interaction.get_absolute_url()}edit/")
    assert page.evaluate(CLIPPED_CHOICE, "main form select") == []
    assert page.evaluate(CLIPPED, "main form input[type=datetime-local]") == []

    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    assert page.evaluate(CLIPPED_CHOICE, "main select[name=rsvp]") == []
