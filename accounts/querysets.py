from django.db.models import Q, QuerySet


class UserQuerySet(QuerySet):
    def visible_to(self, user):
        # Staff see every active colleague (to pick owners and people present); administrators see all.
        if not user.is_active:
            return self.none()
        return self if user.is_crm_admin else self.filter(is_active=True)


class ApiTokenQuerySet(QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def manageable_by(self, user):
        """A person's own tokens; for administrators also the service accounts' tokens."""
        if not user.is_active:
            return self.none()
        if user.is_crm_admin:
            return self.filter(Q(user=user) | Q(user__is_service_account=True))
        return self.filter(user=user)
