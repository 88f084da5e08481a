"""A series' own invitation is keyed by the series (`meeting-invitation:<uid>:series:<version>:<email>`),
apart from its occurrences' (`meeting-invitation:<uid>:<original start>:<version>:<email>`). Until now it was
keyed as its first occurrence's own, so an update of that occurrence at the same version found the series'
row and was never written. The series invitations already in the outbox (those written since the outbox kept
topics, which name the series) take the series' key, so none of them stands where an occurrence's update
will look. Their Message-ID is stored with them and stays as it was."""

from django.db import migrations

OLD = r"^meeting-invitation:([^:]+):.+:([0-9]+):([^:]+)(:again-of-[0-9]+)?$"
NEW = r"meeting-invitation:\1:series:\2:\3\4"

# One row per new key: two guests sharing an address may each hold a series invitation of the same version
# (keyed by their own first occurrence until now); the others keep their old key, which the code finds them
# by topic with, as it finds those written before topics were kept.
RENAME = f"""
UPDATE outbox_outboundmessage AS message
SET key = renamed.new_key
FROM (
    SELECT DISTINCT ON (candidate.new_key) candidate.id, candidate.new_key
    FROM (
        SELECT id, regexp_replace(key, '{OLD}', '{NEW}') AS new_key
        FROM outbox_outboundmessage
        WHERE kind = 'meeting_invitation'
          AND topic ~ '^meeting:[^:]+:series:'
          AND key ~ '{OLD}'
          AND key !~ '^meeting-invitation:[^:]+:series:'
    ) AS candidate
    WHERE NOT EXISTS (SELECT 1 FROM outbox_outboundmessage AS taken WHERE taken.key = candidate.new_key)
    ORDER BY candidate.new_key, candidate.id
) AS renamed
WHERE message.id = renamed.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0017_meeting_people"),
        ("outbox", "0004_message_topic_reversed_index"),
    ]

    # Nothing is lost going back: the older code finds the series' rows by their topic.
    operations = [migrations.RunSQL(RENAME, migrations.RunSQL.noop)]
