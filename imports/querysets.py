from django.db.models import QuerySet


class ImportJobQuerySet(QuerySet):
    def visible_to(self, user):
        """A person sees their own imports; administrators see everyone's."""
        if not user.is_active:
            return self.none()
        return self if user.is_crm_admin else self.filter(created_by=user)
