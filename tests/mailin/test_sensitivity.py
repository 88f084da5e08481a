"""Email its sender marked private is logged as a confidential interaction, unless the reviewer says not."""

import email
import email.policy
from email.message import EmailMessage

import pytest
from django.urls import reverse

from interactions.models import Interaction
from mailin.services import inbound_message_receive

from ..factories import StakeholderFactory
from .test_capture import email_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(officer):
    return StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)


def with_header(raw: bytes, name: str, value: str) -> bytes:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message[name] = value
    return bytes(message)


@pytest.mark.parametrize("sensitivity", ["Private", "Company-Confidential", "Personal", "private"])
def test_an_email_outlook_marked_sensitive_is_logged_confidential(officer, colleague, ana, sensitivity):
    raw = with_header(email_bytes(sender=officer.email, to=["ana@river.example"]), "Sensitivity", sensitivity)
    message, _created = inbound_message_receive(raw=raw)
    assert message.status == "logged" and message.is_sensitive
    assert message.interaction.is_confidential
    assert not Interaction.objects.visible_to(colleague).filter(pk=message.interaction.pk).exists()
    assert Interaction.objects.visible_to(officer).filter(pk=message.interaction.pk).exists()


@pytest.mark.parametrize(
    "subject",
    [
        "Confidential: budget",
        "CONFIDENTIAL - budget",
        "[Confidential] budget",
        "(confidential) budget",
        "Re: Fwd: [Confidential] budget",
        "Confidential",
    ],
)
def test_an_email_whose_subject_starts_confidential_is_logged_confidential(officer, ana, subject):
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], subject=subject)
    message, _created = inbound_message_receive(raw=raw)
    assert message.interaction.is_confidential


@pytest.mark.parametrize(
    ("subject", "sensitivity"),
    [
        ("Budget", "Normal"),
        ("Confidentiality agreement draft", ""),
        ("Budget (confidential)", ""),
        ("Notes on confidential data handling", ""),
    ],
)
def test_an_email_not_marked_sensitive_is_logged_for_all_staff(officer, colleague, ana, subject, sensitivity):
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], subject=subject)
    if sensitivity:
        raw = with_header(raw, "Sensitivity", sensitivity)
    message, _created = inbound_message_receive(raw=raw)
    assert not message.is_sensitive and not message.interaction.is_confidential
    assert Interaction.objects.visible_to(colleague).filter(pk=message.interaction.pk).exists()


def test_a_forward_of_an_email_its_sender_marked_private_is_logged_confidential(officer, ana):
    original = with_header(
        email_bytes(sender="ana@river.example", to=[officer.email], message_id="<private-1@river.example>"),
        "Sensitivity",
        "Private",
    )
    forward = EmailMessage()
    forward["From"], forward["To"], forward["Subject"] = officer.email, "log@crm.example", "Fwd: timetable"
    forward["Message-ID"] = "<forward-private@example.org>"
    forward.set_content("See attached.")
    forward.add_attachment(email.message_from_bytes(original, policy=email.policy.default))
    message, _created = inbound_message_receive(raw=bytes(forward))
    assert message.is_forward and message.interaction.is_confidential


def test_a_quoted_forward_whose_original_subject_starts_confidential_is_logged_confidential(officer, ana):
    body = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Ana Costa <ana@river.example>\n"
        "Date: Mon, 4 Mar 2024 09:00:00 +0000\nSubject: [Confidential] Land sale\n"
        "To: <officer@example.org>\n\n"
        "Please keep this between us."
    )
    raw = email_bytes(sender=officer.email, to=["log@crm.example"], subject="Fwd: Land sale", body=body)
    message, _created = inbound_message_receive(raw=raw)
    assert message.is_forward and message.interaction.is_confidential


def test_the_review_page_says_a_sensitive_email_will_be_logged_confidential_and_offers_it_ticked(
    officer, client
):
    raw = email_bytes(sender=officer.email, to=["grace@coast.example"], subject="Confidential: land sale")
    message, _created = inbound_message_receive(raw=raw)
    assert message.status == "review" and message.is_sensitive
    client.force_login(officer)
    page = client.get(message.get_absolute_url())
    assert "it will be logged as a confidential interaction" in page.content.decode()
    assert page.context["form"]["is_confidential"].value() is True


def test_the_review_page_offers_an_ordinary_email_unticked(officer, client):
    raw = email_bytes(sender=officer.email, to=["grace@coast.example"], subject="Land sale")
    message, _created = inbound_message_receive(raw=raw)
    client.force_login(officer)
    page = client.get(message.get_absolute_url())
    assert "it will be logged as a confidential interaction" not in page.content.decode()
    assert page.context["form"]["is_confidential"].value() is False


@pytest.mark.parametrize(
    ("subject", "ticked", "confidential"),
    [
        ("Confidential: land sale", True, True),
        ("Confidential: land sale", False, False),  # the reviewer knows it is not
        ("Land sale", True, True),  # nor marked, but the reviewer knows it is
    ],
)
def test_the_reviewer_chooses_whether_the_email_is_logged_confidential(
    officer, client, subject, ticked, confidential
):
    raw = email_bytes(sender=officer.email, to=["grace@coast.example"], subject=subject)
    message, _created = inbound_message_receive(raw=raw)
    grace = StakeholderFactory(emails=["grace@coast.example"], owner=officer)
    client.force_login(officer)
    data = {"stakeholders": [grace.pk], **({"is_confidential": "on"} if ticked else {})}
    assert client.post(message.get_absolute_url(), data).status_code == 302
    message.refresh_from_db()
    assert message.status == "logged" and message.interaction.is_confidential is confidential


def test_the_queue_flags_an_email_its_sender_marked_confidential(officer, client):
    for subject in ("Confidential: land sale", "Bus timetable"):
        inbound_message_receive(
            raw=email_bytes(sender=officer.email, to=["grace@coast.example"], subject=subject)
        )
    client.force_login(officer)

    rows = client.get(reverse("mailin:list")).content.decode().split("<tr>")[2:]

    flagged = [row for row in rows if "marked confidential" in row]
    assert len(rows) == 2 and len(flagged) == 1 and "land sale" in flagged[0]
