"""The headings an import recognises without the officer mapping them: those of Google Contacts, Outlook and
the spreadsheets other contact managers export."""

import pytest
from django.core.files.base import ContentFile

from contacts.models import Stakeholder
from imports import services
from imports.columns import guess_mapping

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "heading, field",
    [
        ("Contact Person", "name"),
        ("Contact Name", "name"),
        ("Mail Addr", "emails"),
        ("E-mail Address", "emails"),
        ("Primary Email", "emails"),
        ("Remarks", "notes"),
        ("Comments", "notes"),
        ("Memo", "notes"),
        ("Name Prefix", "form_of_address"),
        ("Telephone Number", "phones"),
        ("Mobile Number", "phones"),
        ("Tel", "phones"),
        ("Cell", "phones"),
        ("Company Name", "organisation"),
        ("Account Name", "organisation"),
        ("Contact Owner", "owner"),
        ("Preferred Language", "languages"),
        ("Group Membership", "tags"),
    ],
)
def test_a_common_export_heading_is_guessed(heading, field):
    assert guess_mapping("stakeholders", [heading]) == {field: heading}


@pytest.mark.parametrize("heading", ["Contact Name", "Contact Person"])
def test_an_interactions_people_are_guessed_from_a_contact_name_heading(heading):
    assert guess_mapping("interactions", ["Date", "Kind", "Subject", heading])["stakeholders"] == heading


def test_a_google_export_gives_its_name_prefix_as_the_form_of_address_and_its_suffix_to_the_name(officer):
    content = (
        "Name Prefix,Given Name,Additional Name,Family Name,Name Suffix,E-mail 1 - Value\n"
        "Dr,Amara,,Okafor,PhD,amara@example.org\n"
    )
    job = services.import_job_create(
        actor=officer, kind="stakeholders", upload=ContentFile(content.encode(), name="google.csv")
    )
    assert job.mapping == {
        "name": ["Given Name", "Additional Name", "Family Name", "Name Suffix"],
        "form_of_address": "Name Prefix",
        "emails": "E-mail 1 - Value",
    }

    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = services.import_check(job_id=job.pk)
    assert job.error_count == 0
    services.import_commit_start(job=job, actor=officer)

    amara = Stakeholder.objects.get(emails=["amara@example.org"])
    assert (amara.name, amara.form_of_address) == ("Amara Okafor PhD", "Dr")


def test_a_spreadsheets_contact_person_mail_address_and_remarks_are_imported(officer):
    content = (
        "Contact Person,Mail Addr,Telephone Number,Remarks\n"
        "Li Wei,li@example.org,+44 20 7946 0000,Met at expo\n"
    )
    job = services.import_job_create(
        actor=officer, kind="stakeholders", upload=ContentFile(content.encode(), name="crm.csv")
    )

    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = services.import_check(job_id=job.pk)
    assert job.error_count == 0
    services.import_commit_start(job=job, actor=officer)

    li = Stakeholder.objects.get(name="Li Wei")
    assert (li.emails, li.phones, li.notes) == (["li@example.org"], ["+44 20 7946 0000"], "Met at expo")
