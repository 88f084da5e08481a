"""`make backup` and `make restore`: a dump restored into a fresh database holds every record."""

import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from interactions.models import Interaction
from liaison_crm.backup import dump, restore
from meetings.models import Meeting

from ..factories import AffiliationFactory, InteractionFactory, MeetingFactory, StakeholderFactory

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = [
    "accounts_user",
    "contacts_organisation",
    "contacts_stakeholder",
    "contacts_affiliation",
    "interactions_interaction",
    "interactions_interaction_stakeholders",
    "meetings_meeting",
]


def counts(dbname: str, settings: dict) -> dict[str, int]:
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=dbname, autocommit=True
    ) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def test_a_backup_restores_into_a_fresh_database_with_every_record(officer, tmp_path):
    for _ in range(3):
        stakeholder = StakeholderFactory(owner=officer, name="Zoë Ó Briain")
        AffiliationFactory(stakeholder=stakeholder)
        InteractionFactory(logged_by=officer, stakeholders=[stakeholder], is_confidential=True)
    MeetingFactory(organiser=officer)
    source = dict(connection.settings_dict)
    backup = dump(source, tmp_path / "crm.dump")

    target = {**source, "NAME": f"restore_check_{uuid.uuid4().hex[:10]}"}
    try:
        restore(target, backup)
        assert counts(target["NAME"], target) == counts(source["NAME"], source)
        assert counts(target["NAME"], target)["interactions_interaction"] == Interaction.objects.count() == 3
        assert counts(target["NAME"], target)["meetings_meeting"] == Meeting.objects.count() == 1
        with psycopg.connect(
            host=target["HOST"], port=target["PORT"], user=target["USER"], dbname=target["NAME"]
        ) as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM contacts_stakeholder")}
            # Search still works after a restore, accents ignored: the generated search columns, the text
            # search configuration, the unaccenting function and the indexes on them came back.
            found = conn.execute(
                "SELECT count(*) FROM contacts_stakeholder "
                "WHERE search_vector @@ to_tsquery('simple_unaccent', 'zoe:*') "
                "AND immutable_unaccent(name) %> 'zoe o briain'"
            ).fetchone()[0]
        assert names == {"Zoë Ó Briain"} and found == 3
    finally:
        subprocess.run(
            [
                "dropdb",
                "--if-exists",
                "--host",
                target["HOST"],
                "--port",
                str(target["PORT"]),
                "--username",
                target["USER"],
                target["NAME"],
            ],
            check=False,
        )


def test_restoring_a_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError):
        restore(dict(connection.settings_dict), tmp_path / "nope.dump")
