import datetime as dt

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

# Open or in progress: the concerns somebody still has to deal with.
UNRESOLVED = ["open", "in_progress"]


class ConcernQuerySet(QuerySet):
    def visible_to(self, user):
        # The register is shared by all staff. Linked interactions are not: pages show them through
        # Interaction.objects.visible_to(user).
        return self if user.is_active else self.none()

    def unresolved(self):
        return self.filter(status__in=UNRESOLVED)

    def needing_escalation(self, today: dt.date | None = None):
        """Unresolved and raised more than CONCERN_ESCALATION_DAYS days before `today`."""
        today = today or timezone.localdate()
        cutoff = today - dt.timedelta(days=settings.CONCERN_ESCALATION_DAYS)
        return self.unresolved().filter(raised_on__lt=cutoff)

    def for_stakeholder(self, stakeholder):
        return self.filter(stakeholder=stakeholder)

    def for_organisation(self, organisation):
        """Concerns raised at the organisation or one of its departments, at any depth (`family_of`)."""
        from contacts.models import Organisation

        return self.filter(organisation__in=Organisation.objects.family_of(organisation))

    def by_urgency(self):
        """Most severe first, then the longest waiting."""
        return self.order_by("-severity", "raised_on", "pk")

    def for_list(self):
        return self.select_related("stakeholder", "organisation", "owner")

    def for_api(self, user):
        """What the API shows, as `user` may see it: linked interactions they may not read are left out.
        The stakeholder's and handler's rows also decide who may edit it."""
        from interactions.models import Interaction

        return (
            self.select_related("stakeholder", "owner")
            # The stakeholder's stored search vector is only for matching: never read it back.
            .defer("stakeholder__search_vector")
            .prefetch_related(
                Prefetch(
                    "interactions",
                    queryset=Interaction.objects.visible_to(user)
                    .for_reference()
                    .order_by("-occurred_at", "-pk"),
                )
            )
        )
