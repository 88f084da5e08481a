from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can_edit_meeting, can_respond_for, can_update_action_item, require
from commitments.models import Commitment
from contacts.models import Stakeholder
from interactions.models import Interaction
from liaison_crm.form_errors import add_service_errors
from liaison_crm.next_url import next_url
from liaison_crm.paging import paginate
from liaison_crm.record_ids import record_id
from liaison_crm.submissions import submitted_once

from . import calendar, services
from .feeds import calendar_feed_for_token, calendar_feed_reset, calendar_feed_revoke
from .filtersets import ActionItemFilterSet, MeetingFilterSet
from .forms import (
    ActionAddForm,
    ActionChaserForm,
    ActionFormSet,
    ActionStatusForm,
    AgendaFormSet,
    AttendanceForm,
    DecisionForm,
    DocumentForm,
    MarkHeldForm,
    MeetingCancelForm,
    MeetingForm,
    MinutesForm,
    RsvpForm,
    owner_options,
)
from .models import ActionItem, Meeting, MeetingDocument, MeetingStatus
from .scheduling import guest_slots


def _meeting_or_404(request, pk) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user)
        .select_related("organiser", "organisation", "series", "interaction")
        .prefetch_related("agenda_items__owner", "attendees__stakeholder", "attendees__user"),
        pk=pk,
    )


def _closed(request, meeting: Meeting) -> HttpResponse | None:
    """Back to a cancelled or held meeting's page, saying why: its forms would only be refused on saving."""
    if meeting.status == MeetingStatus.CANCELLED:
        messages.info(request, _("This meeting was cancelled, so it can no longer be changed."))
    elif meeting.status == MeetingStatus.HELD:
        messages.info(request, services.HELD_MESSAGE)
    else:
        return None
    return redirect(meeting)


def meeting_list(request):
    filterset = MeetingFilterSet.list_for(request)
    page = paginate(filterset.qs, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    template = "meetings/_meeting_rows.html" if request.htmx else "meetings/meeting_list.html"
    return render(request, template, {"filter": filterset, "page": page})


def _mark_who_can_respond(user, meeting, attendees):
    for attendee in attendees:
        attendee.can_respond = meeting.status == MeetingStatus.PLANNED and can_respond_for(user, attendee)


def meeting_detail(request, pk):
    meeting = _meeting_or_404(request, pk)
    can_edit = can_edit_meeting(request.user, meeting)
    _mark_who_can_respond(request.user, meeting, meeting.attendees.all())
    # Each row offers its status list only to those who may move that action along.
    actions = list(meeting.action_items.select_related("owner_user", "owner_stakeholder", "chaser"))
    for action in actions:
        action.can_update = can_update_action_item(request.user, action)
    guests = [attendee.stakeholder for attendee in meeting.attendees.all() if attendee.stakeholder_id]
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            # The same check as beside the scheduling form: the meeting at each guest's own time.
            "slots": guest_slots(meeting.starts_at, meeting.ends_at, guests, meeting.time_zone),
            "can_edit": can_edit,
            # The interaction it was logged as may since have been made confidential: only then is it asked.
            "interaction_readable": meeting.interaction is not None
            and (
                not meeting.interaction.is_confidential
                or Interaction.objects.visible_to(request.user).filter(pk=meeting.interaction_id).exists()
            ),
            "documents": meeting.documents.all(),
            "decisions": meeting.decisions.all(),
            "actions": actions,
            "commitments": Commitment.objects.visible_to(request.user).made_at(meeting=meeting),
            "document_form": DocumentForm() if can_edit else None,
            "rsvp_choices": RsvpForm.base_fields["rsvp"].choices,
        },
    )


def _agenda_entries(formset) -> list[services.AgendaEntry]:
    return [
        services.AgendaEntry(
            title=form.cleaned_data["title"],
            owner=form.cleaned_data.get("owner"),
            minutes_allotted=form.cleaned_data.get("minutes_allotted"),
        )
        for form in formset
        if form.cleaned_data.get("title")
    ]


def _agenda_initial(meeting):
    return [
        {"title": item.title, "owner": item.owner_id, "minutes_allotted": item.minutes_allotted}
        for item in meeting.agenda_items.all()
    ]


def meeting_create(request):
    initial = {"time_zone": request.user.time_zone}
    if stakeholder_id := request.GET.get("stakeholder"):
        initial["stakeholders"] = [stakeholder_id] if record_id(stakeholder_id) else []
    form = MeetingForm(request.POST or None, initial=initial)
    agenda = AgendaFormSet(request.POST or None, prefix="agenda")
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid() and agenda.is_valid():
            try:
                meeting = services.meeting_schedule(
                    organiser=request.user, agenda=_agenda_entries(agenda), **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved(meeting.get_absolute_url())
                if meeting.is_past:
                    messages.success(
                        request,
                        _("Meeting added. It is already over, so nobody was invited: record it as held."),
                    )
                else:
                    messages.success(request, _("Meeting scheduled; invitations are on their way."))
                return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "agenda": agenda})


def meeting_edit(request, pk):
    meeting = _meeting_or_404(request, pk)
    require(
        can_edit_meeting(request.user, meeting),
        _("Only the organiser or their manager can change this meeting."),
    )
    if closed := _closed(request, meeting):
        return closed
    form = MeetingForm(request.POST or None, instance=meeting)
    agenda = AgendaFormSet(request.POST or None, prefix="agenda", initial=_agenda_initial(meeting))
    if request.method == "POST" and form.is_valid() and agenda.is_valid():
        try:
            update = services.meeting_update(
                meeting=meeting,
                actor=request.user,
                agenda=_agenda_entries(agenda),
                require_unchanged=form.require_unchanged,
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if update.attendees_told:
                messages.success(request, _("Meeting updated; attendees have been told what changed."))
            else:
                messages.success(request, _("Meeting saved; there was nothing to send to attendees."))
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "agenda": agenda, "meeting": meeting})


def slot_check(request):
    """The htmx panel beside the scheduling form: the slot in each stakeholder's time zone."""
    form = MeetingForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    ids = [value for value in request.GET.getlist("stakeholders") if record_id(value)]
    stakeholders = Stakeholder.objects.visible_to(request.user).filter(pk__in=ids)
    slots = []
    if data.get("starts_at") and data.get("ends_at") and data.get("time_zone"):
        slots = guest_slots(data["starts_at"], data["ends_at"], stakeholders, data["time_zone"])
    return render(request, "meetings/_slot_check.html", {"slots": slots, "stakeholders": stakeholders})


def meeting_cancel(request, pk):
    meeting = _meeting_or_404(request, pk)
    require(
        can_edit_meeting(request.user, meeting),
        _("Only the organiser or their manager can cancel this meeting."),
    )
    if closed := _closed(request, meeting):
        return closed
    # A lone meeting without open actions posts nothing but the form's token: still a submission.
    form = MeetingCancelForm(request.POST if request.method == "POST" else None, meeting=meeting)
    if form.is_valid():
        try:
            services.meeting_cancel(meeting=meeting, actor=request.user, **form.service_fields())
        except ValidationError as error:
            # Cancelled or recorded as held meanwhile: its page says which.
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Cancelled; attendees are being told."))
        return redirect(meeting)
    return render(
        request,
        "meetings/meeting_cancel.html",
        {"meeting": meeting, "form": form, **_open_actions_left(meeting)},
    )


def _open_actions_left(meeting) -> dict[str, int]:
    """How many open actions cancelling would leave nobody expecting: the meeting's (`open_actions`) and,
    of a series, those of this and its later planned occurrences (`following_open_actions`)."""
    open_actions = ActionItem.objects.open()
    counts = {"open_actions": open_actions.filter(meeting=meeting).count()}
    if meeting.series_id:
        following = Meeting.objects.this_and_following(meeting)
        counts["following_open_actions"] = open_actions.filter(meeting__in=following).count()
    return counts


def _action_entries(formset) -> list[services.ActionEntry]:
    return [
        services.ActionEntry(**form.entry())
        for form in formset
        if form.cleaned_data.get("description") and form.cleaned_data["owner"]
    ]


def meeting_mark_held(request, pk):
    meeting = _meeting_or_404(request, pk)
    require(
        can_edit_meeting(request.user, meeting),
        _("Only the organiser or their manager can record this meeting."),
    )
    if closed := _closed(request, meeting):
        return closed
    if not meeting.has_started:
        # Its form would only be refused on saving, minutes and all.
        messages.info(request, _("This meeting has not started yet: record it once it has."))
        return redirect(meeting)
    form = MarkHeldForm(request.POST or None, meeting=meeting)
    actions = ActionFormSet(request.POST or None, prefix="actions", meeting=meeting)
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid() and actions.is_valid():
            try:
                services.meeting_mark_held(
                    meeting=meeting,
                    actor=request.user,
                    minutes=form.cleaned_data["minutes"],
                    decisions=form.cleaned_data["decisions"],
                    actions=_action_entries(actions),
                    attended=form.cleaned_data["attended"],
                    sentiment=form.cleaned_data["sentiment"],
                    outcome=form.cleaned_data["outcome"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved(meeting.get_absolute_url())
                messages.success(
                    request, _("Recorded as held. The follow-up email with decisions and actions is queued.")
                )
                return redirect(meeting)
    return render(
        request, "meetings/meeting_held_form.html", {"meeting": meeting, "form": form, "actions": actions}
    )


def _editable_record(request, pk, *, held_only: bool) -> tuple[Meeting, HttpResponse | None]:
    """The meeting whose record is added to or corrected, or the way back to its page saying why not."""
    meeting = _meeting_or_404(request, pk)
    require(
        can_edit_meeting(request.user, meeting),
        _("Only the organiser or their manager can change this meeting's record."),
    )
    if meeting.status == MeetingStatus.CANCELLED:
        messages.info(request, services.CANCELLED_RECORD_MESSAGE)
        return meeting, redirect(meeting)
    if held_only and meeting.status != MeetingStatus.HELD:
        messages.info(request, services.NOT_HELD_MESSAGE)
        return meeting, redirect(meeting)
    return meeting, None


def _record_form_page(
    request, meeting, form, *, heading: str, button: str, once: bool = True, back: str | None = None
):
    """`back`: where the form leads back to (its Cancel, and after saving) when not the meeting's page."""
    context = {
        "meeting": meeting,
        "form": form,
        "heading": heading,
        "button": button,
        "once": once,
        "back": back,
    }
    return render(request, "meetings/meeting_record_form.html", context)


def action_item_add(request, pk):
    meeting, closed = _editable_record(request, pk, held_only=False)
    if closed:
        return closed
    form = ActionAddForm(request.POST or None, owners=owner_options(meeting))
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid():
            try:
                services.action_item_add(
                    meeting=meeting, actor=request.user, entry=services.ActionEntry(**form.entry())
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved(meeting.get_absolute_url())
                messages.success(request, _("Action added."))
                return redirect(meeting)
    return _record_form_page(request, meeting, form, heading=_("Add an action"), button=_("Add the action"))


def decision_add(request, pk):
    meeting, closed = _editable_record(request, pk, held_only=True)
    if closed:
        return closed
    form = DecisionForm(request.POST or None)
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid():
            try:
                services.decision_add(meeting=meeting, actor=request.user, text=form.cleaned_data["text"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved(meeting.get_absolute_url())
                messages.success(request, _("Decision added."))
                return redirect(meeting)
    return _record_form_page(
        request, meeting, form, heading=_("Add a decision"), button=_("Add the decision")
    )


def meeting_minutes_edit(request, pk):
    meeting, closed = _editable_record(request, pk, held_only=True)
    if closed:
        return closed
    form = MinutesForm(request.POST or None, initial={"minutes": meeting.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_minutes_update(
                meeting=meeting, actor=request.user, minutes=form.cleaned_data["minutes"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Minutes saved."))
            return redirect(meeting)
    # Saving the same correction twice leaves the same minutes: no key needed.
    return _record_form_page(
        request, meeting, form, heading=_("Edit minutes"), button=_("Save the minutes"), once=False
    )


def meeting_attendance_edit(request, pk):
    meeting, closed = _editable_record(request, pk, held_only=True)
    if closed:
        return closed
    # Every box unticked posts nothing but the form's token: still a submission.
    form = AttendanceForm(request.POST if request.method == "POST" else None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_attendance_correct(
                meeting=meeting, actor=request.user, attended=form.cleaned_data["attended"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Attendance saved; the attendees' timelines follow it.")
                if meeting.interaction_id
                # Its timeline entry was deleted since it was recorded as held: nothing there to follow.
                else _("Attendance saved."),
            )
            return redirect(meeting)
    # Saving the same attendance twice leaves the same record: no key needed.
    return _record_form_page(
        request, meeting, form, heading=_("Correct attendance"), button=_("Save attendance"), once=False
    )


@require_POST
def attendee_respond(request, pk, attendee_pk):
    meeting = _meeting_or_404(request, pk)
    attendee = get_object_or_404(meeting.attendees, pk=attendee_pk)
    require(can_respond_for(request.user, attendee), _("You cannot answer for this attendee."))
    form = RsvpForm(request.POST)
    if form.is_valid():
        try:
            services.attendee_respond(attendee=attendee, actor=request.user, rsvp=form.cleaned_data["rsvp"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    if request.htmx:
        _mark_who_can_respond(request.user, meeting, [attendee])
        return render(
            request,
            "meetings/_attendee_row.html",
            {"attendee": attendee, "meeting": meeting, "rsvp_choices": RsvpForm.base_fields["rsvp"].choices},
        )
    return redirect(meeting)


@require_POST
def document_upload(request, pk):
    meeting = _meeting_or_404(request, pk)
    require(
        can_edit_meeting(request.user, meeting),
        _("Only the organiser or their manager can add documents."),
    )
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_attach(meeting=meeting, actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Document added."))
    else:
        messages.error(request, _("Choose a file to upload."))
    return redirect(meeting)


def document_download(request, pk, document_pk):
    meeting = _meeting_or_404(request, pk)
    document = get_object_or_404(MeetingDocument, pk=document_pk, meeting=meeting)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("The file is no longer stored.")) from missing
    return FileResponse(
        handle, as_attachment=True, filename=document.name, content_type=document.content_type
    )


@require_POST
def document_delete(request, pk, document_pk):
    meeting = _meeting_or_404(request, pk)
    document = get_object_or_404(MeetingDocument, pk=document_pk, meeting=meeting)
    require(
        can_edit_meeting(request.user, meeting),
        _("Only the organiser or their manager can remove documents."),
    )
    try:
        services.document_remove(document=document, actor=request.user)
    except ValidationError as error:
        # Removed by another request (a double click) while this one waited for the meeting.
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Document removed."))
    return redirect(meeting)


def meeting_ics(request, pk):
    meeting = _meeting_or_404(request, pk)
    response = HttpResponse(calendar.invitation(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@require_POST
def action_item_status(request, pk):
    action_item = get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related(
            "meeting__organiser", "owner_user", "owner_stakeholder", "chaser"
        ),
        pk=pk,
    )
    require(
        can_update_action_item(request.user, action_item),
        _("Only the owner or the meeting's organiser can update this action."),
    )
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        services.action_item_set_status(
            action_item=action_item, actor=request.user, status=form.cleaned_data["status"]
        )
    if request.htmx:
        # The row as the page it came from draws it: My actions names each action's meeting, the meeting's
        # own page does not.
        context = {
            "action": action_item,
            "updatable": True,
            "show_meeting": bool(request.POST.get("show_meeting")),
            # The page the row is on, which its form says: the row's links lead back there.
            "back": next_url(request, action_item.meeting) if request.POST.get("next") else None,
        }
        return render(request, "meetings/_action_row.html", context)
    return redirect(next_url(request, action_item.meeting))


def action_item_chaser(request, pk):
    """Hands the chasing of an action a stakeholder owes to a colleague, from the meeting's page or from the
    lists of what an officer chases (My actions, My day), and back to the page it was asked from."""
    action_item = get_object_or_404(
        ActionItem.objects.visible_to(request.user)
        .filter(owner_stakeholder__isnull=False)
        .select_related("meeting__organiser", "owner_stakeholder", "chaser"),
        pk=pk,
    )
    require(
        can_update_action_item(request.user, action_item),
        _("Only whoever chases this action or the meeting's organiser can hand it on."),
    )
    back = next_url(request, action_item.meeting)
    form = ActionChaserForm(request.POST or None, action_item=action_item)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_set_chaser(
                action_item=action_item, actor=request.user, chaser=form.cleaned_data["chaser"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s chases it now.") % {"name": action_item.chaser})
            return redirect(back)
    heading = _("Who chases “%(action)s”") % {"action": action_item.description}
    return _record_form_page(
        request, action_item.meeting, form, heading=heading, button=_("Save"), once=False, back=back
    )


def my_actions(request):
    filterset = ActionItemFilterSet.list_for(request)
    page = paginate(filterset.qs, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    for action in page:
        action.can_update = can_update_action_item(request.user, action)
    return render(
        request,
        "meetings/my_actions.html",
        {
            "filter": filterset,
            "page": page,
            "heading": filterset.heading(
                own=_("My actions"),
                chaser=_("Actions chased by %(name)s"),
                team=_("Actions of the %(team)s team"),
                anyone=_("Actions"),
            ),
            "mine": filterset.lists_readers_own,
        },
    )


def calendar_subscription(request):
    """Where a user makes, resets or revokes their secret calendar address."""
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_feed_revoke(user=request.user)
            messages.success(request, _("Calendar address revoked: calendars using it stop updating."))
            return redirect("meetings:calendar_subscription")
        token = calendar_feed_reset(user=request.user)
        new_url = request.build_absolute_uri(f"/calendar/{token}.ics")
    has_feed = hasattr(request.user, "calendar_feed")
    return render(request, "meetings/calendar_subscription.html", {"new_url": new_url, "has_feed": has_feed})


@login_not_required
def calendar_feed(request, token):
    """The subscribed calendar: the secret in the address is the only credential, so it is checked first."""
    user = calendar_feed_for_token(token)
    if user is None:
        raise Http404("No such calendar.")
    meetings = (
        Meeting.objects.visible_to(user)
        .involving(user)
        .exclude(status=MeetingStatus.CANCELLED, series__isnull=True)
        .select_related("organiser", "series")
        .prefetch_related("agenda_items", "attendees__stakeholder", "attendees__user")
        .order_by("starts_at")
    )
    body = calendar.feed(meetings, name=_("Liaison CRM — %(name)s") % {"name": user})
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
