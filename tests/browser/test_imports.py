import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from imports import services

from ..factories import StakeholderFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_import_button_says_how_many_rows_the_checkbox_leaves_to_import(page, live_server, officer):
    StakeholderFactory(name="Someone", emails=["ana@example.org"], owner=officer)
    content = b"Name,Email\nAna Costa,ana@example.org\nLi Wei,li@example.org\nBo Chen,bo@example.org\n"
    job = services.import_job_create(
        actor=officer, kind="stakeholders", upload=ContentFile(content, name="p.csv")
    )
    services.import_job_map(job=job, actor=officer, mapping={"name": "Name", "emails": "Email"})
    services.import_check(job_id=job.pk)
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{job.get_absolute_url()}")

    leave_out = page.get_by_label("Leave out the likely duplicates")
    expect(page.get_by_role("button", name="Import 3 rows", exact=True)).to_be_visible()
    leave_out.check()
    expect(page.get_by_role("button", name="Import 2 rows", exact=True)).to_be_visible()
    leave_out.uncheck()
    expect(page.get_by_role("button", name="Import 3 rows", exact=True)).to_be_visible()
