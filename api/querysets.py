from django.db.models import Q, QuerySet


class DeletionQuerySet(QuerySet):
    def visible_to(self, user):
        """What all staff could see, and a confidential interaction's deletion only to those who could read
        it when it went: by the rule of `Interaction.objects.visible_to`, which named them then. A hidden
        interaction is listed to those who could read it before and cannot now, never to administrators,
        who read every interaction."""
        from .models import DeletionReason

        if not user.is_active:
            return self.none()
        if user.is_crm_admin:
            return self.filter(reason=DeletionReason.DELETED)
        readable = Q(reader_ids=[]) | Q(reader_ids__contains=[user.pk])
        still_readable = Q(kept_reader_ids__contains=[user.pk])
        if user.is_manager and user.team_id is not None:
            readable |= Q(reader_team_ids__contains=[user.team_id])
            still_readable |= Q(kept_reader_team_ids__contains=[user.team_id])
        return self.filter(readable).exclude(still_readable)
