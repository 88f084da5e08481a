from django.db.models import Q, QuerySet


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
