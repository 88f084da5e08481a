"""What the Django admin may do with the CRM's registers: show them, not change them.

Stakeholders, interactions, meetings, commitments and the rest are written only through their services (the
pages and the API call the same ones): they check who may do what, keep derived fields right (a stakeholder's
last contact, a meeting's calendar sequence), tell attendees and owners, publish webhooks and record
deletions for syncing tools. An admin form saves the row alone and would skip all of that, so for these the
admin is a place to look (with "View on site" to the record's page); administrators manage staff, teams,
roles and API tokens there.
"""


class ReadOnlyAdmin:
    """Mixed into a ModelAdmin or an inline: its records can be listed and opened, not added, changed or
    deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
