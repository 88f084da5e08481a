from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Func, OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject

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
        """Which of each message's unmatched addresses are in the register now, as `registered_addresses`, and
        the archived stakeholders who have one of them, as `archived_holders` ({"id", "name", "emails"}): a
        stakeholder added (or archived) since the email came changes why it waits, and the page must not say
        otherwise."""
        addresses = OuterRef("unmatched_addresses")
        registered = (
            registered_with(user, addresses)
            .annotate(email=Func(F("emails"), function="unnest"))
            .values("email")
        )
        archived = (
            holders_of(user, addresses)
            .filter(is_archived=True)
            .order_by("name", "pk")
            .values(holder=JSONObject(id="pk", name="name", emails="emails"))
        )
        return self.annotate(
            registered_addresses=ArraySubquery(registered), archived_holders=ArraySubquery(archived)
        )


def holders_of(user, addresses):
    """The stakeholders `user` may see, archived or not, who have one of `addresses` (a list, or an OuterRef
    to one)."""
    return Stakeholder.objects.visible_to(user).filter(emails__overlap=addresses)


def registered_with(user, addresses):
    """The active stakeholders `user` may see who have one of `addresses`: those an email is logged with."""
    return holders_of(user, addresses).active()


def stakeholders_named(user, name: str):
    """The active stakeholders `user` may see whose full name is `name`, whatever its case or spacing: whom a
    forward naming its sender without an address ("From: Jane Smith") may be from."""
    return Stakeholder.objects.visible_to(user).active().filter(name__iexact=" ".join(name.split()))
