"""Relationship health: a score from 0 to 100 per stakeholder, and the parts that explain it.

The formula (docs/dashboards.md explains it for officers). Start at 100 and take off:

    contact     40 * days overdue / cadence, at most 40. Days overdue are counted from the day contact
                fell due (the last contact, or the day the stakeholder was added, plus the cadence), as on
                the stakeholder page. No cadence, no penalty.
    sentiment   15 * -(weighted average sentiment of the last 90 days), at most 30; only a negative
                average costs points. Interactions of the last 30 days count twice, so a recent turn shows
                quickly. Confidential interactions are left out: the score is shown to all staff and must
                not reveal what a confidential note says.
    overdue     8 for each overdue follow-up, action item and commitment, at most 32: open follow-ups of
                interactions with them; open actions they own or from meetings they attended, but not
                those of a cancelled meeting; open commitments with them — each past its date.
    concerns    for each unresolved concern they raised, 4 * severity (low 1 ... critical 4), plus 8 once it
                has been open longer than CONCERN_ESCALATION_DAYS; at most 40.

Every division is an integer division of non-negative numbers (rounded down), the same in SQL and Python.
The score is never below 0. Bands: green from 70, amber from 40, red below 40 — except that a stakeholder
never contacted (as of the day) who would be green is "no contact yet": nothing is wrong, but there is no
relationship yet to call good. One never contacted whose cadence has long run out since they were added,
or with something else wrong, is amber or red like anyone else.

The formula is written twice on purpose: `HEALTH_SQL` computes it for every stakeholder in one statement
(the daily snapshot, and the stakeholder page for one person); `health_parts` is the same arithmetic in
Python for reading and for tests, which check that both agree on constructed cases.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.models import Commitment
from concerns.models import Concern
from contacts.models import Stakeholder
from contacts.querysets import held_on_sql
from interactions.models import Interaction
from meetings.models import ActionItem, Meeting

from .models import HealthBand

CONTACT_MAX = 40
SENTIMENT_PER_POINT = 15
SENTIMENT_MAX = 30
SENTIMENT_DAYS = 90
SENTIMENT_RECENT_DAYS = 30
SENTIMENT_RECENT_WEIGHT = 2
OVERDUE_EACH = 8
OVERDUE_MAX = 32
CONCERN_PER_SEVERITY = 4
CONCERN_ESCALATED = 8
CONCERN_MAX = 40
GREEN_FROM = 70
AMBER_FROM = 40


def band_for(score: int, *, contacted: bool = True) -> str:
    if score >= GREEN_FROM:
        return HealthBand.GREEN if contacted else HealthBand.NO_CONTACT
    return HealthBand.AMBER if score >= AMBER_FROM else HealthBand.RED


def concern_points(severity: int, escalated: bool) -> int:
    return CONCERN_PER_SEVERITY * severity + (CONCERN_ESCALATED if escalated else 0)


@dataclass(frozen=True)
class HealthParts:
    """One stakeholder's health on a day: the formula's inputs, the points each part took off, the score."""

    cadence_days: int | None = None
    days_overdue: int = 0
    sentiment_count: int = 0
    sentiment_weighted_sum: int = 0
    sentiment_weight: int = 0
    overdue_follow_ups: int = 0
    overdue_actions: int = 0
    overdue_commitments: int = 0
    open_concerns: int = 0
    escalated_concerns: int = 0
    concern_points: int = 0
    contact_penalty: int = 0
    sentiment_penalty: int = 0
    overdue_penalty: int = 0
    concern_penalty: int = 0
    score: int = 100
    band: str = HealthBand.GREEN
    day: dt.date | None = None

    @property
    def sentiment_average(self) -> Decimal | None:
        if not self.sentiment_weight:
            return None
        return (Decimal(self.sentiment_weighted_sum) / self.sentiment_weight).quantize(Decimal("0.1"))

    @property
    def overdue_items(self) -> int:
        return self.overdue_follow_ups + self.overdue_actions + self.overdue_commitments

    @property
    def overdue_summary(self) -> str:
        """What is past its date, naming only the kinds that are, e.g. "1 action past its date"."""
        follow_ups, actions, commitments = (
            self.overdue_follow_ups,
            self.overdue_actions,
            self.overdue_commitments,
        )
        kinds = [
            (follow_ups, ngettext("%(count)s follow-up", "%(count)s follow-ups", follow_ups)),
            (actions, ngettext("%(count)s action", "%(count)s actions", actions)),
            (commitments, ngettext("%(count)s commitment", "%(count)s commitments", commitments)),
        ]
        items = get_text_list([text % {"count": count} for count, text in kinds if count], _("and"))
        return ngettext("%(items)s past its date.", "%(items)s past their date.", self.overdue_items) % {
            "items": items
        }

    def band_label(self) -> str:
        return HealthBand(self.band).label


def health_parts(
    *,
    cadence_days: int | None = None,
    days_overdue: int = 0,
    sentiment_count: int = 0,
    sentiment_weighted_sum: int = 0,
    sentiment_weight: int = 0,
    overdue_follow_ups: int = 0,
    overdue_actions: int = 0,
    overdue_commitments: int = 0,
    open_concerns: int = 0,
    escalated_concerns: int = 0,
    concern_points: int = 0,
    contacted: bool = True,
    day: dt.date | None = None,
) -> HealthParts:
    """The formula in Python: the same arithmetic as HEALTH_SQL, from the same inputs."""
    contact = 0 if not cadence_days else min(CONTACT_MAX, CONTACT_MAX * days_overdue // cadence_days)
    sentiment = (
        0
        if not sentiment_weight
        else min(SENTIMENT_MAX, max(0, -SENTIMENT_PER_POINT * sentiment_weighted_sum // sentiment_weight))
    )
    overdue = min(OVERDUE_MAX, OVERDUE_EACH * (overdue_follow_ups + overdue_actions + overdue_commitments))
    concerns = min(CONCERN_MAX, concern_points)
    score = max(0, 100 - contact - sentiment - overdue - concerns)
    return HealthParts(
        cadence_days=cadence_days,
        days_overdue=days_overdue,
        sentiment_count=sentiment_count,
        sentiment_weighted_sum=sentiment_weighted_sum,
        sentiment_weight=sentiment_weight,
        overdue_follow_ups=overdue_follow_ups,
        overdue_actions=overdue_actions,
        overdue_commitments=overdue_commitments,
        open_concerns=open_concerns,
        escalated_concerns=escalated_concerns,
        concern_points=concern_points,
        contact_penalty=contact,
        sentiment_penalty=sentiment,
        overdue_penalty=overdue,
        concern_penalty=concerns,
        score=score,
        band=band_for(score, contacted=contacted),
        day=day,
    )


# One row per active stakeholder (or per stakeholder in %(ids)s): the formula's inputs, penalties, score and
# band. The parameters are filled in by `health_sql`. For today, the last contact is the stored one
# (the interaction services keep it equal to the newest interaction); for a past day it is recomputed from
# the interactions before that day ends, so a back-filled history tells the truth as far as the registers
# remember it: follow-ups, actions, commitments and concerns count as open until they were done, completed,
# fulfilled, broken, cancelled or resolved.
HEALTH_SQL = """
WITH people AS (
    SELECT s.id, s.owner_id, s.influence, s.interest, s.contact_cadence_days AS cadence_days, s.created_at,
           {last_contact} AS last_contact
    FROM contacts_stakeholder s
    {last_contact_join}
    WHERE (NOT s.is_archived OR s.archived_at >= %(cutoff)s) AND s.created_at < %(cutoff)s {only_people}
),
sentiment AS (
    SELECT st.stakeholder_id,
           count(*) AS n,
           sum(i.sentiment * CASE WHEN i.occurred_at >= %(recent_since)s THEN %(recent_weight)s ELSE 1 END)
               AS weighted_sum,
           sum(CASE WHEN i.occurred_at >= %(recent_since)s THEN %(recent_weight)s ELSE 1 END) AS weight
    FROM interactions_interaction_stakeholders st
    JOIN interactions_interaction i ON i.id = st.interaction_id
    WHERE i.occurred_at >= %(sentiment_since)s AND i.occurred_at < %(cutoff)s AND NOT i.is_confidential
          {only_links}
    GROUP BY st.stakeholder_id
),
follow_ups AS (
    SELECT st.stakeholder_id, count(*) AS n
    FROM interactions_interaction_stakeholders st
    JOIN interactions_interaction i ON i.id = st.interaction_id
    WHERE i.follow_up_on < %(day)s AND i.occurred_at < %(cutoff)s
          AND (i.follow_up_done_at IS NULL OR i.follow_up_done_at >= %(cutoff)s) {only_links}
    GROUP BY st.stakeholder_id
),
overdue_actions AS (
    SELECT a.id, a.meeting_id, a.owner_stakeholder_id
    FROM meetings_actionitem a
    -- Not one of a cancelled meeting (ActionItemQuerySet.outstanding), whatever the day: a meeting keeps no
    -- date of its cancellation to tell a past day's figures by.
    JOIN meetings_meeting m ON m.id = a.meeting_id AND m.status <> 'cancelled'
    WHERE a.due_on < %(day)s AND a.created_at < %(cutoff)s {only_actions}
          AND (a.status IN ('open', 'in_progress')
               OR (a.status = 'done' AND a.completed_at >= %(cutoff)s)
               OR (a.status = 'cancelled' AND a.cancelled_at >= %(cutoff)s))
),
actions AS (
    SELECT stakeholder_id, count(*) AS n
    FROM (
        SELECT a.owner_stakeholder_id AS stakeholder_id, a.id FROM overdue_actions a
        WHERE a.owner_stakeholder_id IS NOT NULL
        UNION
        SELECT att.stakeholder_id, a.id FROM overdue_actions a
        -- Those it is work on (AttendeeQuerySet.not_recorded_absent): not one recorded absent.
        JOIN meetings_attendee att ON att.meeting_id = a.meeting_id AND att.stakeholder_id IS NOT NULL
             AND att.attended IS NOT FALSE
    ) pairs
    WHERE TRUE {only_pairs}
    GROUP BY stakeholder_id
),
commitments AS (
    SELECT c.stakeholder_id, count(*) AS n
    FROM commitments_commitment c
    WHERE c.due_on < %(day)s AND c.created_at < %(cutoff)s
          AND (c.status = 'open'
               OR (c.status = 'fulfilled' AND c.fulfilled_at >= %(cutoff)s)
               OR (c.status = 'broken' AND c.broken_at >= %(cutoff)s)
               OR (c.status = 'cancelled' AND c.cancelled_at >= %(cutoff)s))
          {only_registers}
    GROUP BY c.stakeholder_id
),
concerns AS (
    SELECT c.stakeholder_id,
           count(*) AS n,
           count(*) FILTER (WHERE c.raised_on < %(escalate_before)s) AS escalated,
           sum(%(per_severity)s * c.severity
               + CASE WHEN c.raised_on < %(escalate_before)s THEN %(escalated_points)s ELSE 0 END) AS points
    FROM concerns_concern c
    WHERE c.raised_on <= %(day)s
          AND (c.status IN ('open', 'in_progress') OR (c.status = 'resolved' AND c.resolved_at >= %(cutoff)s))
          {only_registers}
    GROUP BY c.stakeholder_id
),
inputs AS (
    SELECT p.id AS stakeholder_id, p.owner_id, u.team_id, COALESCE(o.kind, '') AS organisation_kind,
           p.influence, p.interest, p.cadence_days, p.last_contact IS NOT NULL AS contacted,
           CASE WHEN p.cadence_days IS NULL THEN 0
                ELSE GREATEST(0, %(day)s::date
                     - ((timezone(%(zone)s, COALESCE(p.last_contact, p.created_at)))::date + p.cadence_days))
           END AS days_overdue,
           COALESCE(se.n, 0) AS sentiment_count,
           COALESCE(se.weighted_sum, 0) AS sentiment_weighted_sum,
           COALESCE(se.weight, 0) AS sentiment_weight,
           COALESCE(fu.n, 0) AS overdue_follow_ups,
           COALESCE(ac.n, 0) AS overdue_actions,
           COALESCE(co.n, 0) AS overdue_commitments,
           COALESCE(cn.n, 0) AS open_concerns,
           COALESCE(cn.escalated, 0) AS escalated_concerns,
           COALESCE(cn.points, 0) AS concern_points
    FROM people p
    JOIN accounts_user u ON u.id = p.owner_id
    LEFT JOIN LATERAL (
        SELECT af.organisation_id FROM contacts_affiliation af
        WHERE af.stakeholder_id = p.id AND af.is_primary AND {primary_held}
        ORDER BY af.end_date DESC NULLS FIRST, af.start_date DESC, af.id
        LIMIT 1
    ) af ON TRUE
    LEFT JOIN contacts_organisation o ON o.id = af.organisation_id
    LEFT JOIN sentiment se ON se.stakeholder_id = p.id
    LEFT JOIN follow_ups fu ON fu.stakeholder_id = p.id
    LEFT JOIN actions ac ON ac.stakeholder_id = p.id
    LEFT JOIN commitments co ON co.stakeholder_id = p.id
    LEFT JOIN concerns cn ON cn.stakeholder_id = p.id
),
parts AS (
    SELECT inputs.*,
           CASE WHEN cadence_days IS NULL THEN 0
                ELSE LEAST(%(contact_max)s, %(contact_max)s * days_overdue / cadence_days)
           END AS contact_penalty,
           CASE WHEN sentiment_weight = 0 THEN 0
                ELSE LEAST(%(sentiment_max)s,
                           GREATEST(0, -%(per_sentiment)s * sentiment_weighted_sum / sentiment_weight))
           END AS sentiment_penalty,
           LEAST(%(overdue_max)s,
                 %(overdue_each)s * (overdue_follow_ups + overdue_actions + overdue_commitments))
               AS overdue_penalty,
           LEAST(%(concern_max)s, concern_points) AS concern_penalty
    FROM inputs
),
scored AS (
    SELECT parts.*,
           GREATEST(0, 100 - contact_penalty - sentiment_penalty - overdue_penalty - concern_penalty) AS score
    FROM parts
)
SELECT scored.*,
       CASE WHEN score >= %(green_from)s AND NOT contacted THEN 'no_contact'
            WHEN score >= %(green_from)s THEN 'green'
            WHEN score >= %(amber_from)s THEN 'amber'
            ELSE 'red'
       END AS band
FROM scored
"""

HEALTH_COLUMNS = (
    "stakeholder_id",
    "owner_id",
    "team_id",
    "organisation_kind",
    "influence",
    "interest",
    "cadence_days",
    "days_overdue",
    "sentiment_count",
    "sentiment_weighted_sum",
    "sentiment_weight",
    "overdue_follow_ups",
    "overdue_actions",
    "overdue_commitments",
    "open_concerns",
    "escalated_concerns",
    "concern_points",
    "contact_penalty",
    "sentiment_penalty",
    "overdue_penalty",
    "concern_penalty",
    "score",
    "band",
)
PART_FIELDS = HEALTH_COLUMNS[6:]


def day_cutoff(day: dt.date) -> dt.datetime:
    """The first moment after `day` in the current time zone: what happened before it counts for that day."""
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def health_sql(*, day: dt.date, ids: list[int] | None = None) -> tuple[str, dict]:
    """The statement and parameters computing health on `day`, for everyone or for the stakeholders `ids`."""
    today = timezone.localdate()
    cutoff = day_cutoff(day)
    if day >= today:
        last_contact, last_contact_join = "s.last_contacted_at", ""
    else:
        last_contact = "lc.occurred_at"
        last_contact_join = (
            "LEFT JOIN (SELECT st.stakeholder_id, max(i.occurred_at) AS occurred_at "
            "FROM interactions_interaction_stakeholders st "
            "JOIN interactions_interaction i ON i.id = st.interaction_id "
            "WHERE i.occurred_at < %(cutoff)s {only_links} GROUP BY st.stakeholder_id) lc "
            "ON lc.stakeholder_id = s.id"
        )
    restrict = ids is not None
    fragments = {
        "only_people": "AND s.id = ANY(%(ids)s)" if restrict else "",
        "only_links": "AND st.stakeholder_id = ANY(%(ids)s)" if restrict else "",
        "only_pairs": "AND stakeholder_id = ANY(%(ids)s)" if restrict else "",
        "only_registers": "AND c.stakeholder_id = ANY(%(ids)s)" if restrict else "",
        # Only the actions that can count for them, found by index: their own and their meetings'. (One
        # condition with OR made PostgreSQL read every action in the register.)
        "only_actions": (
            "AND a.id IN (SELECT own.id FROM meetings_actionitem own "
            "WHERE own.owner_stakeholder_id = ANY(%(ids)s) "
            "UNION ALL SELECT attended.id FROM meetings_actionitem attended "
            "JOIN meetings_attendee att ON att.meeting_id = attended.meeting_id "
            "WHERE att.stakeholder_id = ANY(%(ids)s) AND att.attended IS NOT FALSE)"
        )
        if restrict
        else "",
    }
    sql = HEALTH_SQL.format(
        last_contact=last_contact,
        last_contact_join=last_contact_join.format(**fragments),
        # Their primary position held on `day`: one, though a primary ending later may overlap the next.
        primary_held=held_on_sql("af", "%(day)s"),
        **fragments,
    )
    params = {
        "day": day,
        # The day of the last contact is counted where `day` is: the reader's zone for a live score, as
        # the stakeholder's page shows its due date; TIME_ZONE for the summaries.
        "zone": timezone.get_current_timezone_name(),
        "cutoff": cutoff,
        "ids": list(ids or []),
        "sentiment_since": cutoff - dt.timedelta(days=SENTIMENT_DAYS),
        "recent_since": cutoff - dt.timedelta(days=SENTIMENT_RECENT_DAYS),
        "recent_weight": SENTIMENT_RECENT_WEIGHT,
        "escalate_before": day - dt.timedelta(days=settings.CONCERN_ESCALATION_DAYS),
        "per_severity": CONCERN_PER_SEVERITY,
        "escalated_points": CONCERN_ESCALATED,
        "contact_max": CONTACT_MAX,
        "sentiment_max": SENTIMENT_MAX,
        "per_sentiment": SENTIMENT_PER_POINT,
        "overdue_max": OVERDUE_MAX,
        "overdue_each": OVERDUE_EACH,
        "concern_max": CONCERN_MAX,
        "green_from": GREEN_FROM,
        "amber_from": AMBER_FROM,
    }
    return sql, params


def health_now(stakeholder, *, day: dt.date | None = None) -> HealthParts | None:
    """One stakeholder's health today (in the reader's time zone), computed live; None once archived."""
    day = day or timezone.localdate()
    sql, params = health_sql(day=day, ids=[stakeholder.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(PART_FIELDS)} FROM ({sql}) health", params)
        row = cursor.fetchone()
    if row is None:
        return None
    return HealthParts(**dict(zip(PART_FIELDS, row, strict=True)), day=day)


def health_inputs_changed_since(stakeholder, moment: dt.datetime) -> bool:
    """Whether anything HEALTH_SQL reads for this stakeholder was written after `moment`: their record, an
    interaction with them, a concern or commitment of theirs, an action they own or from a meeting they
    attend, or such a meeting (its attendees). One statement; each part is found by an indexed key."""
    if stakeholder.updated_at > moment:
        return True
    pk, changed = stakeholder.pk, {"updated_at__gt": moment}
    attended = Meeting.objects.filter(attendees__stakeholder=pk)
    return (
        Stakeholder.objects.filter(pk=pk)
        .filter(
            Exists(Interaction.objects.filter(stakeholders=pk, **changed))
            | Exists(Concern.objects.filter(stakeholder=pk, **changed))
            | Exists(Commitment.objects.filter(stakeholder=pk, **changed))
            | Exists(ActionItem.objects.filter(Q(owner_stakeholder=pk) | Q(meeting__in=attended), **changed))
            | Exists(attended.filter(**changed))
        )
        .exists()
    )


def parts_from_snapshot(snapshot) -> HealthParts:
    return HealthParts(**{name: getattr(snapshot, name) for name in PART_FIELDS}, day=snapshot.day)
