from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Func, OuterRef, Q, QuerySet

from contacts.models import Stakeholder


class InboundMessageQuerySet(QuerySet):
    def visible_to(self, user):
        """Officers see the mail they sent in; managers also their team's and unattributed mail."""
        if not user.is_active:
            return self.none()
        if user.is_crm_admin:
            return self
        allowed = Q(author=user)
        if user.is_manager and user.team_id is not None:
            allowed |= Q(author__team=user.team_id) | Q(author__isnull=True)
        return self.filter(allowed)

    def waiting(self):
        return self.filter(status="review")

    def with_registered_addresses(self, user):
        """Which of each message's unmatched addresses are in the register now, as `registered_addresses`: a
        stakeholder added since the email came changes why it waits, and the page must not say otherwise."""
        registered = (
            registered_with(user, OuterRef("unmatched_addresses"))
            .annotate(email=Func(F("emails"), function="unnest"))
            .values("email")
        )
        return self.annotate(registered_addresses=ArraySubquery(registered))


def registered_with(user, addresses):
    """The active stakeholders `user` may see who have one of `addresses` (a list, or an OuterRef to one)."""
    return Stakeholder.objects.visible_to(user).active().filter(emails__overlap=addresses)
