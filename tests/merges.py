"""A stakeholder merged into another record after a form or request read it."""

from contacts.services import stakeholder_merge

from .factories import StakeholderFactory


def merge_away(stakeholder) -> None:
    """Merges `stakeholder` into a new record of the same owner; the instance passed, as a form or request
    read it, still names the row the merge deleted."""
    keep = StakeholderFactory(owner=stakeholder.owner, name=f"{stakeholder.name} (kept)")
    stakeholder_merge(keep=keep, duplicate=stakeholder, actor=stakeholder.owner)


def refused_as_merged(refused, field: str) -> bool:
    return "merged into another record" in " ".join(refused.value.message_dict[field])
