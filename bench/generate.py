"""Builds the benchmark data set: the same rows for the same size and seed, loaded with COPY in minutes.

At the default size: 100,000 stakeholders at 20,000 organisations, 1,000,000 interactions (most people
have about ten; a few have thousands: the worst-case timeline), 50,000 follow-ups, 20,000 meetings,
10,000 commitments, 5,000 concerns and 200 staff. Names, roles, notes and summaries come from the demo
data's lists (contacts/management/commands/seed_demo.py): trigram search behaves differently on real
names than on synthetic syllables.

How it stays fast: every table is emptied and filled in one transaction (TRUNCATE, then COPY … FREEZE, so
nothing is rewritten later to set hint bits); secondary indexes are dropped first and rebuilt once at the
end, and foreign keys are not checked row by row (the generator makes them consistent by construction).
Rows are written as COPY text, generated in chunks, so memory stays bounded.
"""

import math
import random
import threading
import uuid
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from time import perf_counter

from contacts.management.commands.seed_demo import (
    CADENCES,
    CHANNEL_WEIGHTS,
    COMMUNICATION_NOTES,
    CONCERNS,
    COUNTRIES,
    CULTURES,
    ENGAGEMENT_WEIGHTS,
    EVENTS,
    FOLLOW_UP_NOTES,
    GENERAL_CULTURAL_NOTES,
    INBOUND_SHARE,
    INTERACTION_NOTES,
    KIND_DEPARTMENTS,
    KIND_ROLES,
    KIND_WEIGHTS,
    ORGANISATION_TAGS,
    ORGANISATIONS,
    OUTCOMES,
    PREFERRED_HOURS,
    RESOLUTIONS,
    SENTIMENT_WEIGHTS,
    SENTIMENTS,
    STAKEHOLDER_NOTES,
    STAKEHOLDER_TAGS,
    SUMMARIES,
    THEY_PROMISED,
    TOPIC_NAMES,
    TOPIC_PHRASES,
    WE_PROMISED,
    _ascii_slug,
    organisation_units,
)
from contacts.models import OrganisationKind as Kind
from history.tracking import history_tables, history_trigger_names

from .sizes import Size

SEED = 7
PASSWORD = "liaison-bench"
HISTORY_DAYS = 3 * 365
DAY = 86_400
CHUNK = 20_000


# Places for the generated organisations, by country (the demo's countries and their people).
PLACES = {
    "United Kingdom": (
        "Northbridge", "Eastmere", "Ashford Vale", "Kingsmoor", "Harrowgate", "Brackenfield", "Wexley",
        "Thornbury", "Castleford", "Millbrook", "Saltmarsh", "Redcliffe", "Oakhampton", "Lowestead",
        "Stonebridge", "Fernhill", "Whitby Cross", "Marston", "Elmsworth", "Greyfriars", "Hollins Green",
        "Aldermoor", "Bramley", "Colwick", "Dunmore", "Fairhaven", "Glenrothes", "Hartley", "Ivybridge",
        "Kirkdale", "Langley Park", "Morecambe Bay", "Newhaven", "Ormskirk", "Penrith", "Queensferry",
        "Rushden", "Shipley", "Tewkesbury", "Upton", "Wrexham", "Yarmouth", "Barnsfield", "Cleethorpe",
        "Denholme", "Eccleston", "Frodsham", "Garforth", "Hebden", "Ilkley", "Keswick", "Ludlow",
        "Malvern", "Nantwich", "Oswestry", "Pudsey", "Ripon", "Sedbergh", "Thirsk", "Ulverston",
    ),
    "Ireland": ("Dublin", "Cork", "Galway", "Limerick", "Waterford", "Kilkenny", "Sligo", "Athlone"),
    "Kenya": ("Lakeside Town", "Kisumu", "Nakuru", "Eldoret", "Machakos", "Nyeri", "Kakamega", "Naivasha"),
    "France": ("Orléans", "Tours", "Rennes", "Nantes", "Dijon", "Besançon", "Angers", "Limoges", "Poitiers"),
    "Senegal": ("Dakar", "Thiès", "Saint-Louis", "Kaolack", "Ziguinchor", "Touba", "Mbour"),
    "Canada": ("Kestrel Bay", "Halifax", "Moncton", "Sudbury", "Kingston", "Thunder Bay", "Guelph"),
    "United States": ("Springfield", "Riverton", "Fairview", "Madison", "Georgetown", "Clinton", "Salem"),
    "Peru": ("Urubamba", "Cusco", "Arequipa", "Puno", "Ayacucho", "Huancayo", "Cajamarca"),
    "Jordan": ("Amman", "Irbid", "Zarqa", "Madaba", "Aqaba", "Jerash", "Salt"),
    "India": ("Pune", "Nagpur", "Nashik", "Mysuru", "Kochi", "Indore", "Bhopal", "Coimbatore"),
    "Bangladesh": ("Khulna", "Rajshahi", "Sylhet", "Barisal", "Rangpur", "Comilla", "Bogura"),
    "Vietnam": ("Cần Thơ", "Huế", "Đà Nẵng", "Vinh", "Quy Nhơn", "Long Xuyên", "Mỹ Tho"),
    "New Zealand": ("Auckland", "Hamilton", "Tauranga", "Napier", "Nelson", "Rotorua", "Whanganui"),
    "South Africa": ("Cape Town", "Durban", "Gqeberha", "Polokwane", "Mbombela", "Kimberley", "Mthatha"),
}  # fmt: skip
COUNTRY_WEIGHTS = {
    "United Kingdom": 50, "Ireland": 5, "Kenya": 6, "France": 5, "Senegal": 3, "Canada": 5,
    "United States": 6, "Peru": 3, "Jordan": 3, "India": 5, "Bangladesh": 3, "Vietnam": 2,
    "New Zealand": 2, "South Africa": 2,
}  # fmt: skip
QUALIFIERS = ("", "", "", "North ", "South ", "East ", "West ", "Greater ", "Upper ", "Lower ", "Central ")
ORGANISATION_PATTERNS = {
    Kind.GOVERNMENT_AGENCY: (
        ("{place} City Council", "Local government"), ("{place} County Council", "Local government"),
        ("{place} Borough Council", "Local government"), ("{place} Health Board", "Public health"),
        ("{place} Water Authority", "Utilities regulation"), ("{place} Fire and Rescue Service", "Emergency"),
        ("{place} Regional Development Agency", "Economic development"),
        ("{place} Planning Authority", "Planning"), ("{place} Education Office", "Education"),
    ),
    Kind.COMMUNITY_GROUP: (
        ("{place} Tenants' Association", "Housing"), ("{place} Residents' Association", "Housing"),
        ("{place} Community Trust", "Community development"), ("{place} Youth Forum", "Youth"),
        ("{place} Women's Network", "Community development"), ("Friends of {place} Park", "Environment"),
        ("{place} Food Bank", "Food security"), ("{place} Interfaith Forum", "Faith & community"),
        ("{place} Refugee Support Group", "Migration"), ("{place} Disability Forum", "Disability rights"),
    ),
    Kind.PARTNER: (
        ("{place} University", "Higher education & research"), ("{place} Foundation", "Philanthropy"),
        ("{place} Chamber of Commerce", "Business"), ("{place} Development Trust", "Community development"),
        ("{place} Institute for Public Policy", "Research"), ("{place} Climate Alliance", "Environment"),
        ("{place} Skills Partnership", "Vocational training"),
    ),
    Kind.CLIENT: (
        ("{place} Housing Group", "Social housing"), ("{place} Transport Partnership", "Transport"),
        ("{place} Homes", "Social housing"), ("{place} Energy Cooperative", "Energy"),
        ("{place} Hospitals Trust", "Health care"), ("{place} Water Company", "Utilities"),
    ),
    Kind.SUPPLIER: (
        ("{place} Catering Ltd", "Catering"), ("{place} Print & Design", "Printing"),
        ("{place} Translation Services", "Translation & interpreting"),
        ("{place} Event Hire", "Events & venues"),
        ("{place} Facilities Management", "Facilities"), ("{place} IT Solutions", "Information technology"),
    ),
    Kind.MEDIA: (
        ("The {place} Courier", "Local news"), ("{place} Gazette", "Local news"), ("Radio {place}", "Radio"),
        ("{place} Evening Post", "Local news"), ("{place} Live", "Online news"),
    ),
}  # fmt: skip
KIND_SHARES = {
    Kind.GOVERNMENT_AGENCY: 22, Kind.COMMUNITY_GROUP: 30, Kind.PARTNER: 18, Kind.CLIENT: 12,
    Kind.SUPPLIER: 10, Kind.MEDIA: 8,
}  # fmt: skip
UNIT_NAMES = (
    "Housing Services", "Planning & Regeneration", "Finance", "Communications", "Community Engagement",
    "Research Office", "Grants Team", "Legal Services", "Programmes", "Policy Unit",
)  # fmt: skip
TEAM_AREAS = (
    "Government relations", "Community engagement", "Partnerships", "Media relations", "Funders",
    "International", "Internal liaison", "Public affairs", "Local authorities", "Civil society",
)  # fmt: skip
TEAM_REGIONS = ("North", "South", "East", "West", "Central", "Coastal", "Metropolitan", "Rural", "Overseas")
STREETS = ("High Street", "Station Road", "Market Square", "Church Lane", "Mill Road", "Harbour Road")
MEETING_TITLES = (
    "Quarterly review with {organisation}", "{topic}: working group", "Steering group on {topic}",
    "Introductory meeting with {organisation}", "Partnership board", "Site visit planning: {topic}",
    "Consultation drop-in: {topic}", "Annual relationship review", "Funding discussion with {organisation}",
)  # fmt: skip
MEETING_PLACES = (
    "Liaison House, room 2", "Their offices", "Civic Centre, committee room 3", "Community hall",
    "Online", "Town hall", "University campus, seminar room",
)  # fmt: skip


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def _array(values: Iterable[str]) -> str:
    # Every element quoted; the generated values hold no quotes or backslashes.
    return "{" + ",".join(f'"{value}"' for value in values) + "}"


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, UTC).date()


class Loader:
    """Writes rows to tables with COPY … FREEZE, in chunks, inside the transaction that emptied them."""

    def __init__(self, connection):
        self.connection = connection
        self.buffers: dict[str, list[str]] = {}
        self.columns: dict[str, tuple[str, ...]] = {}
        self.rows: dict[str, int] = {}

    def table(self, name: str, columns: tuple[str, ...]) -> None:
        self.columns[name] = columns
        self.buffers[name] = []
        self.rows[name] = 0

    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append("\t".join(map(_copy_text, row)))
        if len(buffer) >= CHUNK:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.buffers):
            buffer = self.buffers[name]
            if not buffer:
                continue
            columns = ", ".join(self.columns[name])
            statement = f"COPY {name} ({columns}) FROM STDIN WITH (FREEZE)"
            with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
                copy.write("\n".join(buffer) + "\n")
            self.rows[name] += len(buffer)
            buffer.clear()


@dataclass
class Person:
    """A stakeholder being generated: what later rows (interactions, meetings) need to know of them."""

    organisation: int
    owner: int
    created: float
    until: float  # archived people are not contacted after they were archived
    name: str
    address: str


class Generator:
    def __init__(self, size: Size, *, now: datetime, seed: int = SEED, log: Callable[[str], None] = print):
        self.size = size
        self.rng = random.Random(seed)
        self.now = now.timestamp()
        self.today = now.date()
        self.log = log

    # Staff -------------------------------------------------------------------------------------------

    def staff(self, loader: Loader, group_ids: dict[str, int], password_hash: str) -> None:
        rng = self.rng
        team_count = max(2, self.size.users // 10)
        teams = []
        for area in TEAM_AREAS:
            for region in TEAM_REGIONS:
                teams.append(f"{area} ({region})")
        rng.shuffle(teams)
        teams = teams[:team_count]
        loader.table("accounts_team", ("id", "name"))
        for index, name in enumerate(teams, start=1):
            loader.add("accounts_team", (index, name))

        loader.table(
            "accounts_user",
            (
                "id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
                "is_active", "date_joined", "time_zone", "team_id", "is_service_account",
            ),
        )  # fmt: skip
        loader.table("accounts_user_groups", ("id", "user_id", "group_id"))
        british = CULTURES["british"]
        cultures = list(CULTURES.values())
        taken = set()
        self.officers_by_team: dict[int, list[int]] = {team: [] for team in range(1, team_count + 1)}
        self.officers: list[int] = []
        self.managers: list[int] = []
        for user_id in range(1, self.size.users + 1):
            # 1: the administrator; 2..teams+1: one manager per team; then officers across the teams.
            # The benchmark signs in as "officer" (team 1) and "manager" (its manager).
            if user_id == 1:
                role, team, username = "Admin", None, "admin"
            elif user_id <= team_count + 1:
                role, team = "Manager", user_id - 1
                username = "manager" if team == 1 else None
            else:
                role, team = "Officer", (user_id - team_count - 2) % team_count + 1
                username = "officer" if user_id == team_count + 2 else None
            culture = british if rng.random() < 0.5 else rng.choice(cultures)
            given = rng.choice(culture.female + culture.male)
            family = rng.choice(culture.family)
            if username is None:
                username = f"{_ascii_slug(given)[:1]}.{_ascii_slug(family)}"
                base, number = username, 2
                while username in taken:
                    username, number = f"{base}{number}", number + 1
            taken.add(username)
            joined = _at(self.now - rng.randint(200, 2000) * DAY)
            loader.add(
                "accounts_user",
                (
                    user_id, password_hash, role == "Admin", username, given, family,
                    f"{username}@example.org", role == "Admin", True, joined, "Europe/London", team, False,
                ),
            )  # fmt: skip
            loader.add("accounts_user_groups", (user_id, user_id, group_ids[role]))
            if role == "Officer":
                self.officers.append(user_id)
                self.officers_by_team[team].append(user_id)
            elif role == "Manager":
                self.managers.append(user_id)
        self.team_of = {}
        for team, members in self.officers_by_team.items():
            for member in members:
                self.team_of[member] = team

    # Tags and organisations --------------------------------------------------------------------------

    def tags(self, loader: Loader) -> None:
        names = [*TOPIC_NAMES, *STAKEHOLDER_TAGS, *ORGANISATION_TAGS]
        loader.table("contacts_tag", ("id", "name"))
        for tag_id, name in enumerate(names, start=1):
            loader.add("contacts_tag", (tag_id, name))
        self.tag_ids = {name: tag_id for tag_id, name in enumerate(names, start=1)}

    def organisations(self, loader: Loader) -> None:
        rng = self.rng
        loader.table(
            "contacts_organisation",
            (
                "id", "name", "kind", "sector", "website", "address", "country", "notes", "created_at",
                "updated_at", "parent_id",
            ),
        )  # fmt: skip
        loader.table("contacts_organisation_tags", ("id", "organisation_id", "tag_id"))
        self.org_kind: list[str] = [""]  # by id; index 0 unused
        self.org_country: list[str] = [""]
        self.org_domain: list[str] = [""]
        self.org_name: list[str] = [""]
        weights: list[float] = [0.0]
        names: set[str] = set()
        tag_row = 0

        def add(name, kind, sector, country, address, domain, notes="", parent=None, weight=None, tags=()):
            nonlocal tag_row
            org_id = len(self.org_kind)
            created = self.now - rng.randint(400, 3000) * DAY
            updated = created + (self.now - created) * rng.random()
            loader.add(
                "contacts_organisation",
                (
                    org_id, name, kind, sector, f"https://www.{domain}/", address, country, notes,
                    _at(created), _at(updated), parent,
                ),
            )  # fmt: skip
            names.add(name)
            self.org_kind.append(kind)
            self.org_country.append(country)
            self.org_domain.append(domain)
            self.org_name.append(name)
            weights.append(weight if weight is not None else rng.choice((1, 1, 2, 3, 5)))
            for tag in tags:
                tag_row += 1
                loader.add("contacts_organisation_tags", (tag_row, org_id, self.tag_ids[tag]))
            return org_id

        by_name = {}
        for seed in ORGANISATIONS:
            by_name[seed.name] = add(
                seed.name, seed.kind, seed.sector, seed.country, seed.address, seed.domain, seed.notes,
                weight=seed.weight * 3, tags=(*seed.tags, *seed.topics),
            )  # fmt: skip
        for parent, unit in organisation_units():
            parent_id = by_name[parent]
            by_name[unit] = add(
                unit, self.org_kind[parent_id], "", self.org_country[parent_id], "",
                self.org_domain[parent_id], parent=parent_id,
            )  # fmt: skip

        target = self.size.organisations
        top_level = int(target * 0.8)
        countries, country_weights = zip(*COUNTRY_WEIGHTS.items(), strict=True)
        kinds, kind_weights = zip(*KIND_SHARES.items(), strict=True)
        parents = []
        while len(self.org_kind) - 1 < top_level:
            country = rng.choices(countries, country_weights)[0]
            kind = rng.choices(kinds, kind_weights)[0]
            pattern, sector = rng.choice(ORGANISATION_PATTERNS[kind])
            place = rng.choice(QUALIFIERS) + rng.choice(PLACES[country])
            name = pattern.format(place=place)
            if name in names:
                name = f"{name}, {rng.choice(PLACES[country])} office"
                if name in names:
                    continue
            domain = "-".join(filter(None, map(_ascii_slug, name.split())))[:50] + ".example.org"
            tags = rng.sample(ORGANISATION_TAGS, rng.choice((0, 0, 1, 2)))
            address = f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {place}"
            parents.append(add(name, kind, sector, country, address, domain, tags=tags))
        while len(self.org_kind) - 1 < target:
            parent_id = rng.choice(parents)
            name = f"{self._org_name(parent_id)}: {rng.choice(UNIT_NAMES)}"
            if name in names:
                continue
            add(
                name, self.org_kind[parent_id], "", self.org_country[parent_id], "",
                self.org_domain[parent_id], parent=parent_id,
            )  # fmt: skip
        self.org_weights = weights
        self.org_ids = list(range(1, len(self.org_kind)))

    def _org_name(self, org_id: int) -> str:
        return self.org_name[org_id]

    # Stakeholders and their interactions -------------------------------------------------------------

    def plan(self) -> None:
        """Who each stakeholder is, and how many interactions each has: the skew lives here."""
        rng = self.rng
        size = self.size
        count = size.stakeholders
        org_cumulative = list(_cumulative(self.org_weights[1:]))
        self.people: list[Person] = [None]  # by id
        self.people_at: dict[int, list[int]] = {}
        self.person_rows = []
        culture_cache = {}
        for person_id in range(1, count + 1):
            org_id = rng.choices(self.org_ids, cum_weights=org_cumulative)[0]
            country = COUNTRIES[self.org_country[org_id]]
            if country not in culture_cache:
                names, weights = zip(*country.cultures, strict=True)
                culture_cache[country] = (names, weights)
            culture_names, culture_weights = culture_cache[country]
            culture = CULTURES[rng.choices(culture_names, culture_weights)[0]]
            female = rng.random() < 0.5
            given = rng.choice(culture.female if female else culture.male)
            family = rng.choice(culture.family)
            name = f"{family} {given}" if culture.family_first else f"{given} {family}"
            surname = given.split()[-1] if culture.addressed_by_given else family
            roll = rng.random()
            if roll < 0.12:
                address = f"Dr {surname}"
            elif roll < 0.22:
                address = given
            elif roll < 0.3:
                address = ""
            else:
                address = f"{culture.honorifics[0 if female else 1]} {surname}"
            # Most people were added in the last five years; heavy contacts long ago.
            created = self.now - rng.uniform(20, 5 * 365) * DAY
            archived = rng.random() < 0.03
            until = created + (self.now - created) * rng.uniform(0.5, 1) if archived else self.now
            owner = rng.choice(self.officers)
            self.people.append(Person(org_id, owner, created, until, name, address or name))
            self.people_at.setdefault(org_id, []).append(person_id)
            self.person_rows.append((culture, female, given, family, archived))

        # Interactions per person: about ten for most (a gamma spread), none for a few new contacts, and
        # over a thousand for the heavy contacts. The first heavy contact is the worst-case timeline.
        total = size.interactions
        heavy = min(size.heavy_stakeholders, count)
        heavy_ids = rng.sample(range(1, count + 1), heavy)
        counts = array("l", [0]) * (count + 1)
        worst = min(5000, total // 20)
        for index, person_id in enumerate(heavy_ids):
            counts[person_id] = worst if index == 0 else min(rng.randint(1000, 3000), total // 50)
            person = self.people[person_id]
            person.created = self.now - rng.uniform(4, 6) * 365 * DAY
            person.until = self.now
            self.person_rows[person_id - 1] = (*self.person_rows[person_id - 1][:4], False)
        self.worst_case_id = heavy_ids[0]
        # Owned by a colleague of the benchmark's officer: the confidentiality rule has work to do.
        colleagues = [user for user in self.officers_by_team[1] if user != self.officers_by_team[1][0]]
        if colleagues:
            self.people[self.worst_case_id].owner = colleagues[0]
        remaining = total - sum(counts)
        heavy_set = set(heavy_ids)
        normal = [person_id for person_id in range(1, count + 1) if person_id not in heavy_set]
        weights = [0.0 if rng.random() < 0.02 else rng.gammavariate(4.0, 1.0) for _ in normal]
        scale = remaining / sum(weights)
        assigned = 0
        for person_id, weight in zip(normal, weights, strict=True):
            counts[person_id] = int(weight * scale)
            assigned += counts[person_id]
        for person_id in rng.choices(normal, weights, k=remaining - assigned):
            counts[person_id] += 1
        self.counts = counts

    def stakeholders(self, loader: Loader, last_contact: array) -> None:
        rng = self.rng
        loader.table(
            "contacts_stakeholder",
            (
                "id", "name", "form_of_address", "emails", "phones", "languages", "time_zone",
                "preferred_channel", "preferred_hours", "cultural_notes", "communication_notes", "notes",
                "influence", "interest", "engagement_level", "contact_cadence_days", "is_archived",
                "archived_at", "last_contacted_at", "created_at", "updated_at", "owner_id",
            ),
        )  # fmt: skip
        loader.table("contacts_stakeholder_tags", ("id", "stakeholder_id", "tag_id"))
        loader.table(
            "contacts_affiliation",
            (
                "id",
                "role",
                "department",
                "start_date",
                "end_date",
                "is_primary",
                "organisation_id",
                "stakeholder_id",
            ),
        )
        channels, channel_weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
        levels, level_weights = zip(*ENGAGEMENT_WEIGHTS.items(), strict=True)
        tag_row = affiliation_row = 0
        for person_id in range(1, self.size.stakeholders + 1):
            person = self.people[person_id]
            culture, _female, given, family, archived = self.person_rows[person_id - 1]
            org_id = person.organisation
            country = COUNTRIES[self.org_country[org_id]]
            languages = list(rng.choice(culture.languages))
            if country.language not in languages:
                languages.append(country.language)
            email = f"{_ascii_slug(given)}.{_ascii_slug(family)}@{self.org_domain[org_id]}"
            phone = "".join(
                str(rng.randint(0, 9)) if char == "#" else char for char in rng.choice(country.phones)
            )
            cultural = rng.choice((*culture.notes, *GENERAL_CULTURAL_NOTES)) if rng.random() < 0.4 else ""
            communication = rng.choice(COMMUNICATION_NOTES) if rng.random() < 0.45 else ""
            notes = rng.choice(STAKEHOLDER_NOTES) if rng.random() < 0.5 else ""
            influence = rng.choices((1, 2, 3, 4, 5), (2, 3, 4, 3, 1))[0]
            hours = rng.choice(PREFERRED_HOURS) if rng.random() < 0.3 else ""
            cadence = rng.choices(CADENCES, (10, 30, 30, 15, 15))[0]
            last = last_contact[person_id]
            archived_at = _at(person.until) if archived else None
            created = person.created
            updated = max(created, last) if last else created
            loader.add(
                "contacts_stakeholder",
                (
                    person_id, person.name, "" if person.address == person.name else person.address,
                    _array([email]), _array([phone]), _array(languages), rng.choice(country.time_zones),
                    rng.choices(channels, channel_weights)[0], hours, cultural, communication, notes,
                    influence, rng.choices((1, 2, 3, 4, 5), (1, 2, 4, 4, 2))[0],
                    rng.choices(levels, level_weights)[0], cadence, archived, archived_at,
                    _at(last) if last else None, _at(created), _at(updated), person.owner,
                ),
            )  # fmt: skip
            if rng.random() < 0.3:
                for tag in rng.sample(STAKEHOLDER_TAGS, rng.choice((1, 1, 2))):
                    tag_row += 1
                    loader.add("contacts_stakeholder_tags", (tag_row, person_id, self.tag_ids[tag]))
            kind = self.org_kind[org_id]
            roles = KIND_ROLES[kind]
            started = _day(created) - timedelta(days=rng.randint(0, 2000))
            if rng.random() < 0.2:
                # A past position elsewhere, ended when the current one began.
                affiliation_row += 1
                past_org = rng.choice(self.org_ids)
                past_start = started - timedelta(days=rng.randint(300, 3000))
                loader.add(
                    "contacts_affiliation",
                    (
                        affiliation_row, rng.choice(KIND_ROLES[self.org_kind[past_org]]), "", past_start,
                        started, False, past_org, person_id,
                    ),
                )  # fmt: skip
            if rng.random() < 0.96:
                affiliation_row += 1
                department = rng.choice(KIND_DEPARTMENTS.get(kind, ("",))) if rng.random() < 0.4 else ""
                loader.add(
                    "contacts_affiliation",
                    (affiliation_row, rng.choice(roles), department, started, None, True, org_id, person_id),
                )
            if rng.random() < 0.1:
                affiliation_row += 1
                other = rng.choice(self.org_ids)
                loader.add(
                    "contacts_affiliation",
                    (affiliation_row, "Trustee", "", started, None, False, other, person_id),
                )

    def interactions(self, loader: Loader) -> array:
        """Writes the interactions in time order (ids grow with time); returns each person's last contact."""
        rng = self.rng
        size = self.size
        # When each interaction happened, and with whom: planned first, so ids can follow time.
        moments = array("d")
        primaries = array("l")
        for person_id in range(1, size.stakeholders + 1):
            person = self.people[person_id]
            start = max(person.created, self.now - HISTORY_DAYS * DAY)
            end = person.until
            for _ in range(self.counts[person_id]):
                moment = start + (end - start) * rng.random()
                # Working hours: the day it fell on, between 08:00 and 18:00 UTC.
                day = math.floor(moment / DAY) * DAY
                moment = day + rng.randint(8 * 3600, 18 * 3600 - 1)
                moments.append(min(moment, end))
                primaries.append(person_id)
        self.log(f"  planned {len(moments):,} interactions")
        order = sorted(range(len(moments)), key=moments.__getitem__)
        follow_ups = set(rng.sample(range(len(moments)), min(size.follow_ups, len(moments))))
        last_contact = array("d", [0.0]) * (size.stakeholders + 1)

        loader.table(
            "interactions_interaction",
            (
                "id", "kind", "direction", "occurred_at", "summary", "notes", "outcome", "sentiment",
                "follow_up_on", "follow_up_note", "follow_up_done_at", "is_confidential", "created_at",
                "updated_at", "logged_by_id", "organisation_id", "follow_up_owner_id",
            ),
        )  # fmt: skip
        # occurred_at: the interaction's time, which triggers copy (interactions migration 0002); COPY in
        # replica mode fires no triggers, so the generator writes it.
        loader.table(
            "interactions_interaction_stakeholders", ("id", "interaction_id", "stakeholder_id", "occurred_at")
        )
        loader.table("interactions_interaction_topics", ("id", "interaction_id", "tag_id"))
        loader.table("interactions_interaction_staff_present", ("id", "interaction_id", "user_id"))
        kinds, kind_weights = zip(*KIND_WEIGHTS.items(), strict=True)
        kind_cumulative = list(_cumulative(kind_weights))
        sentiment_cumulative = list(_cumulative(SENTIMENT_WEIGHTS))
        topic_ids = [self.tag_ids[name] for name in TOPIC_NAMES]
        participant_row = topic_row = staff_row = 0
        today_epoch = self.now
        for interaction_id, index in enumerate(order, start=1):
            person_id = primaries[index]
            person = self.people[person_id]
            moment = moments[index]
            kind = kinds[_pick(rng, kind_cumulative)]
            direction = "inbound" if rng.random() < INBOUND_SHARE[kind] else "outbound"
            sentiment = SENTIMENTS[_pick(rng, sentiment_cumulative)]
            people = [person_id]
            if kind in ("meeting", "visit", "event") and rng.random() < 0.4:
                colleagues = self.people_at[person.organisation]
                if len(colleagues) > 1:
                    for other in rng.sample(colleagues, min(len(colleagues), rng.choice((2, 2, 3)))):
                        if other != person_id and self.people[other].until >= moment and len(people) < 3:
                            people.append(other)
            topic = rng.choice(TOPIC_NAMES)
            words = {
                "person": person.name if len(people) == 1 else f"{person.name} and colleagues",
                "address": person.address,
                "organisation": self._org_name(person.organisation),
                "topic": TOPIC_PHRASES[topic],
                "event": rng.choice(EVENTS),
            }
            logged_by = person.owner if rng.random() < 0.7 else rng.choice(self.officers)
            follow_up_on = follow_up_note = done_at = None
            if index in follow_ups:
                due = moment + rng.randint(2, 21) * DAY
                follow_up_on = _day(due)
                follow_up_note = rng.choice(FOLLOW_UP_NOTES)
                overdue = (today_epoch - due) / DAY
                if rng.random() < (0.95 if overdue > 21 else 0.5 if overdue > 0 else 0.1):
                    done_at = _at(min(today_epoch, moment + rng.uniform(0.5, 25) * DAY))
            created = _at(min(today_epoch, moment + rng.randint(60, 6 * 3600)))
            occurred_at = _at(moment)
            loader.add(
                "interactions_interaction",
                (
                    interaction_id, kind, direction, occurred_at,
                    rng.choice(SUMMARIES[kind][direction]).format(**words)[:300],
                    rng.choice(INTERACTION_NOTES) if rng.random() < 0.35 else "",
                    rng.choice(OUTCOMES[sentiment]).format(**words), sentiment, follow_up_on,
                    follow_up_note or "", done_at, rng.random() < (0.12 if sentiment < 0 else 0.04),
                    created, created, logged_by, person.organisation, logged_by if follow_up_on else None,
                ),
            )  # fmt: skip
            for participant in people:
                participant_row += 1
                loader.add(
                    "interactions_interaction_stakeholders",
                    (participant_row, interaction_id, participant, occurred_at),
                )
                if moment > last_contact[participant]:
                    last_contact[participant] = moment
            topic_row += 1
            loader.add("interactions_interaction_topics", (topic_row, interaction_id, self.tag_ids[topic]))
            if rng.random() < 0.3:
                second = rng.choice(topic_ids)
                if second != self.tag_ids[topic]:
                    topic_row += 1
                    loader.add("interactions_interaction_topics", (topic_row, interaction_id, second))
            if rng.random() < 0.1:
                colleague = rng.choice(self.officers_by_team[self.team_of[person.owner]])
                if colleague != logged_by:
                    staff_row += 1
                    loader.add(
                        "interactions_interaction_staff_present", (staff_row, interaction_id, colleague)
                    )
        self.interaction_count = len(order)
        return last_contact

    # Meetings and the registers ----------------------------------------------------------------------

    def meetings(self, loader: Loader) -> None:
        rng = self.rng
        loader.table(
            "meetings_meeting",
            (
                "id", "uid", "title", "purpose", "starts_at", "ends_at", "time_zone", "location", "video_url",
                "status", "sequence", "reminder_minutes", "minutes", "held_at", "created_at", "updated_at",
                "organisation_id", "organiser_id",
            ),
        )  # fmt: skip
        loader.table(
            "meetings_attendee", ("id", "rsvp", "responded_at", "stakeholder_id", "user_id", "meeting_id")
        )
        attendee_row = 0
        count = self.size.stakeholders
        for meeting_id in range(1, self.size.meetings + 1):
            person_id = rng.randint(1, count)
            person = self.people[person_id]
            starts = math.floor((self.now + rng.uniform(-HISTORY_DAYS, 60) * DAY) / 1800) * 1800
            ends = starts + rng.choice((30, 60, 60, 90, 120)) * 60
            past = ends < self.now
            status = ("held" if rng.random() < 0.9 else "cancelled") if past else "planned"
            topic = rng.choice(TOPIC_NAMES)
            title = rng.choice(MEETING_TITLES).format(
                organisation=self._org_name(person.organisation), topic=topic
            )
            online = rng.random() < 0.3
            created = min(self.now, starts - rng.randint(1, 30) * DAY)
            loader.add(
                "meetings_meeting",
                (
                    meeting_id, uuid.UUID(int=rng.getrandbits(128), version=4), title,
                    f"To discuss {TOPIC_PHRASES[topic]}.", _at(starts), _at(ends), "Europe/London",
                    "" if online else rng.choice(MEETING_PLACES),
                    f"https://meet.example.org/{rng.getrandbits(40):x}" if online else "", status, 0,
                    "{1440,60}", "Notes taken; actions agreed." if status == "held" else "",
                    _at(ends) if status == "held" else None, _at(created), _at(created), person.organisation,
                    person.owner,
                ),
            )  # fmt: skip
            invited = {person_id}
            colleagues = self.people_at[person.organisation]
            invited.update(rng.sample(colleagues, min(len(colleagues), rng.randint(0, 3))))
            for stakeholder_id in sorted(invited):
                attendee_row += 1
                rsvp = rng.choice(("accepted", "accepted", "tentative", "declined", "needs_action"))
                responded = None if rsvp == "needs_action" else _at(created + DAY)
                loader.add(
                    "meetings_attendee", (attendee_row, rsvp, responded, stakeholder_id, None, meeting_id)
                )
            attendee_row += 1
            loader.add(
                "meetings_attendee", (attendee_row, "accepted", _at(created), None, person.owner, meeting_id)
            )

    def registers(self, loader: Loader) -> None:
        rng = self.rng
        loader.table(
            "commitments_commitment",
            (
                "id", "description", "direction", "due_on", "renews_on", "status", "fulfilled_at",
                "broken_at", "cancelled_at", "notes", "created_at", "updated_at", "created_by_id",
                "organisation_id", "owner_id", "stakeholder_id",
            ),
        )  # fmt: skip
        count = self.size.stakeholders
        for commitment_id in range(1, self.size.commitments + 1):
            person_id = rng.randint(1, count)
            person = self.people[person_id]
            made = self.now - rng.uniform(1, 400) * DAY
            ours = rng.random() < 0.6
            due = _day(made + rng.randint(5, 45) * DAY)
            status, fulfilled, broken, cancelled = "open", None, None, None
            if due < self.today:
                roll = rng.random()
                if roll < 0.6:
                    status, fulfilled = "fulfilled", _at(min(self.now, made + rng.randint(3, 50) * DAY))
                elif roll < 0.7:
                    status, broken = "broken", _at(min(self.now, made + rng.randint(10, 60) * DAY))
                elif roll < 0.76:
                    # Dated without another draw from rng, so that the rest of the data set stays the same.
                    status, cancelled = "cancelled", _at(min(self.now, made + 20 * DAY))
            loader.add(
                "commitments_commitment",
                (
                    commitment_id, rng.choice(WE_PROMISED if ours else THEY_PROMISED),
                    "we_promised" if ours else "they_promised", due, None, status, fulfilled, broken,
                    cancelled, "",
                    _at(made), _at(made), person.owner, person.organisation, person.owner, person_id,
                ),
            )  # fmt: skip

        loader.table(
            "concerns_concern",
            (
                "id", "title", "description", "severity", "status", "resolution", "raised_on", "resolved_at",
                "escalated_at", "created_at", "updated_at", "created_by_id", "organisation_id", "owner_id",
                "stakeholder_id",
            ),
        )  # fmt: skip
        for concern_id in range(1, self.size.concerns + 1):
            person_id = rng.randint(1, count)
            person = self.people[person_id]
            title, description = rng.choice(CONCERNS)
            age = int(rng.triangular(0, 400, 0))
            raised = self.today - timedelta(days=age)
            raised_at = self.now - age * DAY
            status, resolution, resolved = "open", "", None
            if age > 10 and rng.random() < (0.95 if age > 45 else 0.7):
                status, resolution = "resolved", rng.choice(RESOLUTIONS)
                resolved = _at(raised_at + rng.randint(2, min(age, 40)) * DAY)
            elif age > 3 and rng.random() < 0.5:
                status = "in_progress"
            escalated = _at(raised_at + 15 * DAY) if status != "resolved" and age > 14 else None
            loader.add(
                "concerns_concern",
                (
                    concern_id, title, description, rng.choices((1, 2, 3, 4), (3, 5, 3, 1))[0], status,
                    resolution, raised, resolved, escalated, _at(raised_at), _at(raised_at), person.owner,
                    person.organisation, person.owner, person_id,
                ),
            )  # fmt: skip


def _cumulative(weights):
    total = 0
    for weight in weights:
        total += weight
        yield total


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    """Index of a weighted choice (faster than rng.choices for one pick from a small list)."""
    target = rng.random() * cumulative[-1]
    for index, bound in enumerate(cumulative):
        if target < bound:
            return index
    return len(cumulative) - 1


LOADED_TABLES = (
    "accounts_team", "accounts_user", "accounts_user_groups", "contacts_tag", "contacts_organisation",
    "contacts_organisation_tags", "contacts_stakeholder", "contacts_stakeholder_tags", "contacts_affiliation",
    "interactions_interaction", "interactions_interaction_stakeholders", "interactions_interaction_topics",
    "interactions_interaction_staff_present", "meetings_meeting", "meetings_attendee",
    "commitments_commitment", "concerns_concern",
)  # fmt: skip


def secondary_indexes(cursor, tables: Iterable[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes on `tables` that no constraint owns: safe to drop and rebuild."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(tables)],
    )
    # The interaction log's indexes take longest: start them first.
    return sorted(
        cursor.fetchall(),
        key=lambda row: (not row[1].split(" ON ")[1].startswith("public.interactions"), row[0]),
    )


def load(
    connection, size: Size, *, now: datetime, password_hash: str, log: Callable[[str], None] = print
) -> dict:
    """Fills the (migrated, empty) database behind `connection`; returns what the runner needs to know."""
    started = perf_counter()
    generator = Generator(size, now=now, log=log)
    with connection.cursor() as cursor:
        indexes = secondary_indexes(cursor, LOADED_TABLES)
        cursor.execute("SELECT name, id FROM auth_group")
        group_ids = dict(cursor.fetchall())
    with connection.transaction():
        with connection.cursor() as cursor:
            # Rows are consistent by construction; checking each foreign key would double the load time.
            try:
                with connection.transaction():
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except Exception:
                log("  (not a superuser: foreign keys are checked row by row)")
            # A generated data set has no "who changed what": one history event per row (a million
            # interactions) would double what is written. Replica mode fires no trigger at all; without it,
            # the history triggers (history/tracking.py) stand aside for this transaction, the way
            # pgtrigger.ignore() does it for Django's cursor, which this COPY does not go through. The
            # history of an earlier load goes with its rows.
            ignored = "{" + ",".join(history_trigger_names()) + "}"
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [ignored])
            cursor.execute("TRUNCATE " + ", ".join([*LOADED_TABLES, *history_tables()]) + " CASCADE")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        loader = Loader(connection)
        generator.staff(loader, group_ids, password_hash)
        generator.tags(loader)
        generator.organisations(loader)
        loader.flush()
        generator.plan()
        log(f"  people planned in {perf_counter() - started:.0f} s")
        last_contact = generator.interactions(loader)
        loader.flush()
        log(f"  interactions written in {perf_counter() - started:.0f} s")
        generator.stakeholders(loader, last_contact)
        generator.meetings(loader)
        generator.registers(loader)
        loader.flush()
        with connection.cursor() as cursor:
            # Written by triggers in the app (meetings migration 0017), which replica mode does not fire.
            cursor.execute(
                "INSERT INTO meetings_meetingpeople (meeting_id, names) SELECT id, meeting_people_names(id) "
                "FROM meetings_meeting ON CONFLICT (meeting_id) DO NOTHING"
            )
        log(f"  all rows written in {perf_counter() - started:.0f} s")
    rebuild_indexes(connection, indexes, log=log)
    log(f"  indexes rebuilt in {perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        for table in LOADED_TABLES:
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            cursor.execute(f"SELECT setval({sequence}, COALESCE(MAX(id), 0) + 1, false) FROM {table}")
        # VACUUM as well: it marks the pages all-visible, which index-only scans (the timelines') rely on.
        cursor.execute("VACUUM (ANALYZE)")
    log(f"  vacuumed and analysed in {perf_counter() - started:.0f} s")
    return {
        "worst_case_stakeholder": generator.worst_case_id,
        "worst_case_interactions": generator.counts[generator.worst_case_id],
        "rows": dict(loader.rows),
        "seconds": round(perf_counter() - started, 1),
    }


def rebuild_indexes(
    connection, indexes: list[tuple[str, str]], *, log: Callable[[str], None] = print
) -> None:
    """Builds the dropped indexes again on two connections at once (one per core), largest tables first."""
    import psycopg

    info = connection.info
    params = {"host": info.host, "port": info.port, "user": info.user, "dbname": info.dbname}
    if info.password:
        params["password"] = info.password
    pending = list(indexes)
    lock = threading.Lock()
    failures = []

    def work():
        with psycopg.connect(autocommit=True, **params) as worker:
            worker.execute("SET maintenance_work_mem = '512MB'")
            while True:
                with lock:
                    if not pending or failures:
                        return
                    name, definition = pending.pop(0)
                try:
                    worker.execute(definition)
                except psycopg.Error as error:
                    failures.append(f"{name}: {error}")

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError("Could not rebuild indexes: " + "; ".join(failures))
