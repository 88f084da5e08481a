import datetime as dt
import functools
from collections.abc import Iterable
from itertools import islice

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, JSONObject, Lower
from django.db.models.lookups import IsNull
from django.db.models.query import ModelIterable
from django.utils import timezone

from liaison_crm.array_lookups import AnyOf

from .search import email_address, has_phone_number, phone_number, search_by_name


class NamedQuerySet(QuerySet):
    """Rows whose name is what `str()` of the model gives: tags, organisations, stakeholders."""

    def picker_options(self) -> list[tuple[int, str]]:
        """Each row's id and name, for pickers (contacts.widgets), read as values rather than models."""
        return list(self.values_list("pk", "name"))


class TagQuerySet(NamedQuerySet):
    def by_key(self, keys: Iterable[str]) -> dict:
        """{key: tag} for the tags these keys (tag_keys) name."""
        return {tag.key: tag for tag in self.annotate(key=Lower("name")).filter(key__in=keys)}

    def visible_to(self, user):
        """Tags are the shared vocabulary of all staff, except a tag that only interactions the user may not
        read carry: its name, typed as a topic of a confidential interaction, would say what it was about.

        Unused tags, and those a stakeholder, an organisation or a readable interaction carries, are seen.
        """
        if not user.is_active:
            return self.none()
        if user.is_crm_admin:
            return self
        sql, params = _visible_tag_ids_sql(user, user.team_id, user.is_manager)
        return self.filter(pk__in=RawSQL(sql, params))

    def with_usage(self, user):
        """How many stakeholders, organisations and interactions carry each tag: a count per link table,
        each read from its tag_id index. Interactions count only those `user` may read, as in every count:
        a confidential interaction's topics would otherwise say what it was about."""
        from interactions.models import Interaction

        from .models import Organisation, Stakeholder

        def carrying(links):
            count = links.filter(tag=OuterRef("pk")).values("tag").annotate(n=Count("*")).values("n")
            return Coalesce(Subquery(count), 0)

        topic_links = Interaction.topics.through.objects
        interaction_count = carrying(topic_links)
        if not user.is_crm_admin:
            # All of the tag's interactions less those the user may not read, which are among the few
            # confidential ones: their topics are gathered once for the page, an array searched per tag,
            # where testing each of a million topic links against the rule took seconds.
            hidden = Interaction.objects.hidden_from(user).values("pk")
            topics = ArraySubquery(topic_links.filter(interaction__in=hidden).values("tag"))
            found = Func(topics, F("pk"), function="array_positions")
            interaction_count -= Func(found, function="cardinality", output_field=IntegerField())
        return self.annotate(
            stakeholder_count=carrying(Stakeholder.tags.through.objects),
            organisation_count=carrying(Organisation.tags.through.objects),
            interaction_count=interaction_count,
        )


# Building the probes cost a list page more than the rest of its filter form (3 ms of its 25, loaded), and
# their SQL depends only on who reads: the reader's id, and the team and role the confidentiality rule reads,
# which are part of the key so that a change of either builds it again. Built once per reader and process.
@functools.lru_cache(maxsize=1024)
def _visible_tag_ids_sql(user, team_id, is_manager) -> tuple[str, tuple]:
    """The SQL of the ids of the tags `user`, an officer or a manager, may see (TagQuerySet.visible_to)."""
    from interactions.models import Interaction

    from .models import Organisation, Stakeholder, Tag

    def first_use(links, carrier: str):
        # The first use in carrier order, from the links' (tag, carrier) index: ordered so, a tag of a
        # million topics is answered by its first entry, where PostgreSQL, estimating any tag to have the
        # average number of uses, may otherwise scan every link looking for a rare one.
        uses = links.filter(tag=OuterRef("pk")).order_by(carrier).values(carrier)[:1]
        return IsNull(Subquery(uses), False)

    topic_links = Interaction.topics.through.objects
    # Whether an interaction is readable is asked per link, as a value, so that it stays a lookup of the one
    # row (a join would read the interactions table in id order up to the tag's first topic).
    readable = Interaction.objects.visible_to(user).filter(pk=OuterRef("interaction")).values("pk")
    readable_topic_links = topic_links.alias(readable=Subquery(readable)).filter(readable__isnull=False)
    # In this order, nearly every tag is answered by one of the first probes: only a tag that confidential
    # interactions alone carry reaches the confidentiality rule, for its own few topics.
    visible = Tag.objects.filter(
        ~first_use(topic_links, "interaction")
        | first_use(Stakeholder.tags.through.objects, "stakeholder")
        | first_use(Organisation.tags.through.objects, "organisation")
        | first_use(readable_topic_links, "interaction")
    )
    return visible.order_by().values("pk").query.sql_with_params()


class OrganisationQuerySet(NamedQuerySet):
    def visible_to(self, user):
        # The organisation register is shared by all staff.
        return self if user.is_active else self.none()

    def search(self, text: str):
        return search_by_name(self, text)

    def with_people_count(self):
        """Each organisation with `people_count`: how many people hold a position there now, or in one of
        its departments at any depth (`AffiliationQuerySet.current`), as its page lists them and the
        stakeholder list's organisation filter finds them. Counted once the rows are read (`PeopleCounted`).
        """
        counted = self._chain()
        counted._iterable_class = PeopleCounted
        return counted

    def for_api(self):
        return self.with_people_count().prefetch_related("tags")

    def family_of(self, organisation):
        """The organisation and its departments at any depth (a ministry, its directorates and their units):
        what every page, register and report means by "the organisation and its departments".

        Found by a recursive query down the parent index, inside the query that uses it (never a list read
        first), so the family costs no round trip whatever its size; parents looped by a raw write end the
        walk (`_families_sql`).

        The ids are gathered into an array, computed once, that the rows are then read by: given the
        recursive query as a subquery (`pk__in`), PostgreSQL guessed it to find a hundred organisations, and
        the organisation's timeline then read the whole interaction log for its page (650 ms at a million
        interactions, against 2 ms).
        """
        family = f"ARRAY({_families_sql(self.model)} SELECT id FROM family)"
        return self.filter(AnyOf(F("pk"), RawSQL(family, [[organisation.pk]])))


def _families_sql(model) -> str:
    """`WITH RECURSIVE family(head, id)`: each organisation of an array of ids (the one parameter) as the
    head of its family, with itself and each of its departments at any depth, down the parent index.

    UNION rather than UNION ALL: a (head, organisation) pair already found is not followed again, so
    parents looped by a write that skipped the checks of the forms and imports end the walk instead of
    hanging it.

    Each level's departments are looked up organisation by organisation (a lateral subquery, kept whole by
    OFFSET 0): PostgreSQL guesses every level ten times the one above, and for a page of 50 heads, guessing
    thousands, joined the level by reading the whole register.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    return f"""
        WITH RECURSIVE family(head, id) AS (
            SELECT id, id FROM {table} WHERE id = ANY(%s)
            UNION
            SELECT family.head, department.id FROM family CROSS JOIN LATERAL (
                SELECT id FROM {table} WHERE parent_id = family.id OFFSET 0
            ) department
        )
    """


def people_counts(organisation_ids: list[int]) -> dict[int, int]:
    """{organisation id: how many people hold a position now in it or its departments at any depth}, for
    all of them in one query; organisations nobody works in are left out. A person holding positions in
    two departments of one family counts once there.

    Each member of the families is looked up in the positions by its own (a lateral subquery, kept whole by
    OFFSET 0), down the index of positions by organisation: joined at once, the families of a page of 50
    organisations, guessed thousands, were joined by reading every current position and every person
    (550 ms for the page against 40 ms at 100,000 people).
    """
    from .models import Affiliation, Organisation

    positions, params = (
        Affiliation.objects.current()
        .filter(organisation=RawSQL("family.id", ()))
        .order_by()
        .values(person=F("stakeholder"))
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            {_families_sql(Organisation)}
            SELECT family.head, COUNT(DISTINCT position.person)
            FROM family CROSS JOIN LATERAL ({positions} OFFSET 0) position
            GROUP BY family.head
            """,
            [organisation_ids, *params],
        )
        return dict(cursor.fetchall())


def departments_nearest_first(organisation, *, limit: int) -> list:
    """Up to `limit` of the organisation's departments at any depth, each with its `depth` below it (1 for
    its own departments): the nearest levels first (all its directorates before any of their units), in
    name order within each.

    Walked down the parent index level by level in one query, which returns only the rows asked for,
    however large the family. Each organisation has one parent, so a walk down from the organisation can
    only come round to the organisation itself, where parents looped by a raw write end it.
    """
    from .models import Organisation

    table = connection.ops.quote_name(Organisation._meta.db_table)
    return list(
        Organisation.objects.raw(
            f"""
            WITH RECURSIVE department(id, depth) AS (
                SELECT id, 1 FROM {table} WHERE parent_id = %(organisation)s
                UNION ALL
                SELECT below.id, department.depth + 1 FROM department CROSS JOIN LATERAL (
                    SELECT id FROM {table} WHERE parent_id = department.id OFFSET 0
                ) below
                WHERE below.id <> %(organisation)s
            )
            SELECT organisation.id, organisation.name, organisation.kind, organisation.parent_id,
                department.depth
            FROM department JOIN {table} organisation USING (id)
            ORDER BY department.depth, organisation.name, organisation.id
            LIMIT %(limit)s
            """,
            {"organisation": organisation.pk, "limit": limit},
        )
    )


class PeopleCounted(ModelIterable):
    """Organisations read with their `people_count` (`people_counts`) put on each: one more query for the
    rows read, or for each chunk of an `iterator()`, as `prefetch_related` reads relations.

    A family is a recursive walk: as a subquery of each row, a list page walked one per organisation
    shown, where this walks the families of the whole page at once.
    """

    def __iter__(self):
        rows = super().__iter__()
        # Read whole, except by `iterator()`, which reads a chunk at a time to keep memory flat.
        batch_size = self.chunk_size if self.chunked_fetch else None
        while batch := list(islice(rows, batch_size)):
            counts = people_counts([organisation.pk for organisation in batch])
            for organisation in batch:
                organisation.people_count = counts.get(organisation.pk, 0)
            yield from batch


def local_contact_due():
    """`Stakeholder.contact_due` in SQL: a cadence after the day of the last contact (or of the day they
    were added) in the current time zone."""
    return ExpressionWrapper(
        Func(
            Value(timezone.get_current_timezone_name()),
            Coalesce("last_contacted_at", "created_at"),
            template="(timezone(%(expressions)s))::date",
            output_field=DateField(),
        )
        + F("contact_cadence_days"),
        output_field=DateField(),
    )


def held_on(day: dt.date) -> Q:
    """Positions held on `day`: begun by then (or with no start date) and not over. The end date is the last
    day held, so a position ending on `day` still counts, and one ending later is as current as one with no
    end date. `Affiliation.is_current` and `held_on_sql` say the same for a row and for raw SQL."""
    return (Q(start_date__isnull=True) | Q(start_date__lte=day)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def held_on_sql(positions: str, day: str) -> str:
    """`held_on` as a condition of raw SQL: `positions` the alias of the positions' table, `day` the
    placeholder of the day."""
    return (
        f"({positions}.start_date IS NULL OR {positions}.start_date <= {day})"
        f" AND ({positions}.end_date IS NULL OR {positions}.end_date >= {day})"
    )


class AffiliationQuerySet(QuerySet):
    def held_now(self):
        """Positions held today, on the reader's calendar (`held_on`)."""
        return self.held_on(timezone.localdate())

    def held_on(self, day: dt.date):
        return self.filter(held_on(day))

    def primary_first(self):
        """Positions held now in the order a person's "current position" is picked from: the primary one
        first (one ending next month included), then open-ended ones, then the most recently begun."""
        return self.held_now().order_by(
            "-is_primary", F("end_date").desc(nulls_first=True), "-start_date", "pk"
        )

    def current(self):
        """Positions held now by people still on the register: an archived person is no longer anyone's
        contact there, as the stakeholder list and the relationship map already say."""
        return self.held_now().filter(stakeholder__is_archived=False)


class StakeholderQuerySet(NamedQuerySet):
    def visible_to(self, user):
        # The stakeholder register is shared; confidentiality applies to interactions, not to people.
        return self if user.is_active else self.none()

    def active(self):
        return self.filter(is_archived=False)

    def search(self, text: str):
        # Whoever has the address or number pasted in first, then whoever its words find: a mistyped address
        # (or one not in the register yet) finds nobody by itself, and a reference, a date or an amount
        # looks like a phone number. An address's words are read as stored, without "mailto:".
        return search_by_name(self, email_address(text) or text, ahead=self.having_contact_detail(text))

    def having_contact_detail(self, text: str) -> AnyOf | None:
        """A condition: the stakeholder has the email address the text is, or else the phone number ("who
        is this?" of a caller's number, however either side wrote it); None when it is neither."""
        if address := email_address(text):
            return self.found_by_index(Q(emails__contains=[address]))
        if number := phone_number(text):
            return self.found_by_index(has_phone_number(number))
        return None

    def found_by_index(self, contact_detail: Q) -> AnyOf:
        """A condition: the stakeholder has the email address or phone number asked for.

        Their ids are found first, by the GIN index, and the rows then read by id. As a filter of the page's
        query, PostgreSQL, which cannot estimate how few people share an element of an array, read the whole
        register in name order looking for them (120 ms at 100,000 people for a number nobody has).
        """
        found = ArraySubquery(self.model.objects.filter(contact_detail).order_by().values("pk"))
        return AnyOf(F("pk"), found)

    def due_for_contact_by(self, day):
        """Those whose contact falls due on or before `day`, on the reader's calendar
        (`Stakeholder.contact_due`). The stored `contact_due_on`, indexed, is at most a day from it: it
        narrows the rows, the reader's own date decides."""
        return (
            self.filter(contact_due_on__lte=day + dt.timedelta(days=1))
            .alias(local_contact_due=local_contact_due())
            .filter(local_contact_due__lte=day)
        )

    def overdue_for_contact(self, on=None):
        return self.due_for_contact_by((on or timezone.localdate()) - dt.timedelta(days=1))

    def invited_to(self, meeting):
        return self.filter(meeting_attendances__meeting=meeting)

    def of_organisation_kind(self, kind: str):
        """Those whose current primary position is at an organisation of this kind."""
        from .models import Affiliation

        return self.filter(
            Exists(
                Affiliation.objects.held_now().filter(
                    stakeholder=OuterRef("pk"), is_primary=True, organisation__kind=kind
                )
            )
        )

    def at_organisation(self, organisation):
        """Those with a position held now at the organisation or one of its departments, at any depth."""
        from .models import Affiliation, Organisation

        return self.filter(
            Exists(
                Affiliation.objects.held_now().filter(
                    organisation__in=Organisation.objects.family_of(organisation), stakeholder=OuterRef("pk")
                )
            )
        )

    def with_current_positions(self):
        from .models import Affiliation

        return self.prefetch_related(
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.primary_first().select_related("organisation"),
                to_attr="current_positions",
            )
        )

    def for_list(self):
        # The stored search vector is only for matching: never read it back.
        return (
            self.defer("search_vector")
            .select_related("owner")
            .with_current_positions()
            .prefetch_related("tags")
        )

    def for_list_rows(self):
        """What a row of the stakeholder list shows: the name, status, owner, last and next contact, and the
        tag names and current position of `with_row_summary`."""
        return (
            self.only(
                "name", "is_archived", "last_contacted_at", "created_at", "contact_cadence_days",
                "owner__username",
                "owner__first_name", "owner__last_name", "owner__is_active",
            )
            .select_related("owner")
            .with_row_summary()
        )  # fmt: skip

    def with_row_summary(self):
        """Each stakeholder's tag names (`tag_names`) and current position, the primary one first
        (`current_position`: its role, organisation id and organisation name), from subqueries of the rows'
        own query.

        Prefetching tags and positions made a model instance and a queryset per tag, position and
        organisation, and two more round trips: a third of the list page's time, and most of an export's.
        """
        return self.annotate(tag_names=ArraySubquery(self._tag_names())).with_current_position()

    def with_current_position(self):
        """Each stakeholder's current position, the primary one first (`current_position`: its role,
        organisation id and organisation name, or None), from a subquery of the rows' own query."""
        from .models import Affiliation

        position = (
            Affiliation.objects.primary_first()
            .filter(stakeholder=OuterRef("pk"))
            .values(
                position=JSONObject(
                    role="role", organisation_id="organisation_id", organisation_name="organisation__name"
                )
            )[:1]
        )
        return self.annotate(current_position=Subquery(position))

    def for_api(self):
        """Each stakeholder with their tag names and all their positions, past and present, as plain values.

        The tags and positions come as arrays from subqueries of the one query for the page (each an index
        probe per row): prefetching them made a model instance and a queryset for every tag, position and
        organisation, and cost two more round trips, together more than half of an API page's time.
        """
        from .models import Affiliation

        positions = (
            Affiliation.objects.filter(stakeholder=OuterRef("pk"))
            .order_by(*Affiliation._meta.ordering, "pk")
            .values(
                position=JSONObject(
                    id="pk", organisation="organisation_id", organisation_name="organisation__name",
                    role="role", department="department", start_date="start_date", end_date="end_date",
                    is_primary="is_primary",
                    is_current=ExpressionWrapper(held_on(timezone.localdate()), output_field=BooleanField()),
                )
            )
        )  # fmt: skip
        return self.defer("search_vector").annotate(
            api_tag_names=ArraySubquery(self._tag_names()), api_positions=ArraySubquery(positions)
        )

    def _tag_names(self):
        """Each stakeholder's tag names, in order: for a subquery of its row."""
        return (
            self.model.tags.through.objects.filter(stakeholder=OuterRef("pk"))
            .order_by("tag__name", "tag_id")
            .values("tag__name")
        )
