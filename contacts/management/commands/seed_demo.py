"""Loads fictitious demo data into an empty database: two teams of staff, about thirty organisations,
200 stakeholders and a year of interactions, so that every page has something realistic to show.

Every person, organisation and address is invented. E-mail addresses and websites sit under example.org,
example.com and example.net; UK, North American and French phone numbers come from the ranges reserved for
drama, the others are random digits.
"""

import random
import unicodedata
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from time import perf_counter
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Role, Team, User
from contacts.models import (
    LANGUAGE_NAMES,
    Affiliation,
    EngagementLevel,
    Organisation,
    PreferredChannel,
    Stakeholder,
)
from contacts.models import OrganisationKind as Kind
from contacts.querysets import held_on
from contacts.services import duplicates_check, tags_from_names
from interactions.models import Direction, Interaction, InteractionKind
from interactions.services import stakeholders_refresh_last_contact
from meetings.models import (
    DEFAULT_REMINDER_MINUTES,
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendee,
    Decision,
    Frequency,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Rsvp,
)
from meetings.recurrence import occurrence_starts
from meetings.services import decisions_outcome

SEED = 2026
PASSWORD = "liaison-demo"
STAKEHOLDER_COUNT = 200
INTERACTION_COUNT = 1000
ARCHIVED_COUNT = 5
NEW_CONTACT_COUNT = 10
HISTORY = timedelta(days=365)

TEAMS = ("Government & Community Relations", "Partnerships")


class StaffSeed(NamedTuple):
    username: str
    first_name: str
    last_name: str
    role: Role
    team: int | None  # index into TEAMS
    time_zone: str = "Europe/London"
    # The two main demo logins own more people than their colleagues, so their pages are well filled.
    portfolio_weight: float = 1.0


STAFF = (
    StaffSeed("officer", "Hannah", "Brooks", Role.OFFICER, 0, portfolio_weight=2.0),
    StaffSeed("a.mensah", "Akosua", "Mensah", Role.OFFICER, 0),
    StaffSeed("l.nguyen", "Linh", "Nguyen", Role.OFFICER, 0),
    StaffSeed("manager", "Priya", "Raman", Role.MANAGER, 0),
    StaffSeed("officer2", "Tom", "Gallagher", Role.OFFICER, 1, portfolio_weight=1.5),
    StaffSeed("j.moreau", "Julien", "Moreau", Role.OFFICER, 1, "Europe/Paris"),
    StaffSeed("w.kamau", "Wanjiru", "Kamau", Role.OFFICER, 1, "Africa/Nairobi"),
    StaffSeed("manager2", "David", "Whitfield", Role.MANAGER, 1),
    StaffSeed("admin", "Sam", "Carter", Role.ADMIN, None),
)

# The kinds of organisation each team looks after; internal departments belong to both.
TEAM_KINDS = (
    (Kind.GOVERNMENT_AGENCY, Kind.COMMUNITY_GROUP, Kind.MEDIA, Kind.INTERNAL_DEPARTMENT),
    (Kind.PARTNER, Kind.CLIENT, Kind.SUPPLIER, Kind.INTERNAL_DEPARTMENT),
)

TOPICS = (
    ("Housing", "the estate retrofit programme"),
    ("Funding", "next year's grant round"),
    ("Planning", "the riverside regeneration plan"),
    ("Transport", "the bus corridor proposals"),
    ("Climate adaptation", "the flood resilience strategy"),
    ("Water & sanitation", "the water point rehabilitation project"),
    ("Public health", "the community health outreach pilot"),
    ("Skills & employment", "the youth apprenticeship scheme"),
    ("Education", "the schools outreach programme"),
    ("Community safety", "the neighbourhood safety partnership"),
    ("Digital inclusion", "the digital skills hubs"),
    ("Data sharing", "the data-sharing agreement"),
    ("Procurement", "the framework contract renewal"),
    ("Media", "press coverage of the programme"),
    ("Events", "the annual partners' forum"),
    ("Research", "the joint research study"),
    ("Livelihoods", "the women's enterprise fund"),
    ("Governance", "the partnership board's terms of reference"),
)
TOPIC_NAMES = tuple(name for name, _ in TOPICS)
TOPIC_PHRASES = dict(TOPICS)

STAKEHOLDER_TAGS = (
    "Key decision-maker",
    "Champion",
    "Critic",
    "Elected official",
    "Faith leader",
    "Youth voice",
    "Technical expert",
    "Board member",
    "Gatekeeper",
    "New contact",
)
ORGANISATION_TAGS = (
    "Strategic",
    "Funder",
    "MoU signed",
    "National",
    "Local",
    "International",
    "Framework supplier",
)


class OrganisationSeed(NamedTuple):
    name: str
    kind: Kind
    sector: str
    country: str
    address: str
    domain: str
    tags: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # titles found only here, on top of those usual for the kind
    notes: str = ""
    weight: int = 3  # how many of the stakeholders work there, relative to the others


HEAD_OFFICE = "Liaison House, 7 Cathedral Walk, Northbridge NB1 2HQ"

ORGANISATIONS = (
    OrganisationSeed(
        "Northbridge City Council",
        Kind.GOVERNMENT_AGENCY,
        "Local government",
        "United Kingdom",
        "Civic Centre, 1 Market Square, Northbridge NB1 1AA",
        "northbridge-council.example.org",
        ("Strategic", "Local"),
        ("Housing", "Planning", "Community safety", "Transport"),
        ("Councillor", "Councillor, Cabinet Member for Housing", "Councillor, Leader of the Council"),
        "Our largest local-government relationship; the partnership agreement is reviewed each March.",
        8,
    ),
    OrganisationSeed(
        "Department for Regional Growth",
        Kind.GOVERNMENT_AGENCY,
        "Central government",
        "United Kingdom",
        "14 Carrow Street, London SW1P 4ZZ",
        "regional-growth.example.org",
        ("Strategic", "Funder", "National"),
        ("Funding", "Skills & employment", "Governance"),
        ("Deputy Director, Regional Investment", "Private Secretary"),
        "Main public funder of the skills programme; quarterly monitoring returns are due to them.",
        5,
    ),
    OrganisationSeed(
        "Lakeside County Government",
        Kind.GOVERNMENT_AGENCY,
        "County government",
        "Kenya",
        "County Headquarters, Lake Road, Lakeside Town",
        "lakeside-county.example.org",
        ("Strategic", "International"),
        ("Water & sanitation", "Public health", "Livelihoods"),
        ("County Executive Member for Water", "Chief Officer, Public Health", "Ward Administrator"),
        weight=5,
    ),
    OrganisationSeed(
        "Agence régionale pour la transition écologique",
        Kind.GOVERNMENT_AGENCY,
        "Environmental agency",
        "France",
        "12 rue des Tanneurs, 45000 Orléans",
        "artec.example.org",
        ("International",),
        ("Climate adaptation", "Research"),
        ("Project Lead, Adaptation",),
        "Works in French; papers for their board must be translated.",
    ),
    OrganisationSeed(
        "Kestrel Bay Public Health Agency",
        Kind.GOVERNMENT_AGENCY,
        "Public health",
        "Canada",
        "200 Harbour Road, Kestrel Bay, NS B0J 2K0",
        "kbpha.example.org",
        ("International",),
        ("Public health", "Data sharing"),
        ("Medical Officer of Health", "Epidemiologist"),
    ),
    OrganisationSeed(
        "Riverside Tenants' Association",
        Kind.COMMUNITY_GROUP,
        "Housing",
        "United Kingdom",
        "Riverside Community Hall, Wharf Lane, Northbridge NB3 7QT",
        "riverside-tenants.example.org",
        ("Local",),
        ("Housing", "Community safety"),
        (),
        "Meets on the first Tuesday of the month; the chair likes papers a week ahead.",
        4,
    ),
    OrganisationSeed(
        "Al-Noor Community Centre",
        Kind.COMMUNITY_GROUP,
        "Faith & community",
        "United Kingdom",
        "22 Mill Road, Northbridge NB4 1HX",
        "alnoor-centre.example.org",
        ("Local",),
        ("Community safety", "Education", "Skills & employment"),
        ("Imam", "Women's Group Lead"),
        "Closed to visitors during Friday midday prayers; the hall can be booked for consultations.",
    ),
    OrganisationSeed(
        "Eastmere Youth Forum",
        Kind.COMMUNITY_GROUP,
        "Youth",
        "United Kingdom",
        "The Old Library, 5 Station Road, Eastmere EM2 4PL",
        "eastmere-youth.example.org",
        ("Local",),
        ("Skills & employment", "Education", "Digital inclusion"),
        ("Youth Representative", "Youth Engagement Worker"),
        "Members are 14 to 25; safeguarding rules apply to every meeting.",
    ),
    OrganisationSeed(
        "Umoja Women's Savings Collective",
        Kind.COMMUNITY_GROUP,
        "Microfinance & livelihoods",
        "Kenya",
        "Plot 14, Market Street, Lakeside Town",
        "umoja-savings.example.org",
        (),
        ("Livelihoods", "Water & sanitation"),
        ("Group Leader", "Field Mobiliser"),
        "Members meet weekly on Thursday afternoons; decisions are taken by the whole group.",
    ),
    OrganisationSeed(
        "Sundarbans Coastal Communities Trust",
        Kind.COMMUNITY_GROUP,
        "Community development",
        "Bangladesh",
        "House 7, Road 3, Khulna 9100",
        "sundarbans-trust.example.org",
        ("International",),
        ("Climate adaptation", "Livelihoods"),
    ),
    OrganisationSeed(
        "Cooperativa de Agua Valle Sagrado",
        Kind.COMMUNITY_GROUP,
        "Water cooperative",
        "Peru",
        "Jr. Comercio 210, Urubamba, Cusco",
        "aguavallesagrado.example.org",
        ("International",),
        ("Water & sanitation",),
        (),
        "Board meetings are held in Spanish and Quechua.",
        2,
    ),
    OrganisationSeed(
        "Northbridge University",
        Kind.PARTNER,
        "Higher education & research",
        "United Kingdom",
        "University Road, Northbridge NB7 2RX",
        "northbridge-university.example.org",
        ("Strategic", "MoU signed", "Local"),
        ("Research", "Skills & employment", "Data sharing"),
        ("Professor of Urban Policy", "Pro-Vice-Chancellor for Engagement", "Knowledge Exchange Manager"),
        "Research partnership under the 2024 memorandum of understanding.",
        6,
    ),
    OrganisationSeed(
        "Open Futures Foundation",
        Kind.PARTNER,
        "Philanthropy",
        "United States",
        "88 Larchmont Avenue, New York, NY 10001",
        "openfutures.example.org",
        ("Funder", "International"),
        ("Funding", "Digital inclusion", "Governance"),
        ("Program Officer", "Vice President, Programs"),
        "Three-year grant; the annual narrative report is due each October.",
        4,
    ),
    OrganisationSeed(
        "Sahel Resilience Network",
        Kind.PARTNER,
        "Humanitarian & development",
        "Senegal",
        "Rue 10, Point E, Dakar",
        "sahel-resilience.example.org",
        ("International", "MoU signed"),
        ("Climate adaptation", "Livelihoods", "Water & sanitation"),
        ("Regional Coordinator",),
        "Works in French; member organisations in Senegal, Mali and Niger.",
        4,
    ),
    OrganisationSeed(
        "Levant Civic Futures",
        Kind.PARTNER,
        "Civil society",
        "Jordan",
        "12 Al-Rabiah Street, Amman 11185",
        "levant-civic.example.org",
        ("International",),
        ("Governance", "Skills & employment"),
    ),
    OrganisationSeed(
        "Mekong Delta Climate Institute",
        Kind.PARTNER,
        "Research",
        "Vietnam",
        "45 Nguyễn Trãi, Ninh Kiều, Cần Thơ",
        "mekong-climate.example.org",
        ("International", "MoU signed"),
        ("Climate adaptation", "Research", "Water & sanitation"),
        ("Institute Director",),
    ),
    OrganisationSeed(
        "Pacific Skills Alliance",
        Kind.PARTNER,
        "Vocational training",
        "New Zealand",
        "Level 3, 45 Quay Street, Auckland 1010",
        "pacific-skills.example.org",
        ("International",),
        ("Skills & employment", "Education"),
    ),
    OrganisationSeed(
        "Deccan Civic Data Lab",
        Kind.PARTNER,
        "Civic technology",
        "India",
        "3rd Floor, 21 FC Road, Pune 411004",
        "deccan-data.example.org",
        ("International",),
        ("Data sharing", "Digital inclusion", "Research"),
        ("Data Scientist", "Co-founder"),
    ),
    OrganisationSeed(
        "Harbourside Housing Group",
        Kind.CLIENT,
        "Social housing",
        "United Kingdom",
        "Harbour House, 3 Quay Parade, Northbridge NB2 5DL",
        "harbourside-housing.example.com",
        ("Strategic",),
        ("Housing", "Procurement", "Community safety"),
        ("Director of Neighbourhoods", "Tenant Engagement Manager"),
        "Service contract runs to March; renewal talks start in the autumn.",
        5,
    ),
    OrganisationSeed(
        "Meridian Transport Partnership",
        Kind.CLIENT,
        "Transport",
        "United Kingdom",
        "Meridian Point, 40 Canal Street, Northbridge NB1 3TT",
        "meridian-transport.example.com",
        (),
        ("Transport", "Planning", "Data sharing"),
        ("Head of Network Planning",),
        weight=4,
    ),
    OrganisationSeed(
        "Brightline Events Ltd",
        Kind.SUPPLIER,
        "Events & venues",
        "United Kingdom",
        "Unit 9, Foundry Yard, Northbridge NB5 8AQ",
        "brightline-events.example.com",
        ("Framework supplier",),
        ("Events", "Procurement"),
        (),
        "On the events framework until next year; books venues and catering.",
        2,
    ),
    OrganisationSeed(
        "Polyglot Language Services",
        Kind.SUPPLIER,
        "Translation & interpreting",
        "Ireland",
        "Unit 12, Liffey Business Park, Dublin 8",
        "polyglot-languages.example.com",
        ("Framework supplier",),
        ("Procurement", "Events"),
        ("Interpreting Coordinator",),
        "Interpreters for Arabic, French, Swahili, Bengali and Spanish; book five working days ahead.",
        2,
    ),
    OrganisationSeed(
        "The Northbridge Courier",
        Kind.MEDIA,
        "Local news",
        "United Kingdom",
        "Courier House, 12 Printers Row, Northbridge NB1 4CC",
        "northbridge-courier.example.com",
        ("Local",),
        ("Media", "Housing", "Transport"),
        ("Local Democracy Reporter",),
    ),
    OrganisationSeed(
        "Radio Eastmere",
        Kind.MEDIA,
        "Community radio",
        "United Kingdom",
        "Studio 2, The Old Library, Eastmere EM2 4PL",
        "radio-eastmere.example.net",
        ("Local",),
        ("Media", "Events"),
        weight=2,
    ),
    OrganisationSeed(
        "Horizon Policy Review",
        Kind.MEDIA,
        "Policy journalism",
        "South Africa",
        "18 Bree Street, Cape Town 8001",
        "horizon-review.example.net",
        ("International",),
        ("Media", "Governance", "Climate adaptation"),
        weight=2,
    ),
    OrganisationSeed(
        "Communications Office",
        Kind.INTERNAL_DEPARTMENT,
        "Internal",
        "United Kingdom",
        HEAD_OFFICE,
        "liaison-hq.example.org",
        (),
        ("Media", "Events"),
        weight=2,
    ),
    OrganisationSeed(
        "Programmes Directorate",
        Kind.INTERNAL_DEPARTMENT,
        "Internal",
        "United Kingdom",
        HEAD_OFFICE,
        "liaison-hq.example.org",
        (),
        ("Funding", "Governance", "Research"),
    ),
    OrganisationSeed(
        "Legal & Compliance",
        Kind.INTERNAL_DEPARTMENT,
        "Internal",
        "United Kingdom",
        HEAD_OFFICE,
        "liaison-hq.example.org",
        (),
        ("Data sharing", "Procurement", "Governance"),
        weight=2,
    ),
)

# Departments recorded as organisations of their own, each under a parent from ORGANISATIONS or an earlier
# department, named by its own name (`organisation_units`): the Department for Regional Growth's
# directorate and its units show officers a ministry → directorate → unit line.
ORGANISATION_UNITS = (
    ("Northbridge City Council", "Planning & Regeneration"),
    ("Northbridge City Council", "Housing Services"),
    ("Department for Regional Growth", "Regional Investment Directorate"),
    ("Regional Investment Directorate", "Regional Investment Unit"),
    ("Regional Investment Directorate", "Local Growth Fund Team"),
    ("Northbridge University", "School of Public Policy"),
    ("Open Futures Foundation", "Grants Team"),
    ("Programmes Directorate", "Monitoring & Evaluation"),
)
UNIT_WEIGHT = 2


def organisation_units() -> list[tuple[str, str]]:
    """(its parent's record name, its record name) for each of ORGANISATION_UNITS, parents first. A
    department's record is named after the top organisation it is part of, at whatever depth: "Department
    for Regional Growth: Regional Investment Unit"."""
    top_of = {seed.name: seed.name for seed in ORGANISATIONS}
    record_names = dict(top_of)
    units = []
    for parent, unit in ORGANISATION_UNITS:
        top_of[unit] = top_of[parent]
        record_names[unit] = f"{top_of[parent]}: {unit}"
        units.append((record_names[parent], record_names[unit]))
    return units


KIND_ROLES = {
    Kind.GOVERNMENT_AGENCY: (
        "Director",
        "Head of Community Engagement",
        "Senior Policy Adviser",
        "Programme Manager",
        "Chief Executive",
        "Press Officer",
        "Deputy Director, Strategy",
        "Economic Development Officer",
    ),
    Kind.COMMUNITY_GROUP: (
        "Chair",
        "Secretary",
        "Coordinator",
        "Treasurer",
        "Trustee",
        "Centre Manager",
        "Outreach Worker",
    ),
    Kind.PARTNER: (
        "Programme Director",
        "Partnerships Lead",
        "Research Fellow",
        "Grants Manager",
        "Executive Director",
        "Policy Analyst",
        "Country Director",
        "Senior Researcher",
    ),
    Kind.CLIENT: (
        "Chief Executive",
        "Head of Operations",
        "Contracts Manager",
        "Director of Customer Services",
        "Programme Lead",
    ),
    Kind.SUPPLIER: ("Account Manager", "Managing Director", "Project Coordinator", "Operations Manager"),
    Kind.MEDIA: ("Editor", "Reporter", "Producer", "Political Correspondent", "News Editor", "Presenter"),
    Kind.INTERNAL_DEPARTMENT: (
        "Head of Communications",
        "Legal Counsel",
        "Programme Officer",
        "Monitoring & Evaluation Specialist",
        "Director of Programmes",
        "Digital Officer",
    ),
}
KIND_DEPARTMENTS = {
    Kind.GOVERNMENT_AGENCY: ("Strategy", "Environment", "Economic Development", "Communications", "Finance"),
    Kind.PARTNER: ("Programmes", "Research", "Grants", "Policy"),
    Kind.CLIENT: ("Operations", "Customer Services", "Procurement"),
    Kind.SUPPLIER: ("Sales", "Delivery"),
    Kind.MEDIA: ("Newsroom", "Features", "Politics desk"),
}
SECONDARY_ROLES = (
    "Trustee",
    "Board member",
    "Advisory panel member",
    "Visiting fellow",
    "Volunteer coordinator",
    "Steering group member",
)

KIND_INFLUENCE = {  # weights for influence 1 to 5
    Kind.GOVERNMENT_AGENCY: (1, 2, 3, 4, 3),
    Kind.COMMUNITY_GROUP: (2, 3, 4, 2, 1),
    Kind.PARTNER: (1, 3, 4, 3, 1),
    Kind.CLIENT: (1, 2, 4, 3, 2),
    Kind.SUPPLIER: (3, 4, 2, 1, 0),
    Kind.MEDIA: (1, 2, 3, 3, 2),
    Kind.INTERNAL_DEPARTMENT: (2, 3, 4, 2, 1),
}
INTEREST_WEIGHTS = (1, 2, 4, 4, 2)
CADENCES = (14, 30, 60, 90, None)
CADENCE_WEIGHTS_INFLUENTIAL = (20, 45, 20, 10, 5)
CADENCE_WEIGHTS_OTHERS = (5, 25, 30, 20, 20)
ENGAGEMENT_WEIGHTS = {
    EngagementLevel.INFORM: 2,
    EngagementLevel.CONSULT: 3,
    EngagementLevel.INVOLVE: 3,
    EngagementLevel.COLLABORATE: 2,
    EngagementLevel.PARTNER: 1,
}
CHANNEL_WEIGHTS = {
    PreferredChannel.EMAIL: 40,
    PreferredChannel.PHONE: 20,
    PreferredChannel.IN_PERSON: 12,
    PreferredChannel.VIDEO: 12,
    PreferredChannel.MESSAGE: 12,
    PreferredChannel.LETTER: 4,
}
PREFERRED_HOURS = (
    "Weekday mornings",
    "Afternoons, not Fridays",
    "Tuesday to Thursday, 10:00 to 16:00",
    "Before 09:00 or after 17:00",
    "Any weekday, 09:30 to 15:00",
    "Mornings only; school run from 15:00",
    "Mondays and Wednesdays",
)


class Country(NamedTuple):
    language: str  # the working language, added to everyone's languages
    time_zones: tuple[str, ...]
    phones: tuple[str, ...]  # "#" stands for a random digit
    cultures: tuple[tuple[str, int], ...]  # culture and weight
    hours: tuple[str, ...] = ()  # preferred hours particular to the country


COUNTRIES = {
    "United Kingdom": Country(
        "en",
        ("Europe/London",),
        ("+44 20 7946 0###", "+44 113 496 0###", "+44 161 496 0###", "+44 7700 900###"),
        (
            ("british", 40),
            ("irish", 4),
            ("indian", 8),
            ("pakistani", 6),
            ("bengali", 5),
            ("west_african", 7),
            ("east_african", 2),
            ("polish", 4),
            ("ukrainian", 2),
            ("arab", 3),
            ("turkish", 3),
            ("chinese", 3),
            ("french", 2),
        ),
    ),
    "Ireland": Country(
        "en",
        ("Europe/Dublin",),
        ("+353 1 ### ####", "+353 87 ### ####"),
        (("irish", 75), ("polish", 10), ("british", 10), ("latin_american", 5)),
    ),
    "Kenya": Country(
        "en",
        ("Africa/Nairobi",),
        ("+254 20 ### ####", "+254 7## ### ###"),
        (("east_african", 85), ("indian", 8), ("british", 4)),
    ),
    "France": Country(
        "fr",
        ("Europe/Paris",),
        ("+33 1 99 00 ## ##", "+33 6 39 98 ## ##"),
        (("french", 70), ("francophone_african", 15), ("arab", 10)),
    ),
    "Senegal": Country(
        "fr",
        ("Africa/Dakar", "Africa/Bamako", "Africa/Niamey"),
        ("+221 33 ### ## ##", "+221 77 ### ## ##"),
        (("francophone_african", 90), ("french", 10)),
    ),
    "Canada": Country(
        "en",
        ("America/Halifax", "America/Toronto"),
        ("+1 902 555 01##", "+1 416 555 01##"),
        (("north_american", 65), ("chinese", 12), ("indian", 10), ("arab", 5)),
    ),
    "United States": Country(
        "en",
        ("America/New_York", "America/Chicago", "America/Los_Angeles"),
        ("+1 212 555 01##", "+1 312 555 01##", "+1 415 555 01##"),
        (("north_american", 70), ("latin_american", 12), ("chinese", 6), ("west_african", 6), ("indian", 6)),
    ),
    "Peru": Country(
        "es",
        ("America/Lima",),
        ("+51 84 ### ###", "+51 9## ### ###"),
        (("latin_american", 100),),
    ),
    "Jordan": Country(
        "ar",
        ("Asia/Amman",),
        ("+962 6 ### ####", "+962 7# ### ####"),
        (("arab", 100),),
        ("Sunday to Thursday, 09:00 to 15:00",),
    ),
    "India": Country(
        "en",
        ("Asia/Kolkata",),
        ("+91 20 #### ####", "+91 98### #####"),
        (("indian", 100),),
    ),
    "Bangladesh": Country(
        "bn",
        ("Asia/Dhaka",),
        ("+880 41 ### ###", "+880 17## ######"),
        (("bengali", 100),),
        ("Sunday to Thursday mornings",),
    ),
    "Vietnam": Country(
        "vi",
        ("Asia/Ho_Chi_Minh",),
        ("+84 292 ### ####", "+84 9# ### ####"),
        (("vietnamese", 90), ("french", 5), ("british", 5)),
    ),
    "New Zealand": Country(
        "en",
        ("Pacific/Auckland",),
        ("+64 9 ### ####", "+64 21 ### ####"),
        (("maori_pacific", 55), ("british", 30), ("chinese", 8), ("indian", 7)),
    ),
    "South Africa": Country(
        "en",
        ("Africa/Johannesburg",),
        ("+27 21 ### ####", "+27 82 ### ####"),
        (("south_african", 100),),
    ),
}


class Culture(NamedTuple):
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    languages: tuple[tuple[str, ...], ...]  # one set is picked; the first is the language they prefer
    notes: tuple[str, ...] = ()
    honorifics: tuple[str, str] = ("Ms", "Mr")
    family_first: bool = False
    addressed_by_given: bool = False


ISLAMIC_OBSERVANCE_NOTES = (
    "Prefers to be addressed formally; avoid scheduling during Ramadan afternoons.",
    "Halal catering at events, please.",
    "Attends Friday prayers; avoid Friday midday meetings.",
)

CULTURES = {
    "british": Culture(
        ("Emma", "Charlotte", "Sophie", "Rachel", "Joanne", "Fiona", "Helen", "Marcia", "Bethan", "Kirsty"),
        ("James", "Oliver", "Gareth", "Robert", "Neil", "Callum", "Delroy", "Stuart", "Owen", "Martin"),
        (
            "Thompson",
            "Hughes",
            "Clarke",
            "Walsh",
            "Campbell",
            "Evans",
            "Morgan",
            "Fletcher",
            "Harrison",
            "Reid",
            "Bennett",
            "Pryce",
            "MacLeod",
            "Griffiths",
        ),
        (("en",),) * 8 + (("en", "cy"), ("en", "gd"), ("en", "fr")),
        ("Observes Shabbat; nothing after mid-afternoon on Fridays in winter.",),
    ),
    "irish": Culture(
        ("Aoife", "Niamh", "Siobhán", "Ciara", "Orla", "Gráinne"),
        ("Cian", "Darragh", "Eoin", "Seán", "Pádraig", "Conor"),
        ("Murphy", "O'Connor", "Kelly", "Byrne", "Doherty", "Quinn", "Fitzgerald", "McCarthy"),
        (("en",), ("en", "ga")),
    ),
    "indian": Culture(
        ("Ananya", "Kavita", "Meera", "Sunita", "Lakshmi", "Deepa", "Harpreet", "Nandini"),
        ("Arjun", "Rohan", "Vikram", "Sanjay", "Rajesh", "Kiran", "Gurpreet", "Venkat"),
        ("Sharma", "Iyer", "Singh", "Menon", "Reddy", "Kapoor", "Bhatt", "Nair", "Deshpande", "Gill"),
        (("en", "hi"), ("hi", "en"), ("en", "pa"), ("en", "ta"), ("en", "te"), ("mr", "en")),
        ("Diwali holidays fall in October or November; avoid deadlines that week.",),
    ),
    "pakistani": Culture(
        ("Ayesha", "Farah", "Sana", "Nadia", "Hina", "Zainab"),
        ("Bilal", "Usman", "Faisal", "Tariq", "Asif", "Hamza"),
        ("Qureshi", "Chaudhry", "Malik", "Siddiqui", "Mirza", "Rana", "Sheikh", "Hussain"),
        (("en", "ur"), ("ur", "en"), ("en", "pa")),
        ISLAMIC_OBSERVANCE_NOTES,
    ),
    "bengali": Culture(
        ("Nusrat", "Farzana", "Tahmina", "Shirin", "Rumana", "Sadia"),
        ("Rafiq", "Sabbir", "Tanvir", "Mahmud", "Arif", "Jamal"),
        ("Rahman", "Hossain", "Ahmed", "Chowdhury", "Islam", "Uddin", "Sarker", "Karim", "Miah"),
        (("bn",), ("bn", "en"), ("en", "bn")),
        (
            *ISLAMIC_OBSERVANCE_NOTES,
            "Pohela Boishakh (14 April) is a holiday; expect the office to be closed.",
        ),
    ),
    "west_african": Culture(
        ("Chiamaka", "Ngozi", "Adaeze", "Funmilayo", "Abena", "Efua", "Yetunde", "Amaka"),
        ("Chinedu", "Emeka", "Oluwaseun", "Kwame", "Kofi", "Tunde", "Ikenna", "Babajide"),
        ("Okonkwo", "Adeyemi", "Eze", "Nwosu", "Boateng", "Asante", "Ogunleye", "Obi", "Owusu", "Balogun"),
        (("en",), ("en", "ig"), ("en",)),
        (
            "Use the full title given in the e-mail signature when writing.",
            "Greets everyone individually at meetings; allow time for introductions.",
        ),
    ),
    "east_african": Culture(
        ("Wanjiku", "Achieng", "Njeri", "Atieno", "Zawadi", "Mwanaisha", "Nafula", "Wairimu"),
        ("Baraka", "Juma", "Mwangi", "Omondi", "Kiprono", "Onyango", "Hassan", "Karanja"),
        ("Ochieng", "Kariuki", "Wafula", "Mutua", "Njoroge", "Odhiambo", "Chebet", "Mohamed", "Kimani"),
        (("sw", "en"), ("en", "sw"), ("en",)),
        (
            "Relationship first: open with a personal catch-up before business.",
            "Greets elders first at community meetings; allow time for introductions.",
            "Mobile data is costly in the field; keep attachments small.",
        ),
    ),
    "francophone_african": Culture(
        ("Aminata", "Fatou", "Awa", "Mariama", "Ndeye", "Khady"),
        ("Mamadou", "Ousmane", "Cheikh", "Ibrahima", "Moussa", "Abdoulaye"),
        ("Diop", "Ndiaye", "Sow", "Fall", "Diallo", "Ba", "Traoré", "Koné", "Cissé", "Sy"),
        (("fr",), ("fr", "en"), ("fr", "ar")),
        (*ISLAMIC_OBSERVANCE_NOTES, "Speaks Wolof with community members; meetings in French."),
        ("Mme", "M."),
    ),
    "french": Culture(
        ("Camille", "Élodie", "Claire", "Mathilde", "Sandrine", "Inès", "Manon", "Hélène"),
        ("Antoine", "Thomas", "Mathieu", "Laurent", "Nicolas", "Karim", "Olivier", "Benoît"),
        ("Dubois", "Lefèvre", "Girard", "Lambert", "Fontaine", "Rousseau", "Mercier", "Benali", "Chevalier"),
        (("fr",), ("fr", "en"), ("fr", "en")),
        (
            "Away most of August; plan nothing for then.",
            "Expects 'vous' in French correspondence until invited otherwise.",
        ),
        ("Mme", "M."),
    ),
    "arab": Culture(
        ("Rania", "Lina", "Dalia", "Nour", "Hala", "Reem", "Yasmin", "Salma"),
        ("Omar", "Khaled", "Tariq", "Samer", "Ahmad", "Yousef", "Faris", "Hani"),
        ("Haddad", "Khoury", "Nasser", "Al-Masri", "Saleh", "Abu-Zeid", "Mansour", "Barakat", "Azzam"),
        (("ar",), ("ar", "en"), ("ar", "en"), ("ar", "fr")),
        (
            *ISLAMIC_OBSERVANCE_NOTES,
            "Prefers not to shake hands; a nod or hand-on-heart greeting is appreciated.",
        ),
    ),
    "turkish": Culture(
        ("Elif", "Zeynep", "Ayşe", "Merve", "Ebru"),
        ("Mehmet", "Emre", "Burak", "Kerem", "Serkan"),
        ("Yılmaz", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan", "Doğan"),  # noqa: RUF001 - Turkish dotless i
        (("tr", "en"), ("en", "tr")),
        ISLAMIC_OBSERVANCE_NOTES,
    ),
    "polish": Culture(
        ("Katarzyna", "Agnieszka", "Magdalena", "Joanna", "Ewa", "Monika"),
        ("Piotr", "Tomasz", "Marek", "Paweł", "Krzysztof", "Łukasz"),
        ("Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk", "Zając", "Pawlak", "Michalak", "Sikora"),
        (("pl", "en"), ("en", "pl")),
    ),
    "ukrainian": Culture(
        ("Olena", "Oksana", "Iryna", "Nataliia", "Yuliia", "Tetiana"),
        ("Andriy", "Oleksandr", "Dmytro", "Taras", "Serhiy", "Bohdan"),
        ("Bondarenko", "Kovalenko", "Melnyk", "Tkachenko", "Kravchenko", "Oliynyk", "Lysenko", "Moroz"),
        (("uk", "en"), ("uk",), ("uk", "pl")),
    ),
    "north_american": Culture(
        ("Jessica", "Megan", "Ashley", "Tanya", "Lauren", "Kimberly", "Renée", "Dana"),
        ("Tyler", "Brandon", "Kevin", "Marcus", "Jordan", "Eric", "Ryan", "Dwayne"),
        (
            "Johnson",
            "Miller",
            "Robinson",
            "Tremblay",
            "Gagnon",
            "Sullivan",
            "Mitchell",
            "Bergeron",
            "Delgado",
        ),
        (("en",), ("en",), ("en", "fr"), ("en", "es")),
        ("Observes Shabbat; nothing after mid-afternoon on Fridays in winter.",),
    ),
    "latin_american": Culture(
        ("María José", "Valentina", "Camila", "Lucía", "Daniela", "Ximena", "Gabriela", "Carolina"),
        ("Santiago", "Mateo", "Diego", "Alejandro", "Andrés", "Javier", "Luis Fernando", "Ricardo"),
        ("Quispe", "Mamani", "García", "Rodríguez", "Flores", "Huamán", "Vargas", "Torres", "Rojas"),
        (("es",), ("es", "en"), ("es", "pt")),
        (
            "Many members speak Quechua; bring an interpreter to site visits.",
            "Values a personal call before any formal letter.",
        ),
        ("Sra.", "Sr."),
    ),
    "vietnamese": Culture(
        ("Thu Hà", "Minh Anh", "Thanh Hương", "Ngọc Lan", "Thị Mai", "Phương Linh"),
        ("Văn Minh", "Quang Huy", "Đức Anh", "Hoàng Nam", "Tuấn Anh", "Quốc Bảo"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Phan"),
        (("vi",), ("vi", "en"), ("vi", "fr")),
        ("Tết (Lunar New Year) closes the office for about a week; set no deadlines then.",),
        family_first=True,
        addressed_by_given=True,
    ),
    "chinese": Culture(
        ("Xiulan", "Meiling", "Yan", "Jing", "Xiaoling", "Hui"),
        ("Wei", "Jun", "Hao", "Zhiqiang", "Lei", "Jianguo"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhou", "Wu", "Xu"),
        (("zh", "en"), ("zh",)),
        (
            "Reads English more easily than speaking it; a written summary after calls helps.",
            "Lunar New Year week is a holiday; set no deadlines then.",
        ),
        family_first=True,
    ),
    "maori_pacific": Culture(
        ("Aroha", "Mere", "Hine", "Ana", "Losa", "Sina"),
        ("Tane", "Wiremu", "Hemi", "Rawiri", "Sione", "Tevita"),
        ("Ngata", "Parata", "Tipene", "Walker", "Te Rangi", "Fonoti", "Taufa", "Faleolo", "Henare"),
        (("mi", "en"), ("en",), ("sm", "en"), ("to", "en")),
        (
            "Opens hui with a karakia; allow time for introductions at the start.",
            "Prefers kanohi ki te kanohi (face to face) for anything important.",
        ),
    ),
    "south_african": Culture(
        ("Thandiwe", "Nomvula", "Lerato", "Zanele", "Anri", "Marelize"),
        ("Sipho", "Thabo", "Mandla", "Johan", "Pieter", "Kagiso"),
        ("Nkosi", "Dlamini", "Mokoena", "Khumalo", "van der Merwe", "Botha", "Naidoo", "Pillay", "Molefe"),
        (("en",), ("en", "af"), ("af", "en")),
        ("Speaks isiZulu with community groups; English for business.",),
    ),
}

LANGUAGE_NOTES = {
    "cy": "First language Welsh; offer correspondence in Welsh.",
    "ga": "Irish speaker; appreciates bilingual invitations to events.",
    "gd": "Gaelic speaker; happy in English for business.",
}
GENERAL_CULTURAL_NOTES = (
    "Vegetarian; note for catered events.",
    "Does not drink alcohol; choose venues accordingly.",
    "Caring responsibilities; avoid meetings before 09:30.",
    "Wheelchair user; check step-free access for every venue.",
    "Prefers to be introduced by title at public events.",
)
COMMUNICATION_NOTES = (
    "Prefers a short agenda by e-mail the day before any call.",
    "Replies quickly on messaging; e-mail can sit for a week.",
    "Likes decisions confirmed in writing after meetings.",
    "Uses a screen reader; send accessible documents rather than scanned PDFs.",
    "Prefers video calls with captions on.",
    "Diary is managed by an assistant; book time through the office.",
    "Direct communicator; appreciates figures over anecdotes.",
    "Always e-mail first to arrange a call; dislikes cold calls.",
    "Brief on the phone; send the detail by e-mail.",
)
STAKEHOLDER_NOTES = (
    "Introduced through the regional partnership board.",
    "Long-standing contact; knew our previous director.",
    "Sits on the steering group for the joint programme.",
    "Good route into the wider network; respected by peers.",
    "Asked to be kept informed rather than consulted in detail.",
    "Sceptical of the programme at first; now an advocate.",
    "Useful for early sight of policy changes.",
    "Prefers quarterly updates to frequent contact.",
)
ARCHIVE_NOTES = (
    "Retired from the post; archived after a farewell call.",
    "Moved to a role outside our remit.",
    "Stepped back from the group; kept for the history.",
)

KIND_WEIGHTS = {
    InteractionKind.EMAIL: 30,
    InteractionKind.CALL: 22,
    InteractionKind.MEETING: 20,
    InteractionKind.MESSAGE: 10,
    InteractionKind.VISIT: 7,
    InteractionKind.EVENT: 7,
    InteractionKind.LETTER: 4,
}
CHANNEL_KINDS = {
    PreferredChannel.EMAIL: (InteractionKind.EMAIL,),
    PreferredChannel.PHONE: (InteractionKind.CALL,),
    PreferredChannel.IN_PERSON: (InteractionKind.MEETING, InteractionKind.VISIT),
    PreferredChannel.VIDEO: (InteractionKind.MEETING,),
    PreferredChannel.MESSAGE: (InteractionKind.MESSAGE,),
    PreferredChannel.LETTER: (InteractionKind.LETTER,),
}
GROUP_KINDS = (InteractionKind.MEETING, InteractionKind.VISIT, InteractionKind.EVENT)
INBOUND_SHARE = {
    InteractionKind.CALL: 0.4,
    InteractionKind.EMAIL: 0.45,
    InteractionKind.MEETING: 0.25,
    InteractionKind.VISIT: 0.2,
    InteractionKind.EVENT: 0.15,
    InteractionKind.LETTER: 0.4,
    InteractionKind.MESSAGE: 0.5,
}
EVENTS = (
    "regional partners' roundtable",
    "annual stakeholder reception",
    "community open day",
    "consultation drop-in session",
    "policy breakfast briefing",
    "launch of the annual report",
)
SUMMARIES = {
    InteractionKind.CALL: {
        Direction.OUTBOUND: (
            "Call with {person} about {topic}",
            "Rang {person} with an update on {topic}",
            "Catch-up call with {person} on {topic}",
        ),
        Direction.INBOUND: ("{person} called about {topic}", "Call from {person} with questions on {topic}"),
    },
    InteractionKind.EMAIL: {
        Direction.OUTBOUND: (
            "E-mailed {person} the briefing on {topic}",
            "Sent {person} an update on {topic}",
            "Shared draft papers on {topic} with {person}",
        ),
        Direction.INBOUND: (
            "{person} e-mailed asking for an update on {topic}",
            "E-mail from {person} with comments on {topic}",
        ),
    },
    InteractionKind.MEETING: {
        Direction.OUTBOUND: (
            "Meeting with {person} at {organisation} on {topic}",
            "Quarterly relationship meeting with {person}",
            "Working session on {topic} with the team at {organisation}",
        ),
        Direction.INBOUND: (
            "{person} asked to meet about {topic}",
            "Meeting requested by {organisation} on {topic}",
        ),
    },
    InteractionKind.VISIT: {
        Direction.OUTBOUND: (
            "Site visit to {organisation} to see {topic} work",
            "Visited {person} at {organisation}",
        ),
        Direction.INBOUND: ("{person} visited our offices to discuss {topic}",),
    },
    InteractionKind.EVENT: {
        Direction.OUTBOUND: ("Spoke with {person} at the {event}", "{person} attended our {event}"),
        Direction.INBOUND: ("Invited by {organisation} to their {event}",),
    },
    InteractionKind.LETTER: {
        Direction.OUTBOUND: (
            "Formal letter to {person} on {topic}",
            "Wrote to {person} confirming our position on {topic}",
        ),
        Direction.INBOUND: (
            "Letter from {person} about {topic}",
            "Formal response from {organisation} on {topic}",
        ),
    },
    InteractionKind.MESSAGE: {
        Direction.OUTBOUND: ("Messaged {person} about {topic}", "WhatsApp check-in with {person} on {topic}"),
        Direction.INBOUND: ("Message from {person} about {topic}", "{person} sent a quick note on {topic}"),
    },
}
SENTIMENTS = (-2, -1, 0, 1, 2)
SENTIMENT_WEIGHTS = (3, 9, 28, 40, 20)
OUTCOMES = {
    2: (
        "Very positive: {address} offered to co-host the next session on {topic}.",
        "Warm reception; they agreed in principle and will put it to their board.",
        "Excellent response: they want to extend the partnership to {topic} next year.",
    ),
    1: (
        "Constructive. Broad support, but they want to see costings before committing.",
        "Good discussion; {address} will share our note with their team.",
        "Agreed next steps; minor concerns about timing.",
        "Helpful exchange; they confirmed attendance at the next working group.",
    ),
    0: (
        "Information exchanged; no decision yet.",
        "Noted for the record; no action needed from us.",
        "Holding reply sent; they will come back after their internal review.",
        "Update received; nothing has changed on their side.",
    ),
    -1: (
        "They feel consulted too late on {topic}; we agreed to share drafts earlier.",
        "Concerns about the delivery timetable; {address} asked for a revised plan.",
        "Some frustration at slow responses from our side.",
    ),
    -2: (
        "Unhappy about the missed commitment on {topic}; raised with the manager.",
        "Strong objection to the proposal; they may take it to the press.",
        "Complaint about how the consultation was handled; a formal reply is needed.",
    ),
}
INTERACTION_NOTES = (
    "Papers circulated in advance; they had read them.",
    "They asked for the figures broken down by ward.",
    "Mentioned budget pressures next financial year.",
    "Their new director starts next month; worth an introduction.",
    "Asked us to keep this between us until their board has met.",
    "Copied in their chief executive's office.",
    "Documents saved to the shared drive.",
)
FOLLOW_UP_NOTES = (
    "Send the minutes and action list",
    "Share the draft memorandum of understanding",
    "Confirm venue and date for the site visit",
    "Send the briefing pack",
    "Chase the signed data-sharing agreement",
    "Introduce them to our programme lead",
    "Book a follow-up meeting for next quarter",
    "Reply formally to the points raised",
    "Send the funding timetable",
)

# Letters that Unicode does not decompose into a base letter and an accent.
_ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "\u0131": "i", "ø": "o", "ß": "ss"})


def _ascii_slug(text: str) -> str:
    """Letters and digits only, accents dropped: "Nguyễn Thị" becomes "nguyenthi"."""
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD)).encode("ascii", "ignore").decode()
    return "".join(char for char in folded.lower() if char.isalnum())


@dataclass(eq=False)
class Contact:
    """A stakeholder being seeded, with the span in which interactions with them may fall."""

    stakeholder: Stakeholder
    organisation: Organisation
    created_at: datetime
    reachable_from: datetime
    reachable_until: datetime
    weight: float  # how often they are contacted, relative to the others
    keep_current: bool  # gets a touch within their cadence, so they are not due for contact

    def reachable_at(self, moment: datetime) -> bool:
        return self.weight > 0 and self.reachable_from <= moment <= self.reachable_until


@dataclass(eq=False)
class Draft:
    """An interaction waiting to be saved, with the rows for its many-to-many tables."""

    interaction: Interaction
    people: list[Contact]
    staff: list[User]
    topics: list[str]


class DemoData:
    """Builds the demo rows. Every random choice comes from one seeded generator, so runs are repeatable."""

    def __init__(self, now: datetime):
        self.rng = random.Random(SEED)
        self.now = now
        self.today = timezone.localdate(now)

    def load(self) -> None:
        self._staff()
        names = [*TOPIC_NAMES, *STAKEHOLDER_TAGS, *ORGANISATION_TAGS]
        self.tags = dict(zip(names, tags_from_names(names), strict=True))
        self._organisations()
        self._stakeholders()
        self._interactions()

    def _staff(self) -> None:
        teams = Team.objects.bulk_create([Team(name=name) for name in TEAMS])
        groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role}
        # Hashing is deliberately slow and everyone shares the demo password, so it is hashed once.
        password = make_password(PASSWORD)
        users = User.objects.bulk_create(
            [
                User(
                    username=seed.username,
                    first_name=seed.first_name,
                    last_name=seed.last_name,
                    email=f"{seed.first_name}.{seed.last_name}@example.org".lower(),
                    password=password,
                    team=None if seed.team is None else teams[seed.team],
                    time_zone=seed.time_zone,
                    is_staff=seed.role == Role.ADMIN,
                    is_superuser=seed.role == Role.ADMIN,
                    date_joined=self.now - timedelta(days=self.rng.randint(400, 900)),
                )
                for seed in STAFF
            ]
        )
        memberships = User.groups.through
        memberships.objects.bulk_create(
            [
                memberships(user_id=user.pk, group_id=groups[seed.role].pk)
                for user, seed in zip(users, STAFF, strict=True)
            ]
        )
        staff = list(zip(users, STAFF, strict=True))
        self.officer = next(user for user in users if user.username == "officer")
        self.officers = [(user, seed) for user, seed in staff if seed.role == Role.OFFICER]
        self.team_members = defaultdict(list)
        for user in users:
            if user.team_id is not None:
                self.team_members[user.team_id].append(user)

    def _organisations(self) -> None:
        seeds = {seed.name: seed for seed in ORGANISATIONS}
        parents = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=seed.name,
                    kind=seed.kind,
                    sector=seed.sector,
                    website=f"https://www.{seed.domain}/",
                    address=seed.address,
                    country=seed.country,
                    notes=seed.notes,
                )
                for seed in ORGANISATIONS
            ]
        )
        by_name = {organisation.name: organisation for organisation in parents}
        # Each level of departments once the one above it has its ids: two inserts for three levels.
        units, waiting = [], organisation_units()
        while waiting:
            ready = [(parent, name) for parent, name in waiting if parent in by_name]
            waiting = [(parent, name) for parent, name in waiting if parent not in by_name]
            level = Organisation.objects.bulk_create(
                [
                    Organisation(
                        name=name,
                        kind=by_name[parent].kind,
                        sector=by_name[parent].sector,
                        website=f"{by_name[parent].website}{slugify(name.rpartition(': ')[2])}/",
                        address=by_name[parent].address,
                        country=by_name[parent].country,
                        parent=by_name[parent],
                    )
                    for parent, name in ready
                ]
            )
            by_name |= {unit.name: unit for unit in level}
            units += level
        self.organisations = parents + units
        # Where each organisation's people are colleagues, and what their conversations are about: the top
        # organisation it is part of.
        self.top_of = {organisation.pk: organisation for organisation in parents}
        for unit in units:  # each after its parent
            self.top_of[unit.pk] = self.top_of[unit.parent.pk]
        self.seed_of = {pk: seeds[top.name] for pk, top in self.top_of.items()}
        self.organisation_weights = [seeds[o.name].weight for o in parents] + [UNIT_WEIGHT] * len(units)

        tagged = Organisation.tags.through
        tagged.objects.bulk_create(
            [
                tagged(organisation_id=organisation.pk, tag_id=self.tags[name].pk)
                for organisation in parents
                for name in (*seeds[organisation.name].tags, *seeds[organisation.name].topics)
            ]
        )
        for organisation in self.organisations:
            if organisation.parent is None:
                created = self.now - timedelta(days=self.rng.randint(700, 2500))
            else:
                created = organisation.parent.created_at + timedelta(days=self.rng.randint(30, 300))
            organisation.created_at = created
            organisation.updated_at = created + (self.now - created) * self.rng.random()
        Organisation.objects.bulk_update(self.organisations, ["created_at", "updated_at"])

    def _owner(self, kind: str) -> User:
        teams = [index for index, kinds in enumerate(TEAM_KINDS) if kind in kinds]
        # Some relationships sit with the other team, as they do in real portfolios.
        if self.rng.random() < 0.15:
            teams = range(len(TEAMS))
        candidates = [(user, seed.portfolio_weight) for user, seed in self.officers if seed.team in teams]
        return self.rng.choices([user for user, _ in candidates], [weight for _, weight in candidates])[0]

    def _name(self, culture: Culture, female: bool, taken: set[str]) -> tuple[str, str, str]:
        while True:
            given = self.rng.choice(culture.female if female else culture.male)
            family = self.rng.choice(culture.family)
            name = f"{family} {given}" if culture.family_first else f"{given} {family}"
            if name not in taken:
                taken.add(name)
                return given, family, name

    def _form_of_address(
        self, culture: Culture, female: bool, given: str, family: str, role: str
    ) -> tuple[str, str]:
        """How to address them, and a note on it for the cultural notes ("" when there is none)."""
        surname = given.split()[-1] if culture.addressed_by_given else family
        if role.startswith("Councillor"):
            return f"Cllr {surname}", ""
        if role.startswith("Professor"):
            return f"Prof. {surname}", ""
        roll = self.rng.random()
        if roll < 0.03:
            return f"Mx {surname}", "Uses they/them pronouns."
        if roll < 0.15:
            return f"Dr {surname}", ""
        if roll < 0.25:
            return given, ""
        if roll < 0.32:
            return "", ""
        address = f"{culture.honorifics[0 if female else 1]} {surname}"
        if culture.addressed_by_given and self.rng.random() < 0.6:
            return address, f"Addressed by the given name: {address}, not by the family name."
        return address, ""

    def _notes(
        self, culture: Culture, languages: list[str], address: str, given: str, address_note: str
    ) -> tuple[str, str]:
        """Cultural and communication notes: present for some people, never for everyone."""
        rng = self.rng
        cultural = [address_note] if address_note else []
        pool = (
            *culture.notes,
            *GENERAL_CULTURAL_NOTES,
            *(LANGUAGE_NOTES[code] for code in languages if code in LANGUAGE_NOTES),
        )
        if rng.random() < 0.5:
            cultural += rng.sample(pool, 1 if rng.random() < 0.8 else 2)

        communication = []
        if address == given:
            communication.append("Happy to be on first-name terms.")
        first = LANGUAGE_NAMES[languages[0]]
        if "en" not in languages:
            communication.append(
                f"Works in {first}; bring an interpreter to meetings and translate key papers."
            )
        elif languages[0] != "en" and rng.random() < 0.6:
            communication.append(f"Speaks {first} at meetings; reads English comfortably.")
        if rng.random() < 0.45:
            communication.append(rng.choice(COMMUNICATION_NOTES))
        return " ".join(cultural), " ".join(communication)

    def _phone(self, pattern: str) -> str:
        return "".join(str(self.rng.randint(0, 9)) if char == "#" else char for char in pattern)

    def _stakeholders(self) -> None:
        rng = self.rng
        special = rng.sample(range(STAKEHOLDER_COUNT), ARCHIVED_COUNT + NEW_CONTACT_COUNT)
        archived = set(special[:ARCHIVED_COUNT])
        new = special[ARCHIVED_COUNT:]
        # Half the new people have not been contacted yet: some of them are already due.
        uncontacted = set(new[: NEW_CONTACT_COUNT // 2])
        secondary_places = [o for o in self.organisations if o.kind in (Kind.COMMUNITY_GROUP, Kind.PARTNER)]
        taken: set[str] = set()
        people, positions, tag_rows, plans = [], [], [], []

        for index in range(STAKEHOLDER_COUNT):
            organisation = rng.choices(self.organisations, self.organisation_weights)[0]
            seed = self.seed_of[organisation.pk]
            country = COUNTRIES[seed.country]
            culture_names, culture_weights = zip(*country.cultures, strict=True)
            culture = CULTURES[rng.choices(culture_names, culture_weights)[0]]
            female = rng.random() < 0.5
            given, family, name = self._name(culture, female, taken)
            languages = list(rng.choice(culture.languages))
            if country.language not in languages:
                languages.append(country.language)
            role = rng.choice(KIND_ROLES[organisation.kind] + seed.roles)
            address, address_note = self._form_of_address(culture, female, given, family, role)
            cultural_notes, communication_notes = self._notes(
                culture, languages, address, given, address_note
            )

            given_slug, family_slug = _ascii_slug(given), _ascii_slug(family)
            emails = [f"{given_slug}.{family_slug}@{seed.domain}"]
            if rng.random() < 0.25:
                emails.append(f"{given_slug[0]}{family_slug}@{rng.choice(('example.com', 'example.net'))}")
            phones = [
                self._phone(pattern) for pattern in rng.sample(country.phones, 1 if rng.random() < 0.7 else 2)
            ]
            if rng.random() < 0.08:
                phones = []

            influence = rng.choices(range(1, 6), KIND_INFLUENCE[organisation.kind])[0]
            cadence_weights = CADENCE_WEIGHTS_INFLUENTIAL if influence >= 4 else CADENCE_WEIGHTS_OTHERS
            notes = [rng.choice(STAKEHOLDER_NOTES)] if rng.random() < 0.25 else []
            archived_at = None
            if index in archived:
                archived_at = self.now - timedelta(days=rng.uniform(15, 240))
                notes.append(rng.choice(ARCHIVE_NOTES))

            stakeholder = Stakeholder(
                name=name,
                form_of_address=address,
                emails=emails,
                phones=phones,
                languages=languages,
                time_zone=rng.choice(country.time_zones),
                preferred_channel=rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0],
                preferred_hours=rng.choice(PREFERRED_HOURS + country.hours) if rng.random() < 0.6 else "",
                cultural_notes=cultural_notes,
                communication_notes=communication_notes,
                notes=" ".join(notes),
                influence=influence,
                interest=rng.choices(range(1, 6), INTEREST_WEIGHTS)[0],
                engagement_level=rng.choices(list(ENGAGEMENT_WEIGHTS), list(ENGAGEMENT_WEIGHTS.values()))[0],
                contact_cadence_days=rng.choices(CADENCES, cadence_weights)[0],
                owner=self._owner(organisation.kind),
                is_archived=archived_at is not None,
                archived_at=archived_at,
            )
            people.append(stakeholder)

            tag_names = ["New contact"] if index in new else []
            if rng.random() < 0.5:
                tag_names.append(rng.choice(STAKEHOLDER_TAGS))
            if rng.random() < 0.5:
                tag_names.append(rng.choice(seed.topics))
            tag_rows += [(stakeholder, name) for name in dict.fromkeys(tag_names)]

            positions += self._positions(stakeholder, organisation, role, secondary_places)

            if index in new:
                created = self.now - timedelta(days=rng.uniform(2, 45))
            else:
                created = self.now - timedelta(days=rng.uniform(370, 1400))
            plans.append((stakeholder, organisation, created, index in uncontacted))

        Stakeholder.objects.bulk_create(people)
        Affiliation.objects.bulk_create(positions)
        tagged = Stakeholder.tags.through
        tagged.objects.bulk_create(
            [
                tagged(stakeholder_id=stakeholder.pk, tag_id=self.tags[name].pk)
                for stakeholder, name in tag_rows
            ]
        )
        self.contacts = [self._contact(*plan) for plan in plans]
        self._let_some_lapse()

        for contact in self.contacts:
            stakeholder = contact.stakeholder
            stakeholder.created_at = contact.created_at
            stakeholder.updated_at = stakeholder.archived_at or (
                contact.created_at + (self.now - contact.created_at) * rng.random()
            )
        Stakeholder.objects.bulk_update(people, ["created_at", "updated_at"])

    def _positions(self, stakeholder, organisation, role, secondary_places) -> list[Affiliation]:
        """The current primary position, sometimes a second current one, sometimes an earlier one."""
        rng = self.rng
        started = self.today - timedelta(days=rng.randint(120, 3650)) if rng.random() < 0.9 else None
        department = ""
        if organisation.parent is None and organisation.kind in KIND_DEPARTMENTS and rng.random() < 0.5:
            department = rng.choice(KIND_DEPARTMENTS[organisation.kind])
        positions = [
            Affiliation(
                stakeholder=stakeholder,
                organisation=organisation,
                role=role,
                department=department,
                start_date=started,
                is_primary=True,
            )
        ]
        if rng.random() < 0.15:
            other = rng.choice([place for place in secondary_places if place is not organisation])
            positions.append(
                Affiliation(
                    stakeholder=stakeholder,
                    organisation=other,
                    role=rng.choice(SECONDARY_ROLES),
                    start_date=self.today - timedelta(days=rng.randint(60, 2000)),
                )
            )
        if rng.random() < 0.2:
            other = rng.choice([place for place in self.organisations if place is not organisation])
            ended = (started or self.today - timedelta(days=rng.randint(200, 1500))) - timedelta(
                days=rng.randint(1, 120)
            )
            positions.append(
                Affiliation(
                    stakeholder=stakeholder,
                    organisation=other,
                    role=rng.choice(KIND_ROLES[other.kind]),
                    start_date=ended - timedelta(days=rng.randint(365, 6 * 365)),
                    end_date=ended,
                    is_primary=rng.random() < 0.7,
                )
            )
        return positions

    def _contact(self, stakeholder, organisation, created, uncontacted) -> Contact:
        cadence = stakeholder.contact_cadence_days
        reachable_until = self.now - timedelta(minutes=30)
        if stakeholder.is_archived:
            reachable_until = stakeholder.archived_at - timedelta(days=self.rng.randint(3, 30))
        weight = 0.0
        if not uncontacted:
            weight = {14: 4, 30: 3, 60: 2, 90: 1.5, None: 1}[cadence] * (0.6 + stakeholder.influence / 5)
        return Contact(
            stakeholder=stakeholder,
            organisation=organisation,
            created_at=created,
            reachable_from=max(self.now - HISTORY, created + timedelta(hours=1)),
            reachable_until=reachable_until,
            weight=weight,
            keep_current=weight > 0 and cadence is not None and not stakeholder.is_archived,
        )

    def _let_some_lapse(self) -> None:
        """Every officer has a few people whose last contact is older than their cadence allows."""
        for officer, _seed in self.officers:
            eligible = [
                contact
                for contact in self.contacts
                if contact.stakeholder.owner_id == officer.pk
                and contact.keep_current
                and contact.created_at < self.now - HISTORY
            ]
            for contact in self.rng.sample(eligible, min(len(eligible), max(2, round(len(eligible) * 0.12)))):
                lapse = contact.stakeholder.contact_cadence_days + self.rng.randint(5, 60)
                contact.keep_current = False
                contact.reachable_until = self.now - timedelta(days=lapse)

    def _interactions(self) -> None:
        rng = self.rng
        self.colleagues = defaultdict(list)
        for contact in self.contacts:
            self.colleagues[self.top_of[contact.organisation.pk].pk].append(contact)

        # One touch inside each cadence keeps those people current; the rest fall anywhere in the year.
        plan = []
        for contact in self.contacts:
            if contact.keep_current:
                recent = self.now - timedelta(days=contact.stakeholder.contact_cadence_days * 0.8)
                plan.append((contact, max(contact.reachable_from, recent), contact.reachable_until))
        spans = [max(0.0, (c.reachable_until - c.reachable_from) / HISTORY) * c.weight for c in self.contacts]
        for contact in rng.choices(self.contacts, spans, k=INTERACTION_COUNT - len(plan)):
            plan.append((contact, contact.reachable_from, contact.reachable_until))

        drafts = sorted(
            (self._draft(contact, start, end) for contact, start, end in plan),
            key=lambda draft: draft.interaction.occurred_at,
        )
        self._ensure_officer_follow_ups(drafts)
        Interaction.objects.bulk_create([draft.interaction for draft in drafts])

        participants = Interaction.stakeholders.through
        participants.objects.bulk_create(
            [
                participants(interaction_id=draft.interaction.pk, stakeholder_id=contact.stakeholder.pk)
                for draft in drafts
                for contact in draft.people
            ]
        )
        present = Interaction.staff_present.through
        present.objects.bulk_create(
            [
                present(interaction_id=draft.interaction.pk, user_id=user.pk)
                for draft in drafts
                for user in draft.staff
            ]
        )
        topics = Interaction.topics.through
        topics.objects.bulk_create(
            [
                topics(interaction_id=draft.interaction.pk, tag_id=self.tags[name].pk)
                for draft in drafts
                for name in draft.topics
            ]
        )
        stakeholders_refresh_last_contact(
            stakeholder_ids=[contact.stakeholder.pk for contact in self.contacts]
        )

        for draft in drafts:
            interaction = draft.interaction
            logged = min(self.now, interaction.occurred_at + timedelta(minutes=rng.randint(5, 720)))
            interaction.created_at = logged
            interaction.updated_at = max(logged, interaction.follow_up_done_at or logged)
        Interaction.objects.bulk_update(
            [draft.interaction for draft in drafts], ["created_at", "updated_at"], batch_size=250
        )

    def _draft(self, contact: Contact, start: datetime, end: datetime) -> Draft:
        rng = self.rng
        stakeholder = contact.stakeholder
        owner = stakeholder.owner
        kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
        if rng.random() < 0.4:
            kind = rng.choice(CHANNEL_KINDS[stakeholder.preferred_channel])
        direction = Direction.INBOUND if rng.random() < INBOUND_SHARE[kind] else Direction.OUTBOUND
        team = self.team_members[owner.team_id]
        logger = owner if rng.random() < 0.85 else rng.choice([user for user in team if user != owner])
        moment = self._moment(start, end, logger.time_zone, kind)
        people = [contact, *self._colleagues(contact, moment, kind)]
        staff = []
        if kind in GROUP_KINDS and rng.random() < 0.45:
            staff = rng.sample([user for user in team if user != logger], rng.randint(1, 2))

        seed = self.seed_of[contact.organisation.pk]
        topics = [rng.choice(seed.topics) if rng.random() < 0.75 else rng.choice(TOPIC_NAMES)]
        if rng.random() < 0.3 and (second := rng.choice(TOPIC_NAMES)) not in topics:
            topics.append(second)
        organisation = self.top_of[contact.organisation.pk]
        words = {
            "person": self._people_text(people),
            "address": stakeholder.form_of_address or stakeholder.name,
            "organisation": organisation.name,
            "topic": TOPIC_PHRASES[topics[0]],
            "event": rng.choice(EVENTS),
        }
        sentiment = rng.choices(SENTIMENTS, SENTIMENT_WEIGHTS)[0]

        interaction = Interaction(
            kind=kind,
            direction=direction,
            occurred_at=moment,
            organisation=contact.organisation,
            summary=rng.choice(SUMMARIES[kind][direction]).format(**words),
            notes=rng.choice(INTERACTION_NOTES) if rng.random() < 0.35 else "",
            outcome=rng.choice(OUTCOMES[sentiment]).format(**words),
            sentiment=sentiment,
            is_confidential=rng.random() < (0.12 if sentiment < 0 else 0.04),
            logged_by=logger,
        )
        if rng.random() < 0.15:
            self._follow_up(interaction, rng.randint(2, 21))
        return Draft(interaction, people, staff, topics)

    def _moment(self, start: datetime, end: datetime, time_zone: str, kind: str) -> datetime:
        """A time between start and end, moved to working hours on a weekday where the logger works."""
        zone = zoneinfo.ZoneInfo(time_zone)
        day = (start + (end - start) * self.rng.random()).astimezone(zone).date()
        if kind == InteractionKind.EVENT:
            at = time(self.rng.choice((9, 12, 18)), self.rng.choice((0, 30)))
        else:
            if day.weekday() > 4:
                day += timedelta(days=self.rng.randint(0, 4) - day.weekday())
            at = time(self.rng.randint(8, 17), self.rng.choice((0, 10, 15, 20, 30, 40, 45, 50)))
        moment = datetime.combine(day, at, tzinfo=zone)
        while moment > end or (kind != InteractionKind.EVENT and moment.weekday() > 4):
            moment -= timedelta(days=1)
        return max(moment, start)

    def _colleagues(self, contact: Contact, moment: datetime, kind: str) -> list[Contact]:
        """Others from the same organisation (or its departments) who joined the conversation."""
        weights = (45, 35, 20) if kind in GROUP_KINDS else (90, 8, 2)
        wanted = self.rng.choices((0, 1, 2), weights)[0]
        if not wanted:
            return []
        pool = [
            other
            for other in self.colleagues[self.top_of[contact.organisation.pk].pk]
            if other is not contact and other.reachable_at(moment)
        ]
        return self.rng.sample(pool, min(wanted, len(pool)))

    @staticmethod
    def _people_text(people: list[Contact]) -> str:
        names = [contact.stakeholder.name for contact in people]
        if len(names) == 1:
            return names[0]
        if len(names) == 2:
            return f"{names[0]} and {names[1]}"
        return f"{names[0]} and {len(names) - 1} colleagues"

    def _follow_up(self, interaction: Interaction, days: int, *, done: bool | None = None) -> None:
        """Agrees a follow-up `days` after the interaction; older ones are more likely to be done."""
        day = timezone.localdate(interaction.occurred_at)
        interaction.follow_up_on = day + timedelta(days=days)
        interaction.follow_up_note = self.rng.choice(FOLLOW_UP_NOTES)
        interaction.follow_up_owner = interaction.logged_by
        if done is None:
            overdue_by = (self.today - interaction.follow_up_on).days
            chance = 0.95 if overdue_by > 21 else 0.5 if overdue_by > 0 else 0.1
            done = self.rng.random() < chance
        if done:
            took = timedelta(days=self.rng.uniform(0.5, days + 3))
            interaction.follow_up_done_at = min(self.now, interaction.occurred_at + took)

    def _ensure_officer_follow_ups(self, drafts: list[Draft], wanted: int = 3) -> None:
        """The "officer" login should find some overdue and some upcoming follow-ups on "My follow-ups"."""
        mine = [d.interaction for d in drafts if d.interaction.logged_by_id == self.officer.pk]
        open_ones = [i for i in mine if i.follow_up_on and not i.follow_up_done_at]
        overdue = wanted - sum(i.follow_up_on < self.today for i in open_ones)
        upcoming = wanted - sum(i.follow_up_on >= self.today for i in open_ones)
        for interaction in reversed(mine):
            if interaction.follow_up_on:
                continue
            age = (self.today - timezone.localdate(interaction.occurred_at)).days
            if upcoming > 0 and age <= 10:
                self._follow_up(interaction, age + self.rng.randint(1, 10), done=False)
                upcoming -= 1
            elif overdue > 0 and 3 <= age <= 40:
                self._follow_up(interaction, self.rng.randint(1, age - 1), done=False)
                overdue -= 1


class Command(BaseCommand):
    help = "Loads fictitious demo staff, organisations, stakeholders and interactions into an empty database."

    def handle(self, *args, **options):
        if User.objects.exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        started = perf_counter()
        with transaction.atomic():
            now = timezone.now()
            DemoData(now).load()
            seed_registers(now)
            seed_meetings(now)
            seed_dashboards()
            # The review page reads the last duplicate check's pairs; the first hourly one may be an hour off.
            duplicates_check()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {perf_counter() - started:.1f} s:"))
        counts = (
            ("teams", Team.objects.count()),
            ("users", User.objects.count()),
            ("organisations", Organisation.objects.count()),
            ("stakeholders", Stakeholder.objects.count()),
            ("of them archived", Stakeholder.objects.filter(is_archived=True).count()),
            ("of them overdue for contact", Stakeholder.objects.active().overdue_for_contact().count()),
            ("positions", Affiliation.objects.count()),
            ("interactions", Interaction.objects.count()),
            ("open follow-ups", Interaction.objects.open_follow_ups().count()),
            ("meetings", Meeting.objects.count()),
            ("open action items", ActionItem.objects.open().count()),
        )
        for label, count in counts:
            self.stdout.write(f"  {count:>5}  {label}")
        self.stdout.write(f'Demo logins, all with the password "{PASSWORD}":')
        for seed in STAFF:
            team = "" if seed.team is None else f", {TEAMS[seed.team]}"
            self.stdout.write(
                f"  {seed.username:<10} {seed.first_name} {seed.last_name} ({seed.role.label}{team})"
            )


# Commitments, concerns and engagement objectives, drawn from the interactions above with their own seeded
# generator.
COMMITMENT_COUNT = 60
CONCERN_COUNT = 25
OBJECTIVE_COUNT = 45

WE_PROMISED = (
    "Send the revised consultation timetable",
    "Share the draft data-sharing agreement for comment",
    "Confirm the funding decision in writing",
    "Arrange a site visit for the residents' committee",
    "Publish the minutes of the joint working group",
    "Send the traffic survey results for their area",
    "Introduce them to our head of procurement",
    "Provide the information leaflet in their community's languages",
    "Check whether the hall can be booked for the spring forum",
    "Send the accessibility audit of the new offices",
    "Reply in writing to their questions on the planning application",
    "Put their proposal on the agenda of the next board meeting",
)
THEY_PROMISED = (
    "Return the signed memorandum of understanding",
    "Send the list of households affected by the works",
    "Nominate a representative for the steering group",
    "Share their annual report ahead of the review",
    "Confirm the venue for the community forum",
    "Send the invoices for the second quarter",
    "Circulate our survey to their members",
    "Provide quotes for the translation services",
)
AGREEMENTS = (
    "Data-sharing agreement",
    "Memorandum of understanding on joint outreach",
    "Service-level agreement for interpreting",
    "Annual partnership agreement",
    "Venue hire agreement for community events",
)
CONCERNS = (
    ("Lorries using the school road at drop-off time", "Parents report HGVs on Mill Lane between 8 and 9."),
    ("Consultation letters arrived after the deadline", "Several members received the pack two days late."),
    ("Noise from the depot at night", "Reversing alarms after 11 pm, three nights last week."),
    ("Invoice paid forty days late", "Their finance team chased twice; it affects their cash flow."),
    ("Information leaflet only in English", "Many of their members read Somali or Polish first."),
    ("Not invited to the stakeholder briefing", "They heard about it from a neighbouring group."),
    ("Data in the joint report is out of date", "The figures quoted are from two years ago."),
    ("Parking on the verge near the community centre", "Contractors' vans block the footpath."),
    ("Complaint about tone of a phone call", "Felt the caller was dismissive about their objection."),
    ("Delay to the promised grant decision", "The decision was due last month; no update since."),
    ("Dust from the demolition site", "Residents with asthma have been affected."),
    ("Press statement misquoted their chair", "They want a correction issued."),
)
RESOLUTIONS = (
    "Apologised, and agreed a new route away from the school at peak times.",
    "Sent a written apology and extended the deadline by two weeks.",
    "Working hours changed; alarms switched to white-noise models.",
    "Payment made; our finance team agreed a named contact for future invoices.",
    "Leaflet translated and reprinted; copies delivered to their office.",
    "Added to the distribution list and offered a one-to-one briefing.",
    "Figures corrected in the published version and the chair informed.",
    "Spoke in person, explained the process and agreed to meet monthly.",
)
OBJECTIVES = (
    "Secure their support for the river clean-up funding bid",
    "Agree a joint communications protocol before the works start",
    "Get a named contact in their planning team",
    "Bring them onto the community safety steering group",
    "Renew the data-sharing agreement on better terms",
    "Co-host the spring residents' forum",
    "Have their members answer the transport consultation",
    "Resolve the outstanding complaints before the annual review",
    "Introduce our new director to their board",
    "Agree translation support for the information campaign",
    "Win their endorsement of the draft neighbourhood plan",
    "Set up a quarterly liaison meeting",
)


def seed_registers(now: datetime) -> None:
    """Adds commitments, concerns and engagement objectives about the demo stakeholders, some overdue, some
    escalated, some achieved."""
    from django.conf import settings

    from commitments.models import Commitment, CommitmentDirection, CommitmentStatus
    from concerns.models import Concern, ConcernStatus, Severity
    from contacts.models import Objective, ObjectiveStatus

    rng = random.Random(SEED + 1)
    today = timezone.localdate(now)
    stakeholders = list(Stakeholder.objects.filter(is_archived=False).select_related("owner").order_by("pk"))
    officer = User.objects.get(username="officer")
    mine = [s for s in stakeholders if s.owner_id == officer.pk]
    workplaces = dict(
        Affiliation.objects.filter(held_on(today), is_primary=True).values_list(
            "stakeholder_id", "organisation_id"
        )
    )
    touches = defaultdict(list)
    participants = Interaction.stakeholders.through.objects.order_by("interaction__occurred_at", "pk")
    for stakeholder_id, interaction_id, occurred_at in participants.values_list(
        "stakeholder_id", "interaction_id", "interaction__occurred_at"
    ):
        touches[stakeholder_id].append((interaction_id, occurred_at))

    def who(index: int, officer_share: int) -> Stakeholder:
        # The "officer" login should find its own stakeholders among them.
        pool = mine if index < officer_share and mine else stakeholders
        return rng.choice(pool)

    def at(day) -> datetime:
        return min(now, timezone.make_aware(datetime.combine(day, time(10))))

    commitments, made_days = [], []
    for index in range(COMMITMENT_COUNT):
        stakeholder = who(index, 20)
        made = rng.choice(touches[stakeholder.pk][-8:] or [(None, now - timedelta(days=rng.randint(5, 90)))])
        made_on = timezone.localdate(made[1])
        commitment = Commitment(
            stakeholder=stakeholder,
            organisation_id=workplaces.get(stakeholder.pk),
            owner=stakeholder.owner,
            created_by=stakeholder.owner,
            source_interaction_id=made[0] if rng.random() < 0.8 else None,
        )
        if index % 12 == 5:
            commitment.direction = CommitmentDirection.WE_PROMISED
            commitment.description = f"{rng.choice(AGREEMENTS)}: prepare the renewal"
            commitment.renews_on = today + timedelta(days=rng.randint(-5, 240))
        else:
            ours = rng.random() < 0.6
            direction = CommitmentDirection.WE_PROMISED if ours else CommitmentDirection.THEY_PROMISED
            commitment.direction = direction
            commitment.description = rng.choice(WE_PROMISED if ours else THEY_PROMISED)
            commitment.due_on = made_on + timedelta(days=rng.randint(5, 45))
        if commitment.due_on and commitment.due_on < today:
            outcome = rng.random()
            if outcome < 0.6:
                commitment.status = CommitmentStatus.FULFILLED
                kept_on = min(today, commitment.due_on + timedelta(days=rng.randint(-10, 6)))
                commitment.fulfilled_at = at(max(made_on, kept_on))
            elif outcome < 0.68:
                commitment.status = CommitmentStatus.BROKEN
                commitment.broken_at = at(min(today, commitment.due_on + timedelta(days=rng.randint(1, 20))))
            elif outcome < 0.74:
                commitment.status = CommitmentStatus.CANCELLED
                commitment.cancelled_at = at(min(today, commitment.due_on))
        commitments.append(commitment)
        made_days.append(made_on)
    Commitment.objects.bulk_create(commitments)
    # Recorded when it was made (saving stamped it now): a report on a past period finds it open then, and its
    # page does not say it was recorded after it was kept or broken.
    for commitment, made_on in zip(commitments, made_days, strict=True):
        commitment.created_at = at(made_on)
        closed_at = commitment.fulfilled_at or commitment.broken_at or commitment.cancelled_at
        commitment.updated_at = closed_at or commitment.created_at
    Commitment.objects.bulk_update(commitments, ["created_at", "updated_at"])

    concerns = []
    links = []
    for index in range(CONCERN_COUNT):
        stakeholder = who(index, 8)
        title, description = rng.choice(CONCERNS)
        raised_on = today - timedelta(days=int(rng.triangular(0, 150, 0)))
        concern = Concern(
            title=title,
            description=description,
            stakeholder=stakeholder,
            organisation_id=workplaces.get(stakeholder.pk),
            owner=stakeholder.owner,
            created_by=stakeholder.owner,
            severity=rng.choices(list(Severity), weights=[3, 5, 3, 1])[0],
            raised_on=raised_on,
        )
        age = (today - raised_on).days
        if age > 10 and rng.random() < (0.95 if age > 45 else 0.7):
            concern.status = ConcernStatus.RESOLVED
            concern.resolution = rng.choice(RESOLUTIONS)
            concern.resolved_at = at(raised_on + timedelta(days=rng.randint(2, min(age, 40))))
        elif age > 3 and rng.random() < 0.5:
            concern.status = ConcernStatus.IN_PROGRESS
        if concern.status != ConcernStatus.RESOLVED and age > settings.CONCERN_ESCALATION_DAYS:
            concern.escalated_at = at(raised_on + timedelta(days=settings.CONCERN_ESCALATION_DAYS + 1))
        concerns.append(concern)
        nearby = [pk for pk, occurred in touches[stakeholder.pk] if timezone.localdate(occurred) <= raised_on]
        links.append(nearby[-rng.randint(1, 2) :])
    Concern.objects.bulk_create(concerns)
    # Recorded the day it was raised, as the commitments above.
    for concern in concerns:
        concern.created_at = at(concern.raised_on)
        concern.updated_at = concern.resolved_at or concern.escalated_at or concern.created_at
    Concern.objects.bulk_update(concerns, ["created_at", "updated_at"])
    Concern.interactions.through.objects.bulk_create(
        [
            Concern.interactions.through(concern_id=concern.pk, interaction_id=interaction_id)
            for concern, linked in zip(concerns, links, strict=True)
            for interaction_id in linked
        ]
    )

    objectives = []
    for index in range(OBJECTIVE_COUNT):
        stakeholder = who(index, 15)
        objective = Objective(
            stakeholder=stakeholder,
            description=rng.choice(OBJECTIVES),
            created_by=stakeholder.owner,
            target_on=today + timedelta(days=rng.randint(-30, 200)) if rng.random() < 0.8 else None,
        )
        outcome = rng.random()
        if outcome < 0.2:
            objective.status, objective.closed_on = (
                ObjectiveStatus.ACHIEVED,
                today - timedelta(rng.randint(1, 90)),
            )
        elif outcome < 0.27:
            objective.status, objective.closed_on = (
                ObjectiveStatus.DROPPED,
                today - timedelta(rng.randint(1, 90)),
            )
        objectives.append(objective)
    Objective.objects.bulk_create(objectives)
    # Set some weeks before it was closed (or in the last half year), as the commitments above.
    for objective in objectives:
        set_on = (objective.closed_on or today) - timedelta(days=rng.randint(14, 180))
        objective.created_at = at(set_on)
        objective.updated_at = at(objective.closed_on) if objective.closed_on else objective.created_at
    Objective.objects.bulk_update(objectives, ["created_at", "updated_at"])


# The dashboards' figures: 90 days of relationship health, so the history charts have a past, and the weekly
# rollups of the interactions above (dashboards/services.py).
HEALTH_HISTORY_DAYS = 90


def seed_dashboards() -> None:
    from dashboards.services import activity_refresh, health_history_backfill, health_snapshot_take

    health_history_backfill(days=HEALTH_HISTORY_DAYS)
    health_snapshot_take()
    activity_refresh(full=True)


# Meetings: two months of them recorded as held, with minutes, decisions and action items; two cancelled; the
# next two weeks planned, with agendas and replies; and a weekly series. Each plan names its organisation (its
# people are the guests), its organiser and invited colleagues by username, and its day from today.


class ActionPlan(NamedTuple):
    description: str
    owner: str  # a username, "organiser", or "guest" (the first guest)
    due: int  # days from today
    status: str = "open"


class MeetingPlan(NamedTuple):
    title: str
    organisation: str
    organiser: str
    day: int  # from today; a weekend day moves to the nearest weekday away from today
    at: time  # local time in `time_zone`; None for "the next hour today"
    minutes: int
    time_zone: str = "Europe/London"
    place: str = ""
    video: str = ""
    staff: tuple[str, ...] = ()
    awaiting: tuple[str, ...] = ()  # of `staff`, those who have not replied yet
    guests: int = 2
    agenda: tuple[str, ...] = ()
    purpose: str = ""
    cancelled: bool = False
    held_minutes: str = ""  # recorded as held when the meeting is over and this is set
    decisions: tuple[str, ...] = ()
    actions: tuple[ActionPlan, ...] = ()


VIDEO = "https://meet.example.org/"
MEETINGS = (
    MeetingPlan(
        "Housing retrofit programme: quarterly review",
        "Northbridge City Council",
        "officer",
        -3,
        time(10),
        90,
        place="Committee Room 2, Civic Centre, 1 Market Square, Northbridge NB1 1AA",
        staff=("manager",),
        guests=3,
        agenda=(
            "Phase one insulation works: progress",
            "Residents' complaints and response times",
            "Phase two funding bid",
            "Any other business",
        ),
        purpose="Quarterly review of the estate retrofit programme under the partnership agreement.",
        held_minutes="Phase one is 80% complete: 212 of 265 homes insulated. Complaints about the "
        "scaffolding on Wharf Lane were discussed; the council's contractor will name a site liaison. The "
        "phase two bid is due at the end of next month and the council would welcome our support.",
        decisions=(
            "Support the phase two funding bid with a joint letter",
            "Publish monthly progress figures on the council's website",
        ),
        actions=(
            ActionPlan("Draft the joint letter of support for the phase two bid", "organiser", 2),
            ActionPlan("Name a site liaison for the Wharf Lane scaffolding", "guest", -1),
            ActionPlan("Send the monthly progress figures for publication", "manager", 10, "in_progress"),
        ),
    ),
    MeetingPlan(
        "Community safety partnership: monthly meeting",
        "Al-Noor Community Centre",
        "a.mensah",
        -6,
        time(18, 30),
        90,
        place="Main hall, Al-Noor Community Centre, 22 Mill Road, Northbridge NB4 1HX",
        staff=("officer",),
        agenda=(
            "Street lighting on Mill Road",
            "Youth activities over the school holidays",
            "Reporting hate incidents in confidence",
        ),
        purpose="Held after evening prayers; halal refreshments provided by the centre.",
        held_minutes="Residents reported two more dark stretches on Mill Road. The centre will host the "
        "youth football sessions again. The women's group asked for a confidential way to report incidents.",
        decisions=(
            "Ask the council to survey the street lighting on Mill Road",
            "Hold the youth football sessions at the centre during the school holidays",
        ),
        actions=(
            ActionPlan("Request a street-lighting survey from the council", "officer", -2),
            ActionPlan("Share the holiday sessions timetable with parents", "guest", 5),
            ActionPlan("Send the third-party reporting leaflet in Urdu and Bengali", "organiser", -4, "done"),
        ),
    ),
    MeetingPlan(
        "Water point rehabilitation: site progress",
        "Lakeside County Government",
        "w.kamau",
        -9,
        time(11),
        60,
        "Africa/Nairobi",
        video=f"{VIDEO}lakeside-water-points",
        agenda=("Progress at the six water points", "Community water committees", "Budget for spare parts"),
        held_minutes="Four of the six water points are working again. Two committees still have no "
        "treasurer. The county will confirm the spare-parts budget after the supplementary estimates.",
        decisions=("Train the two new committee treasurers before the next site visit",),
        actions=(
            ActionPlan("Confirm the spare-parts budget in writing", "guest", -2),
            ActionPlan("Book the treasurer training with the Umoja collective", "organiser", -5, "done"),
        ),
    ),
    MeetingPlan(
        "Digital skills hubs: funder check-in",
        "Open Futures Foundation",
        "officer2",
        -12,
        time(9),
        45,
        "America/New_York",
        video=f"{VIDEO}open-futures-hubs",
        staff=("manager2",),
        agenda=("Year two narrative report", "Attendance at the hubs", "Renewal timetable"),
        held_minutes="The foundation is pleased with attendance (1,140 learners this year) and wants more on "
        "outcomes for older learners in the narrative report.",
        decisions=(
            "Add a section on older learners to the narrative report",
            "Start the renewal conversation in the spring",
        ),
        actions=(
            ActionPlan("Send the draft narrative report", "organiser", -6, "done"),
            ActionPlan("Share the renewal guidance for year four", "guest", 12),
        ),
    ),
    MeetingPlan(
        "Tenants' forum: retrofit works and communication",
        "Riverside Tenants' Association",
        "officer",
        -19,
        time(19),
        90,
        place="Riverside Community Hall, Wharf Lane, Northbridge NB3 7QT",
        staff=("l.nguyen",),
        guests=3,
        agenda=("Works schedule for blocks C and D", "How residents hear about disruption", "Questions"),
        purpose="Papers went to the chair a week ahead, as she asks.",
        held_minutes="About forty residents came. Many had not received the works letter for block C. The "
        "chair asked for a named contact and for letters two weeks before any disruption.",
        decisions=(
            "Send works letters two weeks before any disruption",
            "Name one contact for residents' questions about the works",
        ),
        actions=(
            ActionPlan("Reissue the block C works letter", "organiser", -14, "done"),
            ActionPlan("Collect residents' questions for the next forum", "guest", -6, "done"),
            ActionPlan("Put the named contact's details in the residents' newsletter", "l.nguyen", -3),
        ),
    ),
    MeetingPlan(
        "Flood resilience strategy: technical workshop",
        "Agence régionale pour la transition écologique",
        "j.moreau",
        -25,
        time(14),
        120,
        "Europe/Paris",
        place="12 rue des Tanneurs, 45000 Orléans",
        agenda=("Shared flood maps", "Early-warning trial", "Translation of the board papers"),
        purpose="Held in French; board papers translated beforehand.",
        held_minutes="The agency presented the new flood maps. The early-warning trial will run over the "
        "winter in three villages. Polyglot will translate the board papers.",
        decisions=("Run the early-warning trial in three villages over the winter",),
        actions=(
            ActionPlan("Send the translated board papers", "organiser", -20, "done"),
            ActionPlan("Share the flood map data under the data-sharing agreement", "guest", -10, "done"),
        ),
    ),
    MeetingPlan(
        "Apprenticeship scheme: young people's panel",
        "Eastmere Youth Forum",
        "officer",
        -33,
        time(16),
        60,
        place="The Old Library, 5 Station Road, Eastmere EM2 4PL",
        agenda=("What the first cohort made of the scheme", "Employers for next year"),
        purpose="Safeguarding: two youth workers present throughout.",
        held_minutes="Eight members spoke about their placements; travel costs were the main barrier.",
        decisions=("Ask employers to cover travel for apprentices under 18",),
        actions=(
            ActionPlan("Send the panel's feedback to the training provider", "organiser", -28, "done"),
            ActionPlan("Circulate the vacancy list to members", "guest", -30, "cancelled"),
        ),
    ),
    MeetingPlan(
        "Research partnership steering group",
        "Northbridge University",
        "officer2",
        -48,
        time(14),
        90,
        place="Senate Room, University Road, Northbridge NB7 2RX",
        staff=("j.moreau",),
        guests=3,
        agenda=("Joint research study: fieldwork", "Data-sharing agreement renewal", "Student placements"),
        held_minutes="Fieldwork is on schedule. The data-sharing agreement needs renewing before March.",
        decisions=("Renew the data-sharing agreement on the current terms",),
        actions=(
            ActionPlan("Send the data-sharing agreement to Legal & Compliance", "organiser", -40, "done"),
            ActionPlan("Propose three student placements", "guest", -30, "done"),
        ),
    ),
    MeetingPlan(
        "Partnership agreement: annual review",
        "Northbridge City Council",
        "manager",
        -62,
        time(10),
        120,
        place="Leader's Office, Civic Centre, 1 Market Square, Northbridge NB1 1AA",
        staff=("officer",),
        agenda=("The year in figures", "Priorities for next year", "Terms of reference"),
        held_minutes="Both sides agreed the partnership is working; housing and transport stay the "
        "priorities.",
        decisions=("Keep housing and transport as next year's priorities",),
        actions=(
            ActionPlan("Circulate the revised terms of reference", "officer", -50, "done"),
            ActionPlan("Confirm the council's nominees for the board", "guest", -45, "done"),
        ),
    ),
    MeetingPlan(
        "Site visit: Umoja savings groups",
        "Umoja Women's Savings Collective",
        "w.kamau",
        -10,
        time(14),
        120,
        "Africa/Nairobi",
        place="Plot 14, Market Street, Lakeside Town",
        purpose="Postponed: the road to the market was closed by flooding.",
        cancelled=True,
    ),
    MeetingPlan(
        "Press briefing: annual report",
        "The Northbridge Courier",
        "officer",
        6,
        time(11),
        45,
        place=f"Meeting room 1, {HEAD_OFFICE}",
        guests=1,
        purpose="Called off: the Courier will cover the launch event itself.",
        cancelled=True,
    ),
    MeetingPlan(
        "Phase two bid: call with Housing Services",
        "Northbridge City Council",
        "officer",
        0,
        None,
        45,
        video=f"{VIDEO}nbcc-phase-two",
        staff=("manager",),
        agenda=("The bid's outline and figures", "Who signs the letter of support"),
    ),
    MeetingPlan(
        "Bus corridor proposals: consultation plan",
        "Meridian Transport Partnership",
        "officer2",
        1,
        time(10),
        60,
        place="Meridian Point, 40 Canal Street, Northbridge NB1 3TT",
        staff=("officer",),
        awaiting=("officer",),  # the demo officer has an invitation of their own to answer
        agenda=("Consultation timetable", "Reaching residents along the corridor", "Traffic survey results"),
    ),
    MeetingPlan(
        "Community health outreach: partners' call",
        "Kestrel Bay Public Health Agency",
        "a.mensah",
        2,
        time(11),
        60,
        "America/Halifax",
        video=f"{VIDEO}kestrel-bay-outreach",
        agenda=("What the pilot has learnt", "Sharing anonymised figures"),
    ),
    MeetingPlan(
        "Digital skills hubs: young people's ideas",
        "Eastmere Youth Forum",
        "officer",
        3,
        time(16, 30),
        60,
        place="The Old Library, 5 Station Road, Eastmere EM2 4PL",
        guests=3,
        agenda=("What the hubs should teach next", "Opening hours", "Volunteers"),
        purpose="Safeguarding: two youth workers present throughout.",
    ),
    MeetingPlan(
        "Sahel resilience network: regional call",
        "Sahel Resilience Network",
        "j.moreau",
        4,
        time(10),
        90,
        "Africa/Dakar",
        video=f"{VIDEO}sahel-regional",
        staff=("w.kamau",),
        guests=3,
        agenda=(
            "Rainy-season report from Senegal, Mali and Niger",
            "Joint funding bid",
            "Next regional meeting",
        ),
        purpose="Held in French.",
    ),
    MeetingPlan(
        "Partners' forum: venue and programme",
        "Brightline Events Ltd",
        "manager2",
        7,
        time(14),
        60,
        place="Unit 9, Foundry Yard, Northbridge NB5 8AQ",
        staff=("officer2",),
        guests=1,
        agenda=("Venue options", "Interpreting", "Catering: halal and vegetarian"),
    ),
    MeetingPlan(
        "Coastal livelihoods project: inception",
        "Sundarbans Coastal Communities Trust",
        "officer2",
        8,
        time(15),
        60,
        "Asia/Dhaka",
        video=f"{VIDEO}sundarbans-inception",
        agenda=("Introductions", "Work plan for the first six months", "Reporting"),
        purpose="Interpreting into Bengali booked through Polyglot.",
    ),
    MeetingPlan(
        "Cabinet member briefing: housing",
        "Northbridge City Council",
        "manager",
        9,
        time(9, 30),
        45,
        place="Leader's Office, Civic Centre, 1 Market Square, Northbridge NB1 1AA",
        staff=("officer",),
        guests=1,
        agenda=("Retrofit programme: where it stands", "Phase two bid"),
    ),
)
# Weekly, starting a fortnight ago: the first recorded as held, the second over but not yet recorded.
SERIES = MeetingPlan(
    "Riverside retrofit: weekly residents' check-in",
    "Riverside Tenants' Association",
    "officer",
    -13,
    time(17, 30),
    30,
    place="Riverside Community Hall, Wharf Lane, Northbridge NB3 7QT",
    video=f"{VIDEO}riverside-weekly",
    agenda=("This week's works", "Residents' questions"),
    held_minutes="Block C scaffolding comes down on Friday. Two residents asked about parking during the "
    "works.",
    decisions=("Keep the residents' parking bay on Wharf Lane free during the works",),
    actions=(ActionPlan("Ask the contractor to keep the parking bay free", "organiser", -8, "done"),),
)
SERIES_COUNT = 6


def seed_meetings(now: datetime) -> None:
    """Adds the meetings above, their guests, replies, agendas and outcomes.

    Written directly, as the rest of the demo data is, and not through meetings.services: scheduling there
    queues invitations and reminders in the outbox once the transaction commits, and `make run`'s worker
    and beat would then send them (reminders up to two weeks later) to the invented guests' addresses.
    Nothing is queued here; a meeting changed later through the pages mails its attendees as usual.
    """
    rng = random.Random(SEED + 2)
    today = timezone.localdate(now)
    staff = {user.username: user for user in User.objects.all()}
    organisations = {o.name: o for o in Organisation.objects.filter(parent__isnull=True)}
    positions = (
        Affiliation.objects.filter(held_on(today), is_primary=True, stakeholder__is_archived=False)
        .select_related("stakeholder")
        .order_by("stakeholder_id")
    )
    people = {}  # an organisation's active people, its departments' at any depth included

    def people_at(organisation: Organisation) -> list[Stakeholder]:
        if organisation.pk not in people:
            family = Organisation.objects.family_of(organisation)
            people[organisation.pk] = [p.stakeholder for p in positions.filter(organisation__in=family)]
        return people[organisation.pk]

    def start_of(plan: MeetingPlan, day_offset: int) -> datetime:
        zone = zoneinfo.ZoneInfo(plan.time_zone)
        if plan.at is None:
            # Later today where possible, so "Today's meetings" on My day has one still to come.
            local = now.astimezone(zone).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            if (local + timedelta(minutes=plan.minutes)).date() != today:
                local = datetime.combine(today, time(9), tzinfo=zone)
            return local
        day = today + timedelta(days=day_offset)
        step = 1 if day_offset > 0 else -1
        while day.weekday() > 4:
            day += timedelta(days=step)
        return datetime.combine(day, plan.at, tzinfo=zone)

    def reply(held: bool) -> str:
        if held:
            return rng.choices([Rsvp.ACCEPTED, Rsvp.NEEDS_ACTION, Rsvp.TENTATIVE], [6, 3, 1])[0]
        return rng.choices([Rsvp.ACCEPTED, Rsvp.TENTATIVE, Rsvp.DECLINED, Rsvp.NEEDS_ACTION], [5, 2, 1, 3])[0]

    meetings, attendees, agenda_items, decisions, actions = [], [], [], [], []
    guests_of = {}
    outcomes = []  # (meeting, plan, guests, staff present) for those recorded as held

    def add(plan: MeetingPlan, starts_at: datetime, series=None, held: bool = False) -> None:
        organiser = staff[plan.organiser]
        organisation = organisations[plan.organisation]
        if plan.title not in guests_of:  # a series meets the same people each time
            pool = people_at(organisation)
            guests_of[plan.title] = rng.sample(pool, min(plan.guests, len(pool)))
        guests = guests_of[plan.title]
        created = min(now, starts_at - timedelta(days=rng.randint(5, 21), hours=rng.randint(0, 8)))
        ends_at = starts_at + timedelta(minutes=plan.minutes)
        meeting = Meeting(
            title=plan.title,
            purpose=plan.purpose,
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=plan.time_zone,
            location=plan.place,
            video_url=plan.video,
            organiser=organiser,
            organisation=organisation,
            series=series,
            original_start=starts_at if series else None,
            reminder_minutes=list(DEFAULT_REMINDER_MINUTES),
            status=MeetingStatus.CANCELLED if plan.cancelled else MeetingStatus.PLANNED,
            created_at=created,
        )
        if held:
            meeting.status = MeetingStatus.HELD
            meeting.minutes = plan.held_minutes
            meeting.held_at = min(now, ends_at + timedelta(hours=rng.randint(1, 30)))
        meetings.append(meeting)

        invited = [(guest, None) for guest in guests] + [(None, staff[name]) for name in plan.staff]
        replies = []
        for stakeholder, user in invited:
            rsvp = Rsvp.NEEDS_ACTION if user and user.username in plan.awaiting else reply(held)
            replies.append(rsvp)
            responded = None
            if rsvp != Rsvp.NEEDS_ACTION:
                responded = min(now, created + timedelta(hours=rng.randint(2, 96)))
            attendees.append(
                Attendee(
                    meeting=meeting,
                    stakeholder=stakeholder,
                    user=user,
                    rsvp=rsvp,
                    responded_at=responded,
                    # As recording it held does when the officer keeps the boxes it ticks.
                    attended=rsvp != Rsvp.DECLINED if held else None,
                )
            )
        share = plan.minutes // max(1, len(plan.agenda))
        agenda_items.extend(
            AgendaItem(
                meeting=meeting,
                position=position,
                title=title,
                owner=organiser if position == 0 else None,
                minutes_allotted=share,
            )
            for position, title in enumerate(plan.agenda)
        )
        if not held:
            return
        decisions.extend(
            Decision(meeting=meeting, position=position, text=text)
            for position, text in enumerate(plan.decisions)
        )
        for action in plan.actions:
            owner = {"organiser": organiser, "guest": guests[0]}.get(action.owner) or staff[action.owner]
            done = action.status == ActionStatus.DONE
            actions.append(
                ActionItem(
                    meeting=meeting,
                    description=action.description,
                    owner_user=owner if isinstance(owner, User) else None,
                    owner_stakeholder=None if isinstance(owner, User) else owner,
                    # A stakeholder's is chased by the organiser, as recording the meeting held has it.
                    chaser=None if isinstance(owner, User) else organiser,
                    due_on=today + timedelta(days=action.due),
                    status=action.status,
                    completed_at=min(now, meeting.held_at + timedelta(days=rng.randint(1, 10)))
                    if done
                    else None,
                    cancelled_at=min(now, meeting.held_at + timedelta(days=2))
                    if action.status == ActionStatus.CANCELLED
                    else None,
                    created_by=organiser,
                )
            )
        # As recording it held does: everyone who had not declined (nobody, in a held meeting's replies above)
        # was there.
        present = [guest for guest, rsvp in zip(guests, replies, strict=False) if rsvp != Rsvp.DECLINED]
        outcomes.append((meeting, plan, present, [organiser, *(staff[name] for name in plan.staff)]))

    for plan in MEETINGS:
        starts_at = start_of(plan, plan.day)
        add(plan, starts_at, held=bool(plan.held_minutes) and starts_at < now)
    series = MeetingSeries.objects.create(frequency=Frequency.WEEKLY, count=SERIES_COUNT)
    first = start_of(SERIES, SERIES.day)
    for index, starts_at in enumerate(
        occurrence_starts(first, SERIES.time_zone, Frequency.WEEKLY, SERIES_COUNT)
    ):
        add(SERIES, starts_at, series=series, held=index == 0)

    Meeting.objects.bulk_create(meetings)
    Attendee.objects.bulk_create(attendees)
    AgendaItem.objects.bulk_create(agenda_items)
    Decision.objects.bulk_create(decisions)
    ActionItem.objects.bulk_create(actions)

    # Each held meeting's timeline entry, as recording it held logs one.
    interactions = [
        Interaction(
            kind=InteractionKind.MEETING,
            direction=Direction.OUTBOUND,
            occurred_at=meeting.starts_at,
            organisation=meeting.organisation,
            summary=meeting.title,
            notes=meeting.minutes,
            outcome=decisions_outcome(plan.decisions),
            logged_by=meeting.organiser,
        )
        for meeting, plan, _present, _colleagues in outcomes
    ]
    Interaction.objects.bulk_create(interactions)
    Interaction.stakeholders.through.objects.bulk_create(
        [
            Interaction.stakeholders.through(interaction_id=interaction.pk, stakeholder_id=stakeholder.pk)
            for interaction, (_meeting, _plan, present, _colleagues) in zip(
                interactions, outcomes, strict=True
            )
            for stakeholder in present
        ]
    )
    Interaction.staff_present.through.objects.bulk_create(
        [
            Interaction.staff_present.through(interaction_id=interaction.pk, user_id=user.pk)
            for interaction, (_meeting, _plan, _present, colleagues) in zip(
                interactions, outcomes, strict=True
            )
            for user in colleagues
        ]
    )
    held = [meeting for meeting, _plan, _present, _colleagues in outcomes]
    for meeting, interaction in zip(held, interactions, strict=True):
        meeting.interaction = interaction
        interaction.created_at = interaction.updated_at = meeting.held_at
    Meeting.objects.bulk_update(held, ["interaction"])
    Interaction.objects.bulk_update(interactions, ["created_at", "updated_at"])
    stakeholders_refresh_last_contact(
        stakeholder_ids={
            stakeholder.pk for _meeting, _plan, present, _colleagues in outcomes for stakeholder in present
        }
    )
    for meeting in meetings:
        meeting.updated_at = meeting.held_at or meeting.created_at
    Meeting.objects.bulk_update(meetings, ["created_at", "updated_at"])
