from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from contacts.search import name_resembles, name_starts, prefix_query, search_terms


class MeetingQuerySet(QuerySet):
    def visible_to(self, user):
        # Meetings are shared across staff; confidential detail belongs in a confidential interaction.
        return self if user.is_active else self.none()

    def search(self, text: str):
        """Meetings `search_matches` finds for the words typed."""
        matches = search_matches(text)
        return self if matches is None else self.filter(matches)

    def as_told(self):
        """With what every message about a meeting shows of it: its organiser, series, agenda, and guests with
        their records."""
        return self.select_related("organiser", "series").prefetch_related(
            "agenda_items", "attendees__stakeholder", "attendees__user"
        )

    def upcoming(self):
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at", "pk")

    def past(self):
        return self.filter(ends_at__lt=timezone.now()).order_by("-starts_at", "-pk")

    def involving(self, user):
        """Meetings the user organises or is invited to."""
        from .models import Attendee

        return self.filter(
            Q(organiser=user) | Exists(Attendee.objects.filter(meeting=OuterRef("pk"), user=user))
        )

    def expecting(self, user):
        """Meetings the user is expected at: those they organise, and those they are invited to and have not
        declined. A day's meetings are these (My day, the daily digest), as the reminders are."""
        from .models import Attendee

        return self.filter(
            Q(organiser=user)
            | Exists(Attendee.objects.filter(meeting=OuterRef("pk"), user=user).not_declined())
        )

    def with_stakeholder(self, stakeholder):
        from .models import Attendee

        return self.filter(Exists(Attendee.objects.filter(meeting=OuterRef("pk"), stakeholder=stakeholder)))

    def had_with(self, stakeholder):
        """Meetings with the stakeholder that they were not recorded absent from, as their report lists
        them: held with them, still to come, or cancelled."""
        return self.filter(Exists(_invitations(stakeholder=stakeholder).not_recorded_absent()))

    def missed_by(self, stakeholder):
        """Meetings the stakeholder was invited to and recorded absent from."""
        return self.filter(Exists(_invitations(stakeholder=stakeholder).recorded_absent()))

    def with_missed(self, stakeholder):
        """Annotates whether the stakeholder was recorded absent from each meeting: `missed`."""
        return self.annotate(missed=Exists(_invitations(stakeholder=stakeholder).recorded_absent()))

    def with_missed_by_people_at(self, organisations):
        """Annotates whether the people of `organisations` (a subquery of their ids: an organisation and its
        departments) missed each meeting, as one stakeholder misses one (`with_missed`): some of those who
        worked there on the day it started were invited, and every one of those was recorded absent. Who
        works there now would not do: someone who has left since came as one of theirs, and someone who
        joined since was absent for another organisation. A meeting none of them was invited to was not
        missed by them: `missed` is false. The day is on the reader's calendar, as `held_now`'s is."""
        from contacts.models import Affiliation
        from contacts.querysets import held_on

        worked_there = Affiliation.objects.filter(
            held_on(OuterRef(OuterRef("starts_on"))),
            stakeholder=OuterRef("stakeholder"),
            organisation__in=organisations,
        )
        invited = _invitations().filter(Exists(worked_there))
        return self.alias(starts_on=TruncDate("starts_at")).annotate(
            missed=Exists(invited) & ~Exists(invited.not_recorded_absent())
        )

    def this_and_following(self, occurrence):
        """The occurrence of a series and its later planned ones, in the series' order: what cancelling
        "this and following" cancels."""
        from .models import MeetingStatus

        return self.filter(
            series=occurrence.series_id,
            status=MeetingStatus.PLANNED,
            original_start__gte=occurrence.original_start,
        ).order_by("original_start")

    def for_organisation(self, organisation):
        """Meetings with the organisation or one of its departments, at any depth (`family_of`)."""
        from contacts.models import Organisation

        return self.filter(organisation__in=Organisation.objects.family_of(organisation))

    def for_list(self):
        """With each meeting's stakeholders as `guests`, in the order they were invited."""
        from .models import Attendee

        guests = Attendee.objects.filter(stakeholder__isnull=False).select_related("stakeholder")
        return self.select_related("organiser", "organisation", "series").prefetch_related(
            Prefetch("attendees", queryset=guests, to_attr="guests")
        )

    def with_staff(self):
        """With each meeting's staff invited as `staff`, in the order they were invited (the export's)."""
        from .models import Attendee

        staff = Attendee.objects.filter(user__isnull=False).select_related("user")
        return self.prefetch_related(Prefetch("attendees", queryset=staff, to_attr="staff"))

    def for_api(self, user):
        """Everything the API shows of a meeting, in a fixed number of queries, as `user` may see it.

        The interaction logged when it was held appears only if `user` may read it.
        """
        from interactions.models import Interaction

        from .models import ActionItem, Attendee

        # The stored search vector is only for matching: never read it back.
        return (
            self.defer("search_vector")
            .select_related("organiser", "series")
            .prefetch_related(
                Prefetch(
                    "attendees",
                    queryset=Attendee.objects.select_related("stakeholder").only(
                        "meeting_id", "user_id", "rsvp", "responded_at", "attended", "stakeholder__name"
                    ),
                ),
                "agenda_items",
                "decisions",
                "documents",
                Prefetch("action_items", queryset=ActionItem.objects.only("id", "meeting_id").order_by("pk")),
                Prefetch("interaction", queryset=Interaction.objects.visible_to(user).for_reference()),
            )
        )


def _invitations(**people):
    """The outer meeting's invitations: all of them, or those of `people` (`stakeholder=` one)."""
    from .models import Attendee

    return Attendee.objects.filter(meeting=OuterRef("pk"), **people)


def recorded_absent(prefix: str = "") -> Q:
    """Attendees recorded absent (`prefix` as for `met`): invited, and said not to have come when the meeting
    was recorded as held or its attendance corrected. Not recorded yet (null) is not absent."""
    return Q(**{f"{prefix}attended": False})


def met(prefix: str = "") -> Q:
    """Attendees who count as met (`prefix` reaches them through a relation, "meeting__attendees__"): those
    recorded present, and, until a meeting is recorded as held, those invited to one that has started and
    was not cancelled who had not declined — as recording it held without ticking anyone presumes
    (meetings.services._present_ids). One recorded absent was invited, and is listed as absent where the
    meeting's people are, but was not met; nor was anyone invited to a cancelled meeting, and nobody is met
    at a meeting still to come.

    Who is met is not all that ties work to a stakeholder: `AttendeeQuerySet.not_recorded_absent` says why.
    """
    from .models import MeetingStatus, Rsvp

    meeting = f"{prefix}meeting__"
    return Q(**{f"{prefix}attended": True}) | Q(
        **{
            f"{prefix}attended__isnull": True,
            # Said as the replies that count rather than "not declined": a negation across a relation
            # ("meeting__attendees__") would ask whether anyone at the meeting declined, not this attendee.
            f"{prefix}rsvp__in": [rsvp for rsvp in Rsvp.values if rsvp != Rsvp.DECLINED],
            # Held too: one held before attendance was recorded counts those invited as having come.
            f"{meeting}status__in": (MeetingStatus.PLANNED, MeetingStatus.HELD),
            f"{meeting}starts_at__lte": timezone.now(),
        }
    )


class AttendeeQuerySet(QuerySet):
    def not_declined(self):
        """Invitations the guest has not declined: those reminded of the meeting
        (notifications.reminders_schedule), and expected at it."""
        from .models import Rsvp

        return self.exclude(rsvp=Rsvp.DECLINED)

    def met(self):
        return self.filter(met())

    def recorded_absent(self):
        return self.filter(recorded_absent())

    def not_recorded_absent(self):
        """Invitations that tie a meeting's work to the stakeholder invited: all but those recorded absent,
        whatever became of the meeting. The actions of a meeting still to come with them are work on them as
        much as those of one they came to: their health card counts them when overdue (dashboards.health, in
        SQL), and a handover of the people at an organisation moves them with them."""
        return self.exclude(recorded_absent())


class ActionItemQuerySet(QuerySet):
    def visible_to(self, user):
        return self if user.is_active else self.none()

    def open(self):
        return self.filter(status__in=["open", "in_progress"])

    def outstanding(self):
        """Open actions still expected of someone: not those of a cancelled meeting. An action can be added
        to a meeting still planned (services.action_item_add), and cancelling the meeting may leave it open
        on it; once the meeting is called off nobody expects it. Whatever chases or counts work reads
        this (or `overdue`): the dashboard, My day, digests, reports, the health card (dashboards.health
        says it again in SQL). Lists of open actions (My actions, the meeting's page) still show them, last
        (`live_first`), to be closed or handed on; they are still their holder's work, which a handover
        moves and by which a leaver is still found (contacts.queries.open_work)."""
        from .models import MeetingStatus

        return self.open().exclude(meeting__status=MeetingStatus.CANCELLED)

    def overdue(self, on=None):
        return self.outstanding().filter(due_on__lt=on or timezone.localdate())

    def live_first(self):
        """Soonest due first (undated last, as PostgreSQL sorts them), those of a cancelled meeting after
        all the others: still open, but nobody expects them."""
        from .models import MeetingStatus

        of_cancelled_meeting = Case(
            When(meeting__status=MeetingStatus.CANCELLED, then=Value(True)), default=Value(False)
        )
        return self.order_by(of_cancelled_meeting, "due_on", "pk")

    def chased_by_officer(self, user):
        """The actions one officer answers for (`chased_by`), on their own lists: My actions, My day and their
        digest show what the dashboard counts as theirs."""
        return self.filter(Q(owner_user=user) | Q(chaser=user))

    def chased_by(self, officers):
        """The actions `officers` (a queryset of users) answer for: those they own, and the stakeholders'
        they chase (`ActionItem.chaser`: the meeting's organiser unless it was handed on). "An officer's
        actions" and "the team's actions" on the dashboard and in reports are these: a team's are its
        members' own plus the stakeholders' they chase, wherever the meeting was organised."""
        ids = officers.values("pk")
        return self.filter(Q(owner_user__in=ids) | Q(chaser__in=ids))

    def with_chaser(self):
        """Annotates who answers for each action (`chased_by`): `chasing_officer`."""
        return self.annotate(chasing_officer=Coalesce("owner_user", "chaser"))

    def with_chaser_and_team(self):
        """`with_chaser`, and the chasing officer's team (`chasing_team`), which team figures group by; it
        joins both users' rows, which a list of chasers alone does not need."""
        return self.with_chaser().annotate(chasing_team=Coalesce("owner_user__team", "chaser__team"))

    def owed_by(self, stakeholder):
        """A stakeholder's outstanding actions, soonest due first (undated last), each with its meeting and
        who chases it: what an officer chases when next in touch with them, or asks a colleague about."""
        return (
            self.outstanding()
            .filter(owner_stakeholder=stakeholder)
            .select_related("meeting", "chaser")
            .only(
                "description",
                "due_on",
                "status",
                "meeting__title",
                "meeting__starts_at",
                "meeting__status",
                "chaser__first_name",
                "chaser__last_name",
                "chaser__username",
            )
            .order_by(F("due_on").asc(nulls_last=True), "pk")
        )

    def for_list(self):
        return self.select_related("meeting", "owner_user", "owner_stakeholder", "chaser")

    def for_api(self):
        # The meeting's organiser and the owner's or chaser's team decide who may move an action along.
        return self.select_related("meeting__organiser", "owner_user", "chaser").defer(
            "meeting__search_vector"
        )


def search_matches(text: str) -> Q | None:
    """A filter: meetings whose title, purpose, minutes or place has a word starting with each word typed
    ("Town Hall"), or that `people_matches` finds by who is in them. None when nothing was typed that can be
    searched for.

    The meetings' ids, as one set from two that an index finds each (the words in the stored tsvector, the
    names in `MeetingPeople`'s): asked as conditions on each meeting instead, PostgreSQL would read every
    meeting to test them."""
    query = prefix_query(text)
    if query is None:
        return None
    from .models import Meeting

    words = Meeting.objects.filter(search_vector=query).order_by().values("pk")
    return Q(pk__in=words.union(_people_ids(text), all=True))


def people_matches(text: str) -> Q | None:
    """A filter: meetings whose organiser's or invited people's names have a word starting with each word
    typed; only when nobody's name does (no meeting's people, no stakeholder, no member of staff), those
    whose names resemble the words ("Ama Owsu"). Otherwise a first name typed in full on the way to a family
    name ("rachel fletc") would resemble every Rachel's name and bring all their meetings, whether or not
    Rachel Fletcher is in one. The words may fall in two people's names ("rachel" in one, "fletcher" in
    another): a meeting's names are one text (`MeetingPeople`), so that one index finds them."""
    if prefix_query(text) is None:
        return None
    return Q(pk__in=_people_ids(text))


def _people_ids(text: str):
    from django.contrib.auth import get_user_model

    from accounts.querysets import person_name
    from contacts.models import Stakeholder

    from .models import MeetingPeople

    named = MeetingPeople.objects.filter(names_vector=prefix_query(text)).order_by()
    # One-time tests, in the order PostgreSQL asks them: a meeting's names first, as most names typed are.
    nobody_named = (
        ~Exists(named)
        & ~Exists(Stakeholder.objects.filter(name_starts(text, vector_field="search_vector")))
        & ~Exists(
            get_user_model()
            .objects.annotate(staff_name=person_name())
            .filter(name_starts(text, name_field="staff_name"))
        )
    )
    resembling = MeetingPeople.objects.filter(
        nobody_named, name_resembles(" ".join(search_terms(text)), name_field="names")
    ).order_by()
    return named.values("meeting").union(resembling.values("meeting"), all=True)
