"""The imports app's migrations let the release before them keep running while they roll out."""

import pytest
from django.db.migrations.loader import MigrationLoader

from imports.models import ImportJob


@pytest.mark.django_db
def test_a_job_the_code_before_the_new_fields_adds_is_stored_with_their_defaults(officer):
    """While a release rolls out, the code before it adds jobs without the fields it does not know yet."""
    before = MigrationLoader(None, ignore_no_migrations=True).project_state(("imports", "0004_content_hash"))
    earlier_job = before.apps.get_model("imports", "ImportJob")

    added = earlier_job.objects.create(
        kind="stakeholders", original_name="people.csv", created_by_id=officer.pk
    )

    job = ImportJob.objects.get(pk=added.pk)
    assert (
        job.new_organisations_of_duplicates,
        job.cards_left_out,
        job.new_tags,
        job.new_tags_of_duplicates,
    ) == (
        [],
        0,
        [],
        [],
    )
