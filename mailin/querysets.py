import re

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    Func,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat, JSONObject, Lower, Upper

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
        """Why each message waits, from the register as it is now (InboundMessage.why_it_waits reads these):

        - `registered_addresses`: which of its unmatched addresses are in the register now;
        - `archived_holders` ({"id", "name", "emails"}): the archived stakeholders who have one of them;
        - `recipient_holders` ({"id", "name", "emails"}): the active stakeholders it was sent to (logged with
          it when an address of theirs is one of its `counterpart_addresses`);
        - `staff_addresses`: which of its sender's and recipients' addresses are an active member of staff's
          (it is never logged with them);
        - for a forward naming its sender without an address, `archived_namesakes` ({"id", "name"}), the
          archived stakeholders of that name, and `staff_namesake`, whether a member of staff has it; for any
          other message, [] and False, not looked up (`sender_named_alone`).

        A stakeholder added (or archived) since the email came changes why it waits, and the page must not say
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
        recipients = (
            registered_with(user, OuterRef("to_addresses"))
            .order_by("name", "pk")
            .values(holder=JSONObject(id="pk", name="name", emails="emails"))
        )
        staff = (
            get_user_model()
            .objects.filter(is_active=True)
            .annotate(
                address=Lower("email"),
                addresses=Func(
                    Lower("email"),
                    template="ARRAY[%(expressions)s]::varchar[]",
                    output_field=ArrayField(CharField()),
                ),
            )
            .filter(Q(address=OuterRef("from_address")) | Q(addresses__contained_by=OuterRef("to_addresses")))
            .values("address")
        )
        archived_namesakes = (
            stakeholders_named(user, OuterRef("from_name"))
            .filter(is_archived=True)
            .order_by("name", "pk")
            .values(holder=JSONObject(id="pk", name="name"))
        )
        return self.annotate(
            registered_addresses=ArraySubquery(registered),
            archived_holders=ArraySubquery(archived),
            recipient_holders=ArraySubquery(recipients),
            staff_addresses=ArraySubquery(staff),
            # Only a sender named alone is looked for by name: PostgreSQL runs a CASE's subquery only for
            # the rows its condition holds for, and a review list of ordinary mail does no name matching.
            archived_namesakes=Case(
                When(sender_named_alone(), then=ArraySubquery(archived_namesakes)),
                default=Value([], output_field=ArrayField(JSONField())),
            ),
            staff_namesake=Case(
                When(sender_named_alone(), then=Exists(staff_named(OuterRef("from_name")))),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )


def sender_named_alone():
    """A condition: the message is a forward naming its sender without an address ("From: Jane Smith"), as
    `InboundMessage.why_it_waits` asks before it says who else has the name."""
    return Q(is_forward=True) & ~Q(from_name="") & Q(from_address="")


def holders_of(user, addresses):
    """The stakeholders `user` may see, archived or not, who have one of `addresses` (a list, or an OuterRef
    to one)."""
    return Stakeholder.objects.visible_to(user).filter(emails__overlap=addresses)


def registered_with(user, addresses):
    """The active stakeholders `user` may see who have one of `addresses`: those an email is logged with."""
    return holders_of(user, addresses).active()


# A directory names people last name first ("Smith, Jane"), and Outlook quotes a sender it knows as its
# directory does: a name of two runs of words around one comma is also read first name first. Words hold no
# digit, sign, address or bracket ("Flood Team 2, North" is no one's name, nor is the time zone a reply line
# leaves before its sender: "GMT+1, Ana", "UTC+01:00, Ana"), and end in no hyphen or minus sign (U+2212):
# "UTC-, Ana" is no name either, "Müller-Lüdenscheidt" is. Python reads it for what is shown and PostgreSQL
# for a name stored with a message, so the pattern is written in what both read alike.
NOT_IN_NAMES = r" ,0-9+@<>()\[\]{};:&/\\\"_"
NAME_WORD = rf"[^{NOT_IN_NAMES}]*[^{NOT_IN_NAMES}\u2212-]"
NAME_WORDS = rf"{NAME_WORD}(?: {NAME_WORD})*"
LAST_NAME_FIRST = rf"^({NAME_WORDS}), ?({NAME_WORDS})$"
FIRST_NAME_FIRST = r"\2 \1"


def first_name_first(name: str) -> str | None:
    """`name` read as written last name first ("Smith, Jane": "Jane Smith"); None when it cannot be."""
    found = re.fullmatch(LAST_NAME_FIRST, " ".join(name.split()))
    return found.expand(FIRST_NAME_FIRST) if found else None


def _readings(name):
    """`name` as written and first name first (`first_name_first`), upper-cased, as expressions: text, or an
    OuterRef to a name as `_bare_name` keeps it."""
    if isinstance(name, str):
        name = Value(" ".join(name.split()))
    # PostgreSQL's regexp_replace leaves a name that does not match as it is.
    reading = Func(
        name,
        Value(LAST_NAME_FIRST),
        Value(FIRST_NAME_FIRST),
        function="regexp_replace",
        output_field=CharField(),
    )
    return [Upper(name), Upper(reading)]


def stakeholders_named(user, name):
    """The stakeholders `user` may see, archived or not, whose full name is `name` (text, written with any
    case or spacing, or an OuterRef to a name as `_bare_name` keeps it), or is it read first name first: whom
    a forward naming its sender without an address ("From: Jane Smith", "From: Smith, Jane") may be from."""
    return (
        Stakeholder.objects.visible_to(user)
        .alias(upper_name=Upper("name"))
        .filter(upper_name__in=_readings(name))
    )


def staff_named(name):
    """The active members of staff whose full name (first and last) is `name`, as `stakeholders_named`
    reads it: Outlook names a colleague it knows as it names a stakeholder, by name alone."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .alias(upper_name=Upper(Concat("first_name", Value(" "), "last_name")))
        .filter(upper_name__in=_readings(name))
    )
