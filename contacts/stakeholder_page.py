"""What a stakeholder's page reads about them, and the cards on it that logging with them changes.

The page draws those cards from here, and the inline log form's answer redraws them from here, so a call
logged on the page shows in its last contact, open follow-ups and health at once, without a reload.
"""

from django.db.models import Prefetch

from dashboards.panels import health_card
from interactions.models import Interaction

from .models import Affiliation, Stakeholder

# The page lists the soonest of their open follow-ups; My follow-ups lists them all.
FOLLOW_UPS_SHOWN = 10


def stakeholder_for_page(user, pk) -> Stakeholder | None:
    # The stored search vectors are never shown: they are the widest columns of their rows.
    return (
        Stakeholder.objects.visible_to(user)
        .defer("search_vector")
        .select_related("owner")
        .prefetch_related(
            "tags",
            Prefetch(
                "affiliations",
                Affiliation.objects.select_related("organisation").defer("organisation__search_vector"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def cards_a_log_changes(user, stakeholder: Stakeholder) -> dict:
    """The open follow-ups and health cards' contents (the Relationship card reads the stakeholder)."""
    return {
        # Who chases each, named where it is not the reader: the one joined row's name, no query more.
        "follow_ups": Interaction.objects.visible_to(user)
        .with_stakeholder(stakeholder)
        .open_follow_ups()
        .select_related("follow_up_owner")
        .only(
            "summary",
            "follow_up_on",
            "follow_up_note",
            "follow_up_done_at",
            "follow_up_owner__first_name",
            "follow_up_owner__last_name",
            "follow_up_owner__username",
        )
        .order_by("follow_up_on")[:FOLLOW_UPS_SHOWN],
        "health": health_card(stakeholder),
    }
