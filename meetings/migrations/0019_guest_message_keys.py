"""A meeting's invitations, cancellations and removals are keyed by the guest as well as their address
(`meeting-invitation:<uid>:<original start or "series">:<version>:<stakeholder or user>:<id>:<email>`): two
guests sharing an address each have their own. The messages already in the outbox take the guest their
topic names, so that one written again at the same version finds its row instead of being sent twice. A
series invitation 0018 left keyed as its first occurrence's (the second of two guests sharing an address)
takes the series' key too, which it can now have. Those written before the outbox kept topics name no guest
and keep their key, as the code finds them by its prefix. Their Message-ID is stored with them and stays as
it was."""

from django.db import migrations

GUEST = r":((?:stakeholder|user):[0-9]+)$"
KEYED = r"^(meeting-(?:invitation|cancellation|removal):.+:[0-9]+):([^:]+)(:again-of-[0-9]+)?$"
# 0018's rename, for the series invitations it had to leave as they were.
OCCURRENCE_KEYED = r"^meeting-invitation:([^:]+):.+:([0-9]+):([^:]+)(:again-of-[0-9]+)?$"
SERIES_KEYED = r"meeting-invitation:\1:series:\2:\3\4"
GUEST_KEYED = (
    r"^(meeting-(?:invitation|cancellation|removal):.+:[0-9]+):(?:stakeholder|user):[0-9]+:([^:]+)"
    r"(:again-of-[0-9]+)?$"
)


def _rename(new_key: str, where: str) -> str:
    """One row per new key, the oldest: another that would take it (records merged into one, each sent the
    same version) keeps its key, and the code finds it by topic."""
    return f"""
UPDATE outbox_outboundmessage AS message
SET key = renamed.new_key
FROM (
    SELECT DISTINCT ON (candidate.new_key) candidate.id, candidate.new_key
    FROM (
        SELECT id, {new_key} AS new_key
        FROM outbox_outboundmessage
        WHERE kind IN ('meeting_invitation', 'meeting_cancellation', 'meeting_removal') AND {where}
    ) AS candidate
    WHERE NOT EXISTS (SELECT 1 FROM outbox_outboundmessage AS taken WHERE taken.key = candidate.new_key)
    ORDER BY candidate.new_key, candidate.id
) AS renamed
WHERE message.id = renamed.id
"""


KEY_AS_SERIES = f"""
CASE WHEN kind = 'meeting_invitation' AND topic ~ '^meeting:[^:]+:series:'
          AND key !~ '^meeting-invitation:[^:]+:series:'
     THEN regexp_replace(key, '{OCCURRENCE_KEYED}', '{SERIES_KEYED}')
     ELSE key
END"""

# Not a key that names its guest already, which KEYED matches too: one written by the new code before this ran
# (a deploy), or left by DROP_GUEST when the other of two guests sharing an address took the address alone.
ADD_GUEST = _rename(
    f"regexp_replace({KEY_AS_SERIES}, '{KEYED}', '\\1:' || substring(topic from '{GUEST}') || ':\\2\\3')",
    f"topic ~ '{GUEST}' AND key ~ '{KEYED}' AND key !~ '{GUEST_KEYED}'",
)
# Back to the address alone, the oldest of two guests sharing one taking it; a series invitation 0018 left
# keyed as its occurrence's stays the series'.
DROP_GUEST = _rename(f"regexp_replace(key, '{GUEST_KEYED}', '\\1:\\2\\3')", f"key ~ '{GUEST_KEYED}'")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0018_series_invitation_keys"),
    ]

    operations = [migrations.RunSQL(ADD_GUEST, DROP_GUEST)]
