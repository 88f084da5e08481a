"""A series' own invitation is keyed by the series (`meeting-invitation:<uid>:series:<version>:<email>`),
apart from its occurrences' (`meeting-invitation:<uid>:<original start>:<version>:<email>`). Until now it was
keyed as its first occurrence's own, so an update of that occurrence at the same version found the series'
row and was never written. The series invitations already in the outbox (those written since the outbox kept
topics, which name the series) take the series' key, so none of them stands where an occurrence's update
will look. Their Message-ID is stored with them and stays as it was."""

from django.db import migrations

OLD = r"^meeting-invitation:([^:]+):.+:([0-9]+):([^:]+)(:again-of-[0-9]+)?$"
NEW = r"meeting-invitation:\1:series:\2:\3\4"

RENAME = f"""
UPDATE outbox_outboundmessage AS message
SET key = regexp_replace(message.key, '{OLD}', '{NEW}')
WHERE message.kind = 'meeting_invitation'
  AND message.topic ~ '^meeting:[^:]+:series:'
  AND message.key ~ '{OLD}'
  AND message.key !~ '^meeting-invitation:[^:]+:series:'
  AND NOT EXISTS (
      SELECT 1 FROM outbox_outboundmessage AS taken
      WHERE taken.key = regexp_replace(message.key, '{OLD}', '{NEW}')
  )
"""


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0017_meeting_people"),
        ("outbox", "0004_message_topic_reversed_index"),
    ]

    # Nothing is lost going back: the older code finds the series' rows by their topic.
    operations = [migrations.RunSQL(RENAME, migrations.RunSQL.noop)]
