from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import WhoCanHelp, can_manage_import, require
from liaison_crm.form_errors import add_service_errors

from . import services
from .columns import ignored_headings
from .forms import CommitForm, MappingForm, ReadingForm, UploadForm
from .models import ImportJob, ImportKind, ImportStatus

RECENT = 20


def _job_or_404(request, pk) -> ImportJob:
    return get_object_or_404(ImportJob.objects.visible_to(request.user).select_related("created_by"), pk=pk)


def import_list(request):
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by")[:RECENT]
    return render(request, "imports/import_list.html", {"jobs": jobs})


def import_upload(request):
    kind = (
        request.GET.get("kind") if request.GET.get("kind") in ImportKind.values else ImportKind.STAKEHOLDERS
    )
    form = UploadForm(request.POST or None, request.FILES or None, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if job.format == "vcard":
                job = services.import_job_map(job=job, actor=request.user, mapping=job.mapping)
                services.import_check_start(job=job)
            return redirect(job)
    return render(request, "imports/import_upload.html", {"form": form})


def import_detail(request, pk):
    job = _job_or_404(request, pk)
    require(
        can_manage_import(request.user, job),
        _("Only the person who uploaded this file can import it."),
        who_can_help=WhoCanHelp.ADMINISTRATOR,
    )
    reading = ReadingForm(initial={"encoding": job.encoding, "delimiter": job.delimiter})
    mapping = MappingForm(job=job)
    if request.method == "POST":
        reading = ReadingForm(request.POST)
        mapping = MappingForm(request.POST, job=job)
        try:
            if reading.is_valid() and (
                reading.cleaned_data["encoding"] != job.encoding
                or reading.cleaned_data["delimiter"] != job.delimiter
            ):
                services.import_job_reread(job=job, actor=request.user, **reading.cleaned_data)
                messages.info(request, _("The file was read again; check the columns."))
                return redirect(job)
            if mapping.is_valid():
                job = services.import_job_map(job=job, actor=request.user, mapping=mapping.mapping)
                services.import_check_start(job=job)
                return redirect(job)
        except ValidationError as error:
            add_service_errors(mapping, error)
    same_file = (
        ImportJob.objects.same_file_imported(job)
        if job.status in (ImportStatus.MAPPING, ImportStatus.CHECKED)
        else None
    )
    context = {
        "job": job,
        "same_file": same_file,
        # Someone else's import is named, not linked: only its uploader and administrators may open it.
        "same_file_visible": same_file is not None and can_manage_import(request.user, same_file),
        "reading": reading,
        "mapping": mapping,
        "columns": services.preview_columns(job),
        "ignored_headings": ignored_headings(job.headers, job.mapping),
        "commit_form": CommitForm(initial={"skip_duplicates": job.skip_duplicates}),
        "progress": services.import_progress(job) if job.is_working else None,
    }
    return render(request, "imports/import_detail.html", context)


def import_progress(request, pk):
    """Polled every second by the page of a file a worker is checking or importing."""
    job = _job_or_404(request, pk)
    if not job.is_working:
        # Done: the page reloads to show the preview or the result.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/_progress.html", {"job": job, "progress": services.import_progress(job)})


@require_POST
def import_commit(request, pk):
    job = _job_or_404(request, pk)
    form = CommitForm(request.POST)
    form.is_valid()
    try:
        job = services.import_commit_start(
            job=job, actor=request.user, skip_duplicates=form.cleaned_data.get("skip_duplicates", False)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if job.status == "imported":
            messages.success(request, _("%(count)d rows were imported.") % {"count": job.created_count})
    return redirect(job)


@require_POST
def import_discard(request, pk):
    job = _job_or_404(request, pk)
    try:
        services.import_discard(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(job)
    messages.success(request, _("The file was set aside; nothing was imported."))
    return redirect("imports:list")
