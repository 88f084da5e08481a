from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

# What the officer watches: the due date, or for an agreement without one, its renewal date.
KEY_DATE = Coalesce("due_on", "renews_on")


class CommitmentQuerySet(QuerySet):
    def visible_to(self, user):
        # The register is shared by all staff. What a confidential source interaction said is not shown
        # here: pages reach it through Interaction.objects.visible_to(user).
        return self if user.is_active else self.none()

    def open(self):
        return self.filter(status="open")

    def overdue(self, on=None):
        """Open commitments whose due date has passed."""
        return self.open().filter(due_on__lt=on or timezone.localdate())

    def for_stakeholder(self, stakeholder):
        return self.filter(stakeholder=stakeholder)

    def for_organisation(self, organisation):
        """Commitments with the organisation or one of its departments, at any depth (`family_of`)."""
        from contacts.models import Organisation

        return self.filter(organisation__in=Organisation.objects.family_of(organisation))

    def by_urgency(self):
        """Soonest due (or up for renewal) first; those without a date last."""
        return self.order_by(KEY_DATE.asc(nulls_last=True), "pk")

    def newly_overdue(self, on=None):
        """Overdue, and not yet reported as such to other tools."""
        return self.overdue(on).filter(overdue_notified_at__isnull=True)

    def for_list(self):
        return self.select_related("stakeholder", "organisation", "owner")

    def made_at(self, *, meeting=None, interaction=None):
        """The commitments recorded as made at the meeting or during the interaction, for its page."""
        source = {"source_meeting": meeting} if meeting is not None else {"source_interaction": interaction}
        return self.filter(**source).select_related("stakeholder").by_urgency()

    def for_api(self, user):
        """What the API shows, as `user` may see it: a confidential source interaction they may not read
        is left out. The stakeholder's and chaser's rows also decide who may edit it."""
        from interactions.models import Interaction

        return (
            self.select_related("stakeholder", "owner")
            # The stakeholder's stored search vector is only for matching: never read it back.
            .defer("stakeholder__search_vector")
            .prefetch_related(
                Prefetch("source_interaction", queryset=Interaction.objects.visible_to(user).for_reference())
            )
        )
