from django.db.models import QuerySet


class ImportJobQuerySet(QuerySet):
    def visible_to(self, user):
        """A person sees their own imports; administrators see everyone's."""
        if not user.is_active:
            return self.none()
        return self if user.is_crm_admin else self.filter(created_by=user)

    def same_file_imported(self, job):
        """The latest import of the same file (identical bytes) as the same kind of record, other than `job`;
        None when there is none, or the file was uploaded before files were fingerprinted."""
        from .models import ImportStatus

        if not job.content_hash:
            return None
        return (
            self.filter(kind=job.kind, content_hash=job.content_hash, status=ImportStatus.IMPORTED)
            .exclude(pk=job.pk)
            .select_related("created_by")
            .order_by("-finished_at", "-pk")
            .first()
        )
