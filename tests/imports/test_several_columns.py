"""Address books export a person's second and third email addresses and phone numbers in columns of their own
(Outlook's "E-mail 2 Address", Google's "E-mail 2 - Value"): several columns fill one field, none is lost."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from contacts.models import Stakeholder
from imports import services
from imports.models import ImportMapping, ImportStatus

pytestmark = pytest.mark.django_db

OUTLOOK = [
    "Title", "First Name", "Middle Name", "Last Name", "Company", "Department", "Job Title",
    "Business Phone", "Business Fax", "Home Phone", "Mobile Phone", "E-mail Address", "E-mail Type",
    "E-mail Display Name", "E-mail 2 Address", "E-mail 3 Address", "Notes",
]  # fmt: skip
GOOGLE = [
    "Name", "Given Name", "Family Name", "Organization 1 - Name", "Organization 1 - Title",
    "E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value", "E-mail 3 - Type",
    "E-mail 3 - Value", "Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type", "Phone 2 - Value",
    "Phone 3 - Type", "Phone 3 - Value",
]  # fmt: skip


def csv_bytes(headings, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(actor, content: bytes):
    return services.import_job_create(
        actor=actor, kind="stakeholders", upload=ContentFile(content, name="contacts.csv")
    )


def check(actor, job, mapping=None):
    job = services.import_job_map(job=job, actor=actor, mapping=mapping or job.mapping)
    return services.import_check(job_id=job.pk)


def outlook_row(first, last, emails, phones):
    business, home, mobile = phones
    first_email, second_email, third_email = emails
    return [
        "", first, "", last, "Northern Water Authority", "Planning", "Director", business, "+44 20 0000 0000",
        home, mobile, first_email, "SMTP", f"{first} {last} ({first_email})", second_email, third_email, "",
    ]  # fmt: skip


def test_an_outlook_export_imports_every_email_address_and_phone_number(officer):
    content = csv_bytes(
        OUTLOOK,
        [
            outlook_row(
                "Margaret",
                "Okafor",
                ["m.okafor@nwa.example", "margaret@home.example", "okafor@board.example"],
                ["+44 20 7946 0000", "+44 161 496 0000", "+44 7700 900123"],
            )
        ],
    )
    job = upload(officer, content)
    assert job.mapping["name"] == ["First Name", "Middle Name", "Last Name"]
    assert job.mapping["emails"] == ["E-mail Address", "E-mail 2 Address", "E-mail 3 Address"]
    assert job.mapping["phones"] == ["Business Phone", "Home Phone", "Mobile Phone"]
    assert (job.mapping["organisation"], job.mapping["role"]) == ("Company", "Job Title")

    job = check(officer, job)
    assert job.status == ImportStatus.CHECKED and job.error_count == 0
    emails_shown = job.preview[0]["cells"][[c.name for c in services.preview_columns(job)].index("emails")]
    assert emails_shown == "m.okafor@nwa.example; margaret@home.example; okafor@board.example"
    services.import_commit_start(job=job, actor=officer)

    margaret = Stakeholder.objects.get(name="Margaret Okafor")
    assert margaret.emails == ["m.okafor@nwa.example", "margaret@home.example", "okafor@board.example"]
    assert margaret.phones == ["+44 20 7946 0000", "+44 161 496 0000", "+44 7700 900123"]
    assert margaret.current_primary_organisation().name == "Northern Water Authority"


def test_a_google_export_imports_every_email_address_and_phone_number(officer):
    row = [
        "Jean Dubois", "Jean", "Dubois", "Riverside Residents", "Chair",
        "* Work", "jean@riverside.example", "Home", "jean.dubois@mail.example", "Other", "jd@example.org",
        "Mobile", "+33 6 12 34 56 78", "Work", "+33 1 23 45 67 89", "Home", "+33 4 00 00 00 00",
    ]  # fmt: skip
    job = upload(officer, csv_bytes(GOOGLE, [row]))
    assert job.mapping["name"] == "Name"  # the whole name, not its parts again
    assert job.mapping["emails"] == ["E-mail 1 - Value", "E-mail 2 - Value", "E-mail 3 - Value"]
    assert job.mapping["phones"] == ["Phone 1 - Value", "Phone 2 - Value", "Phone 3 - Value"]
    assert (job.mapping["organisation"], job.mapping["role"]) == (
        "Organization 1 - Name",
        "Organization 1 - Title",
    )

    job = check(officer, job)
    assert job.error_count == 0
    services.import_commit_start(job=job, actor=officer)

    jean = Stakeholder.objects.get(name="Jean Dubois")
    assert jean.emails == ["jean@riverside.example", "jean.dubois@mail.example", "jd@example.org"]
    assert jean.phones == ["+33 6 12 34 56 78", "+33 1 23 45 67 89", "+33 4 00 00 00 00"]


def test_a_google_cell_with_several_values_of_one_label_imports_each(officer):
    row = ["Jean Dubois", "", "", "", "", "* Work", "jean@riverside.example ::: jd@example.org"]
    row += ["", "", "", "", "Mobile", "+33 6 12 34 56 78 ::: +33 6 98 76 54 32", "", "", "", ""]
    job = check(officer, upload(officer, csv_bytes(GOOGLE, [row])))
    services.import_commit_start(job=job, actor=officer)

    jean = Stakeholder.objects.get(name="Jean Dubois")
    assert jean.emails == ["jean@riverside.example", "jd@example.org"]
    assert jean.phones == ["+33 6 12 34 56 78", "+33 6 98 76 54 32"]


def test_an_address_or_number_in_two_columns_is_kept_once_and_empty_cells_are_skipped(officer):
    row = outlook_row(
        "Ana",
        "Costa",
        ["ana@example.org", "", "Ana@Example.org"],
        ["+351 21 000 0000", "", "+351 21 000 0000"],
    )
    job = check(officer, upload(officer, csv_bytes(OUTLOOK, [row])))
    services.import_commit_start(job=job, actor=officer)

    ana = Stakeholder.objects.get(name="Ana Costa")
    assert ana.emails == ["ana@example.org"]
    assert ana.phones == ["+351 21 000 0000"]


def test_a_wrong_address_in_a_second_column_is_named_in_the_rows_errors(officer):
    row = outlook_row("Ana", "Costa", ["ana@example.org", "not an address", ""], ["", "", ""])
    job = check(officer, upload(officer, csv_bytes(OUTLOOK, [row])))

    assert job.error_count == 1
    assert job.errors[0]["column"] == "Emails" and "“not an address”" in job.errors[0]["message"]
    assert job.preview[0]["errors"] == ["Emails: “not an address” is not an email address."]


def test_a_field_that_holds_one_value_refuses_a_second_column(officer):
    job = upload(officer, csv_bytes(OUTLOOK, [outlook_row("Ana", "Costa", ["", "", ""], ["", "", ""])]))

    with pytest.raises(ValidationError) as refused:
        services.import_job_map(
            job=job, actor=officer, mapping={**job.mapping, "role": ["Job Title", "Department"]}
        )

    assert refused.value.message_dict["role"] == ["Role holds one value: choose one column for it, not 2."]


def test_several_columns_for_a_field_are_remembered_for_the_next_file(officer):
    job = upload(officer, b"Who,Mail A,Mail B,Phone\nAna Costa,ana@example.org,ana@home.example,\n")
    check(officer, job, mapping={"name": "Who", "emails": ["Mail B", "Mail A"]})
    remembered = ImportMapping.objects.get(user=officer, kind="stakeholders").mapping
    assert remembered["emails"] == ["Mail A", "Mail B"]  # in the file's order

    second = upload(officer, b"Mail B,Who,Mail A\nli@home.example,Li Wei,li@example.org\n")

    assert second.mapping == {"name": "Who", "emails": ["Mail B", "Mail A"]}
    job = check(officer, second)
    services.import_commit_start(job=job, actor=officer)
    assert Stakeholder.objects.get(name="Li Wei").emails == ["li@home.example", "li@example.org"]


def test_someone_elses_number_is_not_guessed_to_be_the_persons():
    from imports.columns import guess_mapping

    mapping = guess_mapping(
        "stakeholders", ["Name", "Mobile Phone", "Assistant's Phone", "Company Main Phone", "Callback"]
    )
    assert mapping["phones"] == "Mobile Phone"


def test_two_columns_a_lists_names_merely_fit_are_not_guessed_to_be_one_list():
    """An interaction's people by "Contact" and by "Email": either alone names them; joined, a name that
    resolves ambiguously would fail a row the address alone would have matched."""
    from imports.columns import guess_mapping

    mapping = guess_mapping("interactions", ["Date", "Kind", "Subject", "Contact", "Email"])
    assert mapping["stakeholders"] in ("Contact", "Email")


def test_googles_own_labels_do_not_become_tags(officer):
    content = csv_bytes(["Name", "Labels"], [["Ama Owusu", "* myContacts ::: * starred ::: Water board"]])
    job = check(officer, upload(officer, content), {"name": "Name", "tags": "Labels"})
    services.import_commit_start(job=job, actor=officer)
    person = Stakeholder.objects.get(name="Ama Owusu")
    assert [tag.name for tag in person.tags.all()] == ["Water board"]
