from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject, TruncDate
from django.db.models.lookups import IsNull

from contacts.search import prefix_query


class InteractionQuerySet(QuerySet):
    def visible_to(self, user):
        """Confidential interactions are seen by their author, the colleague asked to follow them up, the
        stakeholders' owners and managers.

        Managers see their team's confidential interactions (authored by, followed up by, or about a
        stakeholder owned by, a member of their team); administrators see all.
        """
        if not user.is_active:
            return self.none()
        if user.is_crm_admin:
            return self
        # Few interactions are confidential: the tests of who may read one are only made for those.
        return self.filter(Q(is_confidential=False) | Q(is_confidential=True) & self._readable(user))

    def readable_as_confidential(self, user):
        """The interactions `user` could read were they confidential, whether they are now or not.

        For what was written while an interaction was confidential (its earlier versions, in its history):
        made public later, it is still readable only by those the rule of `visible_to` lets in.
        """
        if not user.is_active:
            return self.none()
        if user.is_crm_admin:
            return self
        return self.filter(self._readable(user))

    def _readable(self, user):
        """The condition that lets `user`, an officer or a manager, read a confidential interaction's row."""
        by, about = self._readers(user)
        # A stakeholder of theirs among the interaction's, asked row by row as a scalar subquery: written as
        # EXISTS, PostgreSQL may hash every participation of the team's stakeholders first (60,000 at scale)
        # however few confidential rows a page asks for.
        return by | IsNull(Subquery(about.values("pk")[:1]), False)

    def hidden_from(self, user):
        """The interactions `user` may not read: what `visible_to(user)` leaves out."""
        if not user.is_active:
            return self
        if user.is_crm_admin:
            return self.none()
        by, about = self._readers(user)
        # All of them at once (the tags page), where the hash join visible_to avoids is the cheaper plan: an
        # anti-join over the confidential rows, twice as fast as asking each of them.
        return self.filter(is_confidential=True).exclude(by).exclude(Exists(about))

    def _readers(self, user):
        """Who may read a confidential interaction, for an officer or a manager: a condition on its row (by
        or chased by them) and the participations that make it about a stakeholder of theirs."""
        from django.contrib.auth import get_user_model

        if user.is_manager and user.team_id is not None:
            # The manager is one of their team: what they logged, chase or own is among the team's.
            team = get_user_model().objects.of_team(user.team_id)
            by = Q(logged_by__in=team) | Q(follow_up_owner__in=team)
            about = {"stakeholder__owner__in": team}
        else:
            by = Q(logged_by=user) | Q(follow_up_owner=user)
            about = {"stakeholder__owner": user}
        participations = self.model.stakeholders.through.objects.filter(interaction=OuterRef("pk"), **about)
        return by, participations

    def readers(self) -> tuple[set[int], set[int]]:
        """Who may read these interactions when confidential, by the rule of `_readers`: the people who logged
        them, chase them or own their stakeholders, and those people's teams, whose managers may too."""
        from django.contrib.auth import get_user_model

        people = get_user_model().objects.filter(
            Q(pk__in=self.values("logged_by"))
            | Q(pk__in=self.values("follow_up_owner"))
            | Q(pk__in=self.values("stakeholders__owner"))
        )
        pairs = list(people.values_list("pk", "team_id"))
        return {pk for pk, _team in pairs}, {team for _pk, team in pairs if team is not None}

    def readers_of_each(self) -> dict[int, tuple[frozenset[int], frozenset[int]] | None]:
        """`readers()` of each of these interactions, by id, in one query; None for one that is not
        confidential: all staff may read it."""
        owners = self.model.stakeholders.through.objects.filter(interaction=OuterRef("pk")).values(
            owner=JSONObject(id="stakeholder__owner_id", team="stakeholder__owner__team_id")
        )
        # A dict by id: no order to sort them in.
        rows = self.order_by().values_list(
            "pk",
            "is_confidential",
            "logged_by_id",
            "logged_by__team_id",
            "follow_up_owner_id",
            "follow_up_owner__team_id",
            ArraySubquery(owners),
        )
        readers = {}
        for pk, is_confidential, author, author_team, chaser, chaser_team, stakeholder_owners in rows:
            if not is_confidential:
                readers[pk] = None
                continue
            pairs = [(author, author_team), (chaser, chaser_team)]
            pairs += [(owner["id"], owner["team"]) for owner in stakeholder_owners]
            readers[pk] = (
                frozenset(person for person, _team in pairs if person is not None),
                frozenset(team for _person, team in pairs if team is not None),
            )
        return readers

    def logged_by_team(self, team):
        """Logged by a member of `team`. The members as a subquery, not a join: PostgreSQL then reads each
        member's range of the (logged_by, occurred_at) index instead of every interaction of the period."""
        from django.contrib.auth import get_user_model

        return self.filter(logged_by__in=get_user_model().objects.of_team(team))

    def search(self, text: str):
        query = prefix_query(text)
        return self if query is None else self.filter(search_vector=query)

    def with_stakeholder(self, stakeholder):
        """Interactions with the stakeholder, through their participation rows (interactions.Participation).

        Those rows carry the interaction's time and join on it, so newest-first pages come straight from
        the index (stakeholder, occurred_at) however long the stakeholder's history is.
        """
        return self.filter(participations__stakeholder=stakeholder)

    def for_organisation(self, organisation, *, start=None, end=None):
        """The interactions that count for the organisation: those filed against it or one of its departments
        at any depth (`family_of`), and those filed against no organisation with someone who held a position
        there on the day (`held_on`, on the reader's calendar).

        One filed against another organisation is that organisation's business, whoever was there: a council
        planner who is also a charity's trustee does not make a site visit to the council the charity's. Nor
        does someone who joined since, or who has left, move the work of a day to or from the organisation.

        Their ids come from the two indexes that hold them — interactions by organisation, participations by
        stakeholder (each of those who ever held a position there) — in one union: put as one condition with
        OR, PostgreSQL could use neither, and walked the whole log newest first until it had found a page (a
        second at a million interactions). A report passes its period's `start` and `end`, so that each side
        reads only the period's range of its index rather than everything before the period is filtered.
        """
        from contacts.models import Affiliation, Organisation
        from contacts.querysets import held_on

        from .models import Participation

        period = {}
        if start is not None:
            period["occurred_at__gte"] = start
        if end is not None:
            period["occurred_at__lt"] = end
        family = Organisation.objects.family_of(organisation).values("pk")
        positions = Affiliation.objects.filter(organisation__in=family)
        # Without the log's newest-first order, which the union has no use for (a sort of every id found).
        filed_with_the_family = (
            self.model.objects.filter(organisation__in=family, **period).order_by().values("pk")
        )
        held_on_the_day = positions.filter(
            held_on(OuterRef("occurred_on")), stakeholder=OuterRef("stakeholder")
        )
        with_its_people_on_the_day = (
            Participation.objects.alias(occurred_on=TruncDate("occurred_at"))
            .filter(
                Exists(held_on_the_day),
                stakeholder__in=positions.values("stakeholder"),
                interaction__organisation__isnull=True,
                **period,
            )
            .values("interaction_key")
        )
        return self.filter(pk__in=filed_with_the_family.union(with_its_people_on_the_day))

    def open_follow_ups(self):
        return self.filter(follow_up_on__isnull=False, follow_up_done_at__isnull=True)

    def for_follow_up_list(self):
        """Open follow-ups, soonest due first, with what a row shows and what decides whether the reader may
        mark it done (`can_update_follow_up`: who logged it and who chases it, with their teams)."""
        return (
            self.open_follow_ups()
            .defer("search_vector")
            .select_related("logged_by", "follow_up_owner")
            .prefetch_related("stakeholders")
            .order_by("follow_up_on", "pk")
        )

    def for_api(self):
        """Each interaction with its stakeholders (id and name), the ids of the staff present and its topic
        names, as plain values.

        They come as arrays from subqueries of the one query for the page (each an index probe per row):
        prefetching them made a model instance and a queryset for every person and topic of the page, and
        cost three more round trips, together more than half of an API page's time.
        """
        staff = (
            self.model.staff_present.through.objects.filter(interaction=OuterRef("pk"))
            .order_by("user__first_name", "user__last_name", "user__username", "user_id")
            .values("user_id")
        )
        return self.defer("search_vector").annotate(
            api_stakeholders=ArraySubquery(self._people()),
            api_staff_present=ArraySubquery(staff),
            api_topic_names=ArraySubquery(self._topic_names()),
        )

    def _people(self):
        """Each interaction's stakeholders as {id, name}, by name: for a subquery of its row."""
        return (
            self.model.stakeholders.through.objects.filter(interaction=OuterRef("pk"))
            .order_by("stakeholder__name", "stakeholder_id")
            .values(person=JSONObject(id="stakeholder_id", name="stakeholder__name"))
        )

    def _topic_names(self):
        """Each interaction's topic names, in order: for a subquery of its row."""
        return (
            self.model.topics.through.objects.filter(interaction=OuterRef("pk"))
            .order_by("tag__name", "tag_id")
            .values("tag__name")
        )

    def for_reference(self):
        """What another record shows of an interaction it points to (InteractionBriefSerializer).

        Start from `visible_to(user)`: what the reader may not see is then simply not there.
        """
        return self.only("id", "kind", "occurred_at", "summary", "is_confidential")

    def for_timeline(self):
        """A page of a timeline: who logged each entry, where, with whom (`timeline_people`: id and name, by
        name), on what (`timeline_topics`: names), and who chases its follow-up (`timeline_follow_up_owner`:
        their name, from a subquery of the row, as most entries have no follow-up to fetch an owner for).

        The author and organisation are fetched by id rather than joined: joined to a stakeholder's timeline
        (whose row count PostgreSQL cannot estimate through the participation join) the planner would scan
        the organisation table once per entry. The people and topics come as arrays from subqueries of the
        page's own query: prefetching them made a queryset per entry and two more round trips.
        """
        from django.contrib.auth import get_user_model

        from accounts.querysets import person_name
        from contacts.models import Organisation

        owner = get_user_model().objects.filter(pk=OuterRef("follow_up_owner")).values(name=person_name())
        return (
            self.defer("search_vector")
            .annotate(
                timeline_people=ArraySubquery(self._people()),
                timeline_topics=ArraySubquery(self._topic_names()),
                timeline_follow_up_owner=Subquery(owner),
            )
            .prefetch_related(
                Prefetch(
                    "logged_by",
                    queryset=get_user_model().objects.only("id", "username", "first_name", "last_name"),
                ),
                Prefetch("organisation", queryset=Organisation.objects.only("id", "name")),
            )
        )
