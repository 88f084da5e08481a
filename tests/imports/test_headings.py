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
        ("Title", "role"),
        ("Job Title", "role"),
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


def test_an_outlook_exports_title_is_the_form_of_address_and_its_job_title_the_role(officer):
    # The start of every row of Outlook's "Comma Separated Values" export.
    content = (
        '"Title","First Name","Middle Name","Last Name","Suffix","Company","Department","Job Title",'
        '"Business Street","E-mail Address"\r\n'
        '"Dr","Amara",,"Okafor",,"Northern Water Authority","Planning","Head of Planning",'
        '"1 Dock Road","amara@nwa.example"\r\n'
    )
    job = services.import_job_create(
        actor=officer, kind="stakeholders", upload=ContentFile(content.encode(), name="contacts.csv")
    )
    assert (job.mapping["form_of_address"], job.mapping["role"]) == ("Title", "Job Title")

    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = services.import_check(job_id=job.pk)
    assert job.error_count == 0
    services.import_commit_start(job=job, actor=officer)

    amara = Stakeholder.objects.get(emails=["amara@nwa.example"])
    assert (amara.name, amara.form_of_address) == ("Amara Okafor", "Dr")
    assert amara.affiliations.get().role == "Head of Planning"


@pytest.mark.parametrize(
    ("headers", "form_of_address", "role"),
    [
        # Outlook's honorific beside its job title.
        (
            ["Title", "First Name", "Last Name", "Job Title", "Company", "E-mail Address"],
            "Title",
            "Job Title",
        ),
        # Salesforce's role beside its honorific.
        (["Salutation", "First Name", "Last Name", "Title", "Account Name", "Email"], "Salutation", "Title"),
        # Most exports' job title (LinkedIn's, HubSpot's, a spreadsheet's), with no honorific.
        (["First Name", "Last Name", "Title", "Company", "Email"], None, "Title"),
        # Google's job title, beside its honorific.
        (
            ["Name Prefix", "Given Name", "Family Name", "Organization 1 - Title"],
            "Name Prefix",
            "Organization 1 - Title",
        ),
    ],
    ids=["outlook", "salesforce", "title-alone", "google"],
)
def test_a_title_heading_is_the_form_of_address_beside_a_job_title_and_else_the_role(
    headers, form_of_address, role
):
    mapping = guess_mapping("stakeholders", headers)

    assert (mapping.get("form_of_address"), mapping.get("role")) == (form_of_address, role)


def test_a_salesforce_exports_title_is_imported_as_the_role(officer):
    content = (
        "Salutation,First Name,Last Name,Title,Account Name,Email\n"
        "Mr.,Tomasz,Nowak,Head of Licensing,Coastal Trust,t.nowak@example.org\n"
    )
    job = services.import_job_create(
        actor=officer, kind="stakeholders", upload=ContentFile(content.encode(), name="contacts.csv")
    )
    assert (job.mapping["form_of_address"], job.mapping["role"]) == ("Salutation", "Title")

    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = services.import_check(job_id=job.pk)
    services.import_commit_start(job=job, actor=officer)

    tomasz = Stakeholder.objects.get(name="Tomasz Nowak")
    assert tomasz.form_of_address == "Mr."
    assert tomasz.affiliations.get().role == "Head of Licensing"


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
