"""The names of each meeting's people in one row, for the search box (`MeetingPeople`).

PostgreSQL keeps the row right: a meeting's insert adds it, and changes to its organiser, its invitations,
or the name of anyone in it write it again. Statement triggers read their transition tables, so one bulk
insert of invitations (an import, a series) rewrites each meeting once.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

import contacts.search

STAFF_NAME = "coalesce(nullif(trim(concat({user}.first_name, ' ', {user}.last_name)), ''), {user}.username)"

FORWARD = f"""
CREATE FUNCTION meeting_people_names(meeting bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT concat_ws(
        ' ',
        (SELECT {STAFF_NAME.format(user="organiser")}
           FROM meetings_meeting m JOIN accounts_user organiser ON organiser.id = m.organiser_id
          WHERE m.id = meeting),
        (SELECT string_agg(coalesce(stakeholder.name, {STAFF_NAME.format(user="staff")}), ' ' ORDER BY a.id)
           FROM meetings_attendee a
           LEFT JOIN contacts_stakeholder stakeholder ON stakeholder.id = a.stakeholder_id
           LEFT JOIN accounts_user staff ON staff.id = a.user_id
          WHERE a.meeting_id = meeting)
    )
$$;

-- The rows are locked first, in one order, and then written from what is committed by then: two
-- transactions changing one meeting's people (a rename, an invitation) wait for each other, and the second
-- reads the first's change instead of overwriting it with names read before it waited.
CREATE FUNCTION meeting_people_refresh(meetings bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM meetings_meetingpeople WHERE meeting_id = ANY(meetings) ORDER BY meeting_id FOR UPDATE;
    UPDATE meetings_meetingpeople AS people SET names = fresh.names
      FROM (SELECT id, meeting_people_names(id) AS names FROM unnest(meetings) AS id) AS fresh
     WHERE people.meeting_id = fresh.id AND people.names IS DISTINCT FROM fresh.names;
END
$$;

ALTER TABLE meetings_meetingpeople ADD CONSTRAINT meeting_people_meeting
    FOREIGN KEY (meeting_id) REFERENCES meetings_meeting (id) ON DELETE CASCADE;
INSERT INTO meetings_meetingpeople (meeting_id, names) SELECT id, meeting_people_names(id) FROM meetings_meeting;

-- A change that brings someone into a meeting (an invitation, a new organiser) first takes a share lock on
-- their record, which a rename of them waits for and which waits for a rename: a rename's trigger cannot see
-- an invitation not yet committed, nor an invitation's the new name, so without it each would write the
-- names as they were before the other.
CREATE FUNCTION meeting_people_hold(stakeholders bigint[], staff bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM contacts_stakeholder WHERE id = ANY(stakeholders) ORDER BY id FOR SHARE;
    PERFORM 1 FROM accounts_user WHERE id = ANY(staff) ORDER BY id FOR SHARE;
END
$$;

CREATE FUNCTION meeting_people_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM meeting_people_hold(ARRAY[]::bigint[], ARRAY(SELECT organiser_id FROM added));
    INSERT INTO meetings_meetingpeople (meeting_id, names) SELECT id, meeting_people_names(id) FROM added;
    RETURN NULL;
END
$$;
CREATE TRIGGER meeting_people_add AFTER INSERT ON meetings_meeting
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION meeting_people_add();

CREATE FUNCTION meeting_people_organiser_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM meeting_people_hold(ARRAY[]::bigint[], ARRAY[NEW.organiser_id]);
    PERFORM meeting_people_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END
$$;
CREATE TRIGGER meeting_people_organiser_changed AFTER UPDATE OF organiser_id ON meetings_meeting
    FOR EACH ROW WHEN (OLD.organiser_id IS DISTINCT FROM NEW.organiser_id)
    EXECUTE FUNCTION meeting_people_organiser_changed();

CREATE FUNCTION meeting_people_invitations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM meeting_people_hold(
        ARRAY(SELECT stakeholder_id FROM invitations WHERE stakeholder_id IS NOT NULL),
        ARRAY(SELECT user_id FROM invitations WHERE user_id IS NOT NULL)
    );
    PERFORM meeting_people_refresh(ARRAY(SELECT DISTINCT meeting_id FROM invitations));
    RETURN NULL;
END
$$;
CREATE TRIGGER meeting_people_invited AFTER INSERT ON meetings_attendee
    REFERENCING NEW TABLE AS invitations FOR EACH STATEMENT EXECUTE FUNCTION meeting_people_invitations_changed();
CREATE TRIGGER meeting_people_uninvited AFTER DELETE ON meetings_attendee
    REFERENCING OLD TABLE AS invitations FOR EACH STATEMENT EXECUTE FUNCTION meeting_people_invitations_changed();

CREATE FUNCTION meeting_people_invitation_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM meeting_people_hold(ARRAY[NEW.stakeholder_id], ARRAY[NEW.user_id]);
    PERFORM meeting_people_refresh(ARRAY[OLD.meeting_id, NEW.meeting_id]);
    RETURN NULL;
END
$$;
CREATE TRIGGER meeting_people_invitation_moved
    AFTER UPDATE OF meeting_id, stakeholder_id, user_id ON meetings_attendee FOR EACH ROW
    WHEN (OLD.meeting_id IS DISTINCT FROM NEW.meeting_id OR OLD.stakeholder_id IS DISTINCT FROM NEW.stakeholder_id
          OR OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION meeting_people_invitation_moved();

CREATE FUNCTION meeting_people_stakeholder_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM meeting_people_refresh(ARRAY(SELECT meeting_id FROM meetings_attendee WHERE stakeholder_id = NEW.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER meeting_people_stakeholder_renamed AFTER UPDATE OF name ON contacts_stakeholder
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION meeting_people_stakeholder_renamed();

CREATE FUNCTION meeting_people_staff_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM meeting_people_refresh(ARRAY(
        SELECT meeting_id FROM meetings_attendee WHERE user_id = NEW.id
        UNION SELECT id FROM meetings_meeting WHERE organiser_id = NEW.id
    ));
    RETURN NULL;
END
$$;
CREATE TRIGGER meeting_people_staff_renamed AFTER UPDATE OF first_name, last_name, username ON accounts_user
    FOR EACH ROW WHEN (
        OLD.first_name IS DISTINCT FROM NEW.first_name OR OLD.last_name IS DISTINCT FROM NEW.last_name
        OR OLD.username IS DISTINCT FROM NEW.username
    )
    EXECUTE FUNCTION meeting_people_staff_renamed();
"""

BACKWARD = """
DROP TRIGGER meeting_people_staff_renamed ON accounts_user;
DROP FUNCTION meeting_people_staff_renamed();
DROP TRIGGER meeting_people_stakeholder_renamed ON contacts_stakeholder;
DROP FUNCTION meeting_people_stakeholder_renamed();
DROP TRIGGER meeting_people_invitation_moved ON meetings_attendee;
DROP FUNCTION meeting_people_invitation_moved();
DROP TRIGGER meeting_people_uninvited ON meetings_attendee;
DROP TRIGGER meeting_people_invited ON meetings_attendee;
DROP FUNCTION meeting_people_invitations_changed();
DROP TRIGGER meeting_people_organiser_changed ON meetings_meeting;
DROP FUNCTION meeting_people_organiser_changed();
DROP TRIGGER meeting_people_add ON meetings_meeting;
DROP FUNCTION meeting_people_add();
DROP FUNCTION meeting_people_hold(bigint[], bigint[]);
ALTER TABLE meetings_meetingpeople DROP CONSTRAINT meeting_people_meeting;
DROP FUNCTION meeting_people_refresh(bigint[]);
DROP FUNCTION meeting_people_names(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contacts", "0017_phone_search"),
        ("meetings", "0016_action_chaser_filled"),
    ]

    operations = [
        migrations.CreateModel(
            name="MeetingPeople",
            fields=[
                (
                    "meeting",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="meetings.meeting",
                    ),
                ),
                ("names", models.TextField()),
                (
                    "names_vector",
                    models.GeneratedField(
                        db_persist=True,
                        expression=django.contrib.postgres.search.SearchVector("names", config="simple_unaccent"),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["names_vector"], name="meeting_people_search_gin"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            contacts.search.Unaccented("names"), name="gin_trgm_ops"
                        ),
                        name="meeting_people_unaccent_trgm",
                    ),
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
