"""A list exported to CSV and imported again gives back the records it was exported from.

Officers move records between teams and restore spreadsheets they edited by exporting a list and importing
the file: every column of an export that names a field of the record is read back into that field, and the
columns the CRM works out itself (last contact, contact due, counts) are left aside, not refused.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from contacts.models import (
    Affiliation,
    EngagementLevel,
    Organisation,
    OrganisationKind,
    PreferredChannel,
    Stakeholder,
    Tag,
)
from imports import services
from imports.columns import ignored_headings
from interactions.models import Direction, Interaction, InteractionKind, Sentiment

from ..factories import AffiliationFactory, InteractionFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def exported(client, name: str, query: str = "") -> bytes:
    return b"".join(client.get(f"/exports/{name}.csv{query}").streaming_content)


def checked(actor, content: bytes, kind: str):
    job = services.import_job_create(actor=actor, kind=kind, upload=ContentFile(content, name=f"{kind}.csv"))
    job = services.import_job_map(job=job, actor=actor, mapping=job.mapping)
    job = services.import_check(job_id=job.pk)
    assert job.error_count == 0, job.errors
    return job


def imported(actor, content: bytes, kind: str):
    return services.import_commit_start(job=checked(actor, content, kind), actor=actor)


def stakeholder_fields(stakeholder: Stakeholder) -> dict:
    position = Affiliation.objects.filter(stakeholder=stakeholder, is_primary=True).first()
    return {
        "form_of_address": stakeholder.form_of_address,
        "organisation": position.organisation.name if position else None,
        "role": position.role if position else None,
        "emails": stakeholder.emails,
        "phones": stakeholder.phones,
        "owner": stakeholder.owner_id,
        "engagement_level": stakeholder.engagement_level,
        "influence": stakeholder.influence,
        "interest": stakeholder.interest,
        "contact_cadence_days": stakeholder.contact_cadence_days,
        "preferred_channel": stakeholder.preferred_channel,
        "languages": stakeholder.languages,
        "time_zone": stakeholder.time_zone,
        "tags": sorted(tag.name for tag in stakeholder.tags.all()),
        "is_archived": stakeholder.is_archived,
    }


def test_stakeholders_exported_and_imported_again_are_as_they_were(officer_client, officer, colleague):
    water = OrganisationFactory(name="Northern Water Authority")
    okafor = StakeholderFactory(
        name="Margaret Okafor",
        form_of_address="Dr Okafor",
        emails=["m.okafor@nwa.example", "margaret@home.example"],
        phones=["+44 20 7946 0000", "07700 900123"],
        owner=colleague,
        engagement_level=EngagementLevel.COLLABORATE,
        influence=5,
        interest=2,
        contact_cadence_days=45,
        preferred_channel=PreferredChannel.PHONE,
        languages=["en", "yo"],
        time_zone="Africa/Lagos",
        last_contacted_at=timezone.now() - dt.timedelta(days=3),
    )
    okafor.tags.add(Tag.objects.create(name="water"), Tag.objects.create(name="board"))
    AffiliationFactory(stakeholder=okafor, organisation=water, role="Director of Operations")
    StakeholderFactory(
        name="Li Wei", emails=[], phones=[], owner=officer, contact_cadence_days=None, languages=["zh"]
    )
    StakeholderFactory(
        name="Jean Dubois",
        emails=["jean@example.fr"],
        owner=officer,
        is_archived=True,
        archived_at=timezone.now(),
        time_zone="Europe/Paris",
    )
    before = {person.name: stakeholder_fields(person) for person in Stakeholder.objects.all()}
    active, archived = (exported(officer_client, "stakeholders", query) for query in ("", "?archived=true"))
    Stakeholder.objects.all().delete()
    Organisation.objects.all().delete()

    for content in (active, archived):
        imported(officer, content, "stakeholders")

    after = {person.name: stakeholder_fields(person) for person in Stakeholder.objects.all()}
    assert after == before


def test_the_columns_an_export_works_out_are_listed_as_left_aside(officer_client, officer):
    StakeholderFactory(name="Li Wei", owner=officer)
    job = checked(officer, exported(officer_client, "stakeholders"), "stakeholders")

    page = officer_client.get(job.get_absolute_url())
    assert page.context["ignored_headings"] == ["ID", "Last contact", "Contact due"]
    assert job.error_count == 0


def test_organisations_exported_and_imported_again_are_as_they_were(officer_client, officer):
    ministry = OrganisationFactory(
        name="Ministry of Health",
        kind=OrganisationKind.GOVERNMENT_AGENCY,
        sector="Health",
        country="Nigeria",
        website="https://health.example.gov",
    )
    unit = OrganisationFactory(name="Planning Unit", kind=OrganisationKind.OTHER, parent=ministry)
    unit.tags.add(Tag.objects.create(name="planning"), Tag.objects.create(name="lagos"))
    AffiliationFactory(organisation=unit)

    def fields(organisation):
        return {
            "kind": organisation.kind,
            "parent": organisation.parent.name if organisation.parent else None,
            "sector": organisation.sector,
            "country": organisation.country,
            "website": organisation.website,
            "tags": sorted(tag.name for tag in organisation.tags.all()),
        }

    before = {organisation.name: fields(organisation) for organisation in Organisation.objects.all()}
    content = exported(officer_client, "organisations")
    Stakeholder.objects.all().delete()
    Organisation.objects.filter(parent__isnull=False).delete()
    Organisation.objects.all().delete()

    job = imported(officer, content, "organisations")

    assert {organisation.name: fields(organisation) for organisation in Organisation.objects.all()} == before
    assert ignored_headings(job.headers, job.mapping) == ["ID", "People"]


def test_interactions_exported_and_imported_again_are_as_they_were(officer_client, officer):
    ministry = OrganisationFactory(name="Ministry of Health")
    okafor = StakeholderFactory(name="Margaret Okafor", emails=["m.okafor@health.example"], owner=officer)
    li = StakeholderFactory(name="Li Wei", emails=[], owner=officer)
    AffiliationFactory(stakeholder=okafor, organisation=ministry)
    now = timezone.now().replace(second=0, microsecond=0)
    InteractionFactory(
        logged_by=officer,
        stakeholders=[okafor, li],
        organisation=ministry,
        kind=InteractionKind.MEETING,
        direction=Direction.INBOUND,
        occurred_at=now - dt.timedelta(days=3),
        summary="Clinic funding",
        outcome="Agreed to a pilot",
        sentiment=Sentiment.VERY_NEGATIVE,
        topics=["funding", "clinics"],
        follow_up_on=timezone.localdate() + dt.timedelta(days=7),
        follow_up_note="Send the pilot plan",
        is_confidential=True,
    )
    InteractionFactory(
        logged_by=officer,
        stakeholders=[li],
        kind=InteractionKind.EMAIL,
        occurred_at=now - dt.timedelta(days=10),
        summary="Thanks for the visit",
        sentiment=Sentiment.POSITIVE,
        follow_up_on=timezone.localdate() - dt.timedelta(days=2),
        follow_up_done_at=now - dt.timedelta(days=2),
    )

    def fields(interaction):
        return {
            "kind": interaction.kind,
            "direction": interaction.direction,
            "occurred_at": interaction.occurred_at,
            "stakeholders": sorted(person.name for person in interaction.stakeholders.all()),
            "organisation": interaction.organisation.name if interaction.organisation else None,
            "outcome": interaction.outcome,
            "sentiment": interaction.sentiment,
            "topics": sorted(tag.name for tag in interaction.topics.all()),
            "follow_up_on": interaction.follow_up_on,
            "follow_up_note": interaction.follow_up_note,
            "follow_up_done_at": interaction.follow_up_done_at,
            "follow_up_owner": interaction.follow_up_owner_id,
            "is_confidential": interaction.is_confidential,
            "logged_by": interaction.logged_by_id,
        }

    before = {interaction.summary: fields(interaction) for interaction in Interaction.objects.all()}
    content = exported(officer_client, "interactions")
    Interaction.objects.all().delete()

    job = imported(officer, content, "interactions")

    assert {interaction.summary: fields(interaction) for interaction in Interaction.objects.all()} == before
    assert ignored_headings(job.headers, job.mapping) == ["ID", "Sentiment score"]
