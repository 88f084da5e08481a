import contextlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import (
    WhoCanHelp,
    can_edit_organisation,
    can_edit_stakeholder,
    can_edit_tag,
    can_merge_stakeholders,
    require,
)
from commitments.models import Commitment
from concerns.models import Concern
from interactions.forms import InteractionForm
from interactions.models import Interaction
from liaison_crm.form_errors import add_service_errors
from liaison_crm.next_url import next_url
from liaison_crm.paging import paginate, paginate_fetched
from liaison_crm.record_ids import record_id
from liaison_crm.submissions import submitted_once
from meetings.models import ActionItem, Meeting, MeetingStatus

from . import services, vcard
from .duplicates import duplicate_pairs, likely_duplicate_organisations, likely_duplicates
from .filtersets import OrganisationFilterSet, StakeholderFilterSet
from .forms import (
    AffiliationForm,
    ObjectiveForm,
    ObjectiveStatusForm,
    OrganisationForm,
    PortfolioHandoverForm,
    StakeholderCreateForm,
    StakeholderForm,
    TagRenameForm,
)
from .models import Affiliation, DuplicateCheck, MergeRecord, Objective, Organisation, Stakeholder, Tag
from .queries import engagement_plan, handover_preview
from .stakeholder_page import cards_a_log_changes, stakeholder_for_page

LOOKUP_LIMIT = 10
# An organisation page lists this many people; the stakeholder list filtered by organisation shows them all.
PEOPLE_SHOWN = 50


def stakeholder_list(request):
    filterset = StakeholderFilterSet(
        request.GET, queryset=Stakeholder.objects.visible_to(request.user).for_list_rows(), request=request
    )
    page = paginate(filterset.qs, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    template = "contacts/_stakeholder_rows.html" if request.htmx else "contacts/stakeholder_list.html"
    return render(request, template, {"filter": filterset, "page": page})


def stakeholder_lookup(request):
    text = request.GET.get("lookup_q", "").strip()
    matches = (
        Stakeholder.objects.visible_to(request.user)
        .active()
        .search(text)
        .with_current_positions()[:LOOKUP_LIMIT]
        if text
        else []
    )
    context = {"matches": matches, "kind": "stakeholder", "text": text}
    return render(request, "contacts/_lookup_results.html", context)


def _timeline(request, interactions):
    return paginate(interactions.for_timeline(), request.GET.get("page"), settings.TIMELINE_PAGE_SIZE)


def stakeholder_detail(request, pk):
    stakeholder = stakeholder_for_page(request.user, pk)
    if stakeholder is None:
        return _merged_away(request, pk)
    visible = Interaction.objects.visible_to(request.user).with_stakeholder(stakeholder)
    timeline = _timeline(request, visible)
    if request.htmx and request.GET.get("page"):
        return render(
            request, "interactions/_timeline_page.html", {"timeline": timeline, "stakeholder": stakeholder}
        )
    return render(
        request,
        "contacts/stakeholder_detail.html",
        {
            "stakeholder": stakeholder,
            "current_positions": [
                position for position in stakeholder.affiliations.all() if position.is_current
            ],
            "timeline": timeline,
            **cards_a_log_changes(request.user, stakeholder),
            "open_commitments": Commitment.objects.visible_to(request.user)
            .open()
            .for_stakeholder(stakeholder)
            .by_urgency()[:10],
            "open_concerns": Concern.objects.visible_to(request.user)
            .unresolved()
            .for_stakeholder(stakeholder)
            .by_urgency()[:10],
            "owed_actions": ActionItem.objects.visible_to(request.user).owed_by(stakeholder)[:10],
            "upcoming_meetings": Meeting.objects.visible_to(request.user)
            .with_stakeholder(stakeholder)
            .upcoming()
            .filter(status=MeetingStatus.PLANNED)
            .defer("search_vector")[:5],
            "log_form": InteractionForm.for_new(user=request.user, stakeholder=stakeholder),
            "plan": engagement_plan(stakeholder),
            "objective_form": ObjectiveForm(),
            "can_edit": can_edit_stakeholder(request.user, stakeholder),
        },
    )


def _merged_away(request, pk):
    """A link to a record merged into another (a digest, a bookmark, a colleague's message) leads to it."""
    survivor = MergeRecord.survivor_of(pk)
    if survivor is None:
        raise Http404(_("No stakeholder here."))
    messages.info(request, _("That record was merged into %(name)s's.") % {"name": survivor.name})
    return redirect(survivor)


def stakeholder_create(request):
    # A page offering to add someone it found (a captured email's sender) passes who they are, and itself as
    # `next` to come back to; an organisation's page passes the organisation, where they are to work.
    organisation_pk = record_id(request.GET.get("organisation"))
    initial = {
        "owner": request.user,
        "name": request.GET.get("name", ""),
        "emails": request.GET.get("email", ""),
        "organisation": Organisation.objects.visible_to(request.user).filter(pk=organisation_pk).first()
        if organisation_pk
        else None,
    }
    form = StakeholderCreateForm(request.POST or None, initial=initial)
    candidates = []
    # The duplicates step sends the form back with its key, so "add a new person" and any copy of either
    # step sent again land on the person saved first, not on a second one or on the duplicates warning.
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            # Likely duplicates are shown before saving; "add a new person" confirms it is someone else.
            if not request.POST.get("not_a_duplicate"):
                candidates = likely_duplicates(
                    name=data["name"], emails=data["emails"], organisation=data.get("organisation")
                )
            if not candidates:
                try:
                    stakeholder = services.stakeholder_create(actor=request.user, **data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    destination = next_url(request, stakeholder)
                    submission.saved(destination)
                    messages.success(
                        request, _("%(name)s was added to the register.") % {"name": stakeholder}
                    )
                    return redirect(destination)
    return render(request, "contacts/stakeholder_form.html", {"form": form, "candidates": candidates})


def stakeholder_edit(request, pk):
    stakeholder = get_object_or_404(
        Stakeholder.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    require(
        can_edit_stakeholder(request.user, stakeholder),
        _("Only the owner or their manager can edit this stakeholder."),
    )
    form = StakeholderForm(request.POST or None, instance=stakeholder)
    if request.method == "POST" and form.is_valid():
        try:
            services.stakeholder_update(
                stakeholder=stakeholder,
                actor=request.user,
                require_unchanged=form.require_unchanged,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(stakeholder)
    return render(request, "contacts/stakeholder_form.html", {"form": form, "stakeholder": stakeholder})


def stakeholder_archive(request, pk):
    stakeholder = get_object_or_404(
        Stakeholder.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    require(
        can_edit_stakeholder(request.user, stakeholder),
        _("Only the owner or their manager can archive this stakeholder."),
    )
    if request.method == "POST":
        services.stakeholder_archive(stakeholder=stakeholder, actor=request.user)
        messages.success(request, _("%(name)s was archived; their history is kept.") % {"name": stakeholder})
        return redirect(stakeholder)
    return render(request, "contacts/stakeholder_archive.html", {"stakeholder": stakeholder})


@require_POST
def stakeholder_restore(request, pk):
    stakeholder = get_object_or_404(
        Stakeholder.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    require(
        can_edit_stakeholder(request.user, stakeholder),
        _("Only the owner or their manager can restore this stakeholder."),
    )
    services.stakeholder_restore(stakeholder=stakeholder, actor=request.user)
    messages.success(request, _("%(name)s is active again.") % {"name": stakeholder})
    return redirect(stakeholder)


def affiliation_edit(request, stakeholder_pk, pk=None):
    stakeholder = get_object_or_404(
        Stakeholder.objects.visible_to(request.user).select_related("owner"), pk=stakeholder_pk
    )
    require(
        can_edit_stakeholder(request.user, stakeholder),
        _("Only the owner or their manager can change this person's positions."),
    )
    affiliation = (
        get_object_or_404(Affiliation, pk=pk, stakeholder=stakeholder)
        if pk
        else Affiliation(stakeholder=stakeholder)
    )
    form = AffiliationForm(request.POST or None, instance=affiliation)
    # Only the form adding a position carries a submission key: an edit sent twice saves the same values.
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid():
            try:
                services.affiliation_save(affiliation=affiliation, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved(stakeholder.get_absolute_url())
                messages.success(request, _("Position saved."))
                return redirect(stakeholder)
    return render(
        request,
        "contacts/affiliation_form.html",
        {"form": form, "stakeholder": stakeholder, "affiliation": affiliation},
    )


def _plan_card(request, stakeholder, form=None):
    """The stakeholder page's engagement plan card, as htmx swaps it in after a change."""
    context = {
        "stakeholder": stakeholder,
        "plan": engagement_plan(stakeholder),
        "objective_form": form or ObjectiveForm(),
        "can_edit": True,
    }
    return render(request, "contacts/_objectives.html", context)


def _editable_stakeholder(request, pk) -> Stakeholder:
    stakeholder = get_object_or_404(
        Stakeholder.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    require(can_edit_stakeholder(request.user, stakeholder), services.OBJECTIVE_EDIT_DENIED)
    return stakeholder


@require_POST
def objective_add(request, stakeholder_pk):
    stakeholder = _editable_stakeholder(request, stakeholder_pk)
    form = ObjectiveForm(request.POST)
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if form.is_valid():
            try:
                services.objective_add(stakeholder=stakeholder, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved(stakeholder.get_absolute_url())
                if request.htmx:
                    return _plan_card(request, stakeholder)
                messages.success(request, _("Objective added to the engagement plan."))
                return redirect(stakeholder)
    if request.htmx:
        return _plan_card(request, stakeholder, form)
    return render(request, "contacts/objective_form.html", {"form": form, "stakeholder": stakeholder})


def _editable_objective(request, pk) -> Objective:
    objective = get_object_or_404(
        Objective.objects.filter(stakeholder__in=Stakeholder.objects.visible_to(request.user)).select_related(
            "stakeholder__owner"
        ),
        pk=pk,
    )
    require(can_edit_stakeholder(request.user, objective.stakeholder), services.OBJECTIVE_EDIT_DENIED)
    return objective


def objective_edit(request, pk):
    objective = _editable_objective(request, pk)
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_update(
                objective=objective,
                actor=request.user,
                require_unchanged=form.require_unchanged,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Objective saved."))
            return redirect(objective.stakeholder)
    return render(
        request,
        "contacts/objective_form.html",
        {"form": form, "stakeholder": objective.stakeholder, "objective": objective},
    )


@require_POST
def objective_status(request, pk):
    """Marks an objective achieved or dropped, or opens it again."""
    objective = _editable_objective(request, pk)
    form = ObjectiveStatusForm(request.POST)
    if form.is_valid():
        services.objective_set_status(objective=objective, actor=request.user, **form.cleaned_data)
    else:
        messages.error(request, _("Choose achieved, dropped or open."))
    if request.htmx:
        return _plan_card(request, objective.stakeholder)
    return redirect(objective.stakeholder)


def organisation_list(request):
    filterset = OrganisationFilterSet(
        request.GET,
        queryset=Organisation.objects.visible_to(request.user).select_related("parent").with_people_count(),
        request=request,
    )
    page = paginate(filterset.qs, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    template = "contacts/_organisation_rows.html" if request.htmx else "contacts/organisation_list.html"
    return render(request, template, {"filter": filterset, "page": page})


def organisation_lookup(request):
    text = request.GET.get("lookup_q", "").strip()
    matches = (
        Organisation.objects.visible_to(request.user).search(text).select_related("parent")[:LOOKUP_LIMIT]
        if text
        else []
    )
    context = {"matches": matches, "kind": "organisation", "text": text}
    return render(request, "contacts/_lookup_results.html", context)


def organisation_detail(request, pk):
    """The organisation with its departments at any depth (`OrganisationQuerySet.family_of`): their
    timeline, open commitments and concerns, and the people working in them.

    Only the direct departments are listed, as a step down the tree, each counting its people with those of
    its own departments: a unit under a directorate is listed on the directorate's page, one click away, and
    its people are among the "People in departments" here, named with their unit.
    """
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).select_related("parent").prefetch_related("tags"), pk=pk
    )
    timeline = _timeline(request, Interaction.objects.visible_to(request.user).for_organisation(organisation))
    if request.htmx and request.GET.get("page"):
        return render(request, "interactions/_timeline_page.html", {"timeline": timeline})
    positions = (
        Affiliation.objects.current()
        .filter(organisation=organisation)
        .select_related("stakeholder")
        .order_by("stakeholder__name")[:PEOPLE_SHOWN]
    )
    departments = Organisation.objects.filter(parent=organisation).with_people_count().order_by("name")
    department_positions = (
        Affiliation.objects.current()
        .filter(organisation__in=Organisation.objects.family_of(organisation).exclude(pk=organisation.pk))
        .select_related("stakeholder", "organisation")
        .order_by("organisation__name", "stakeholder__name")[:PEOPLE_SHOWN]
    )
    return render(
        request,
        "contacts/organisation_detail.html",
        {
            "organisation": organisation,
            "positions": positions,
            "departments": departments,
            "open_commitments": Commitment.objects.visible_to(request.user)
            .open()
            .for_organisation(organisation)
            .select_related("stakeholder")
            .by_urgency()[:10],
            "open_concerns": Concern.objects.visible_to(request.user)
            .unresolved()
            .for_organisation(organisation)
            .select_related("stakeholder")
            .by_urgency()[:10],
            "department_positions": department_positions,
            "timeline": timeline,
            "can_edit": can_edit_organisation(request.user, organisation),
        },
    )


def organisation_create(request):
    # "Add department" on an organisation's page: the department is part of it, and Cancel leads back there.
    parent_pk = record_id(request.GET.get("parent"))
    parent = Organisation.objects.visible_to(request.user).filter(pk=parent_pk).first() if parent_pk else None
    initial = {"parent": parent, "kind": parent.kind} if parent else {}
    form = OrganisationForm(request.POST or None, initial=initial)
    candidates = []
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid():
            # As for a new person: likely duplicates are shown first, and "add it" confirms it is another.
            if not request.POST.get("not_a_duplicate"):
                candidates = likely_duplicate_organisations(
                    name=form.cleaned_data["name"], parent=form.cleaned_data["parent"]
                )
            if not candidates:
                try:
                    organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    submission.saved(organisation.get_absolute_url())
                    messages.success(request, _("%(name)s was added.") % {"name": organisation})
                    return redirect(organisation)
    context = {"form": form, "parent": parent, "candidates": candidates}
    return render(request, "contacts/organisation_form.html", context)


def organisation_edit(request, pk):
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
    require(
        can_edit_organisation(request.user, organisation),
        _("You cannot edit this organisation."),
        who_can_help=WhoCanHelp.ADMINISTRATOR,
    )
    form = OrganisationForm(request.POST or None, instance=organisation)
    candidates = []
    if request.method == "POST" and form.is_valid():
        # A new name, or a move under another parent, may make it another organisation's twin.
        if {"name", "parent"} & set(form.changed_data) and not request.POST.get("not_a_duplicate"):
            candidates = likely_duplicate_organisations(
                name=form.cleaned_data["name"], parent=form.cleaned_data["parent"], exclude_pk=organisation.pk
            )
        if not candidates:
            try:
                services.organisation_update(
                    organisation=organisation,
                    actor=request.user,
                    require_unchanged=form.require_unchanged,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect(organisation)
    context = {"form": form, "organisation": organisation, "candidates": candidates}
    return render(request, "contacts/organisation_form.html", context)


def _vcard_response(request, people, filename: str) -> StreamingHttpResponse:
    """People from `for_list()` as cards: vCard 3.0, which every address book imports, unless
    ?version=4.0 asks for the version that carries languages and time zones."""
    version = "4.0" if request.GET.get("version") == "4.0" else "3.0"
    cards = (vcard.stakeholder_card(s, version=version, positions=s.current_positions) for s in people)
    response = StreamingHttpResponse(cards, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stakeholder_export_vcard(request):
    """The stakeholder list, as filtered, as an address book (.vcf) for phones and mail programs."""
    filterset = StakeholderFilterSet(
        request.GET, queryset=Stakeholder.objects.visible_to(request.user).for_list(), request=request
    )
    people = filterset.qs.iterator(chunk_size=2000)
    return _vcard_response(request, people, f"stakeholders-{timezone.localdate():%Y-%m-%d}.vcf")


def stakeholder_vcard(request, pk):
    stakeholder = get_object_or_404(Stakeholder.objects.visible_to(request.user).for_list(), pk=pk)
    return _vcard_response(request, [stakeholder], f"{slugify(stakeholder.name) or 'stakeholder'}.vcf")


def stakeholder_duplicates(request):
    """Pairs of records that may be one person, most alike first, each with a merge and a dismiss."""
    page = paginate_fetched(
        lambda limit, offset: duplicate_pairs(limit=limit, offset=offset),
        request.GET.get("page"),
        settings.LIST_PAGE_SIZE,
    )
    ids = {pk for pair in page for pk in (pair.first_id, pair.second_id)}
    # Who may merge depends on the owners and their team only; the names come with the pairs.
    records = Stakeholder.objects.filter(pk__in=ids).select_related("owner").only("owner__team").in_bulk()
    # A record merged away since the page's pairs were read is shown, but offers no merge.
    rows = [
        (
            pair,
            pair.first_id in records
            and pair.second_id in records
            and can_merge_stakeholders(request.user, records[pair.first_id], records[pair.second_id]),
        )
        for pair in page
    ]
    context = {"page": page, "rows": rows, "check": DuplicateCheck.objects.filter(pk=1).first()}
    return render(request, "contacts/stakeholder_duplicates.html", context)


@require_POST
def duplicates_check(request):
    """The review page's "Check again now": the register is compared again in the background."""
    if services.duplicates_check_request(actor=request.user):
        messages.success(request, _("Checking the register for duplicates: this takes a minute or so."))
    else:
        messages.info(request, _("A check was asked for a moment ago; its pairs will be here shortly."))
    return redirect("contacts:stakeholder_duplicates")


def _merge_pair(request):
    people = Stakeholder.objects.visible_to(request.user).select_related("owner")
    keep = get_object_or_404(people, pk=request.GET.get("keep") or request.POST.get("keep") or 0)
    duplicate = get_object_or_404(
        people, pk=request.GET.get("duplicate") or request.POST.get("duplicate") or 0
    )
    return keep, duplicate


def stakeholder_merge(request):
    """Compares two records side by side; merging keeps one and moves everything of the other to it."""
    try:
        keep, duplicate = _merge_pair(request)
    except ValueError:
        raise Http404 from None
    except Http404:
        return _pair_merged_already(request)
    if keep.pk == duplicate.pk:
        raise Http404
    require(
        can_merge_stakeholders(request.user, keep, duplicate),
        _("Only the owners of both records, or their managers, can merge them."),
    )
    if request.method == "POST":
        try:
            record = services.stakeholder_merge(keep=keep, duplicate=duplicate, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into %(keep)s; all their history is kept.")
                % {"duplicate": record.duplicate_name, "keep": record.kept_name},
            )
            return redirect(keep)
    sides = []
    for person in (keep, duplicate):
        sides.append(
            {
                "person": person,
                "positions": person.affiliations.held_now().select_related("organisation"),
                "interactions": Interaction.objects.visible_to(request.user).with_stakeholder(person).count(),
                "meetings": person.meeting_attendances.count(),
                "commitments": person.commitments.count(),
                "concerns": person.concerns.count(),
                "actions": person.action_items.count(),
            }
        )
    return render(
        request, "contacts/stakeholder_merge.html", {"keep": keep, "duplicate": duplicate, "sides": sides}
    )


def _pair_merged_already(request):
    """The merge sent again (a second click, the back button, a colleague who merged first) finds one of
    the two records merged away: it leads to the record they became rather than to a missing page."""
    for side in ("duplicate", "keep"):
        if pk := record_id(request.GET.get(side) or request.POST.get(side)):
            with contextlib.suppress(Http404):
                return _merged_away(request, pk)
    raise Http404


@require_POST
def duplicate_dismiss(request):
    first, second = _merge_pair(request)
    services.duplicate_dismiss(first=first, second=second, actor=request.user)
    messages.success(
        request,
        _("Noted: %(first)s and %(second)s are different people.") % {"first": first, "second": second},
    )
    return redirect("contacts:stakeholder_duplicates")


def stakeholder_handover(request):
    """A manager moves an officer's portfolio to another: the choice, then what would move, then confirm.

    The form is sent by GET to preview the handover and the confirmation POSTs the same choice.
    """
    require(
        request.user.is_manager,
        _("Handing over a portfolio is for managers."),
        who_can_help=WhoCanHelp.MANAGER,
    )
    # A link may name only the officer leaving (the dashboard's, the list's): a choice begun, not made.
    begun = "to_officer" not in request.GET
    data = request.POST if request.method == "POST" else None if begun else request.GET
    form = PortfolioHandoverForm(data, user=request.user, initial=request.GET.dict())
    preview = None
    # A confirmation sent twice (a double click) hands over once and lands where the first one did.
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if form.is_valid():
            choice = form.cleaned_data
            try:
                if request.method == "POST":
                    handover = services.portfolio_handover(actor=request.user, **choice)
                    handed_over = _handed_over(request, handover)
                    submission.saved(handed_over.url)
                    return handed_over
                services.portfolio_handover_check(
                    actor=request.user, from_officer=choice["from_officer"], to_officer=choice["to_officer"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                preview = handover_preview(
                    from_officer=choice["from_officer"], organisation=choice["organisation"]
                )
    context = {"form": form, "preview": preview, "choice": form.cleaned_data if preview else None}
    return render(request, "contacts/stakeholder_handover.html", context)


def _handed_over(request, handover):
    counts = handover.counts
    work = [
        ngettext("%(n)s open commitment", "%(n)s open commitments", counts["commitments"]),
        ngettext("%(n)s unresolved concern", "%(n)s unresolved concerns", counts["concerns"]),
        ngettext("%(n)s open action", "%(n)s open actions", counts["actions"]),
        ngettext(
            "%(n)s open action a stakeholder owes",
            "%(n)s open actions stakeholders owe",
            counts["chased_actions"],
        ),
        ngettext("%(n)s open follow-up", "%(n)s open follow-ups", counts["follow_ups"]),
    ]
    kinds = ["commitments", "concerns", "actions", "chased_actions", "follow_ups"]
    commitments, concerns, actions, chased_actions, follow_ups = (
        text % {"n": counts[kind]} for text, kind in zip(work, kinds, strict=True)
    )
    names = {"from": handover.from_officer, "to": handover.to_officer, "n": counts["stakeholders"]}
    if counts["stakeholders"]:
        moved = ngettext(
            "%(n)s stakeholder moved from %(from)s to %(to)s",
            "%(n)s stakeholders moved from %(from)s to %(to)s",
            counts["stakeholders"],
        )
        text = _(
            "%(moved)s, with %(commitments)s, %(concerns)s, %(actions)s, %(chased_actions)s "
            "and %(follow_ups)s."
        )
    else:  # an officer who left holding no stakeholders, only work on colleagues'
        moved = _("%(from)s's open work moved to %(to)s")
        text = _(
            "%(moved)s: %(commitments)s, %(concerns)s, %(actions)s, %(chased_actions)s and %(follow_ups)s."
        )
    message = text % {
        "moved": moved % names,
        "commitments": commitments,
        "concerns": concerns,
        "actions": actions,
        "chased_actions": chased_actions,
        "follow_ups": follow_ups,
    }
    if handover.to_officer.email:
        message += " " + _("%(to)s has been sent the details by email.") % {"to": handover.to_officer}
    messages.success(request, message)
    query = {"owner": handover.to_officer_id}
    if handover.organisation_id:
        query["organisation"] = handover.organisation_id
    return redirect(f"{reverse('contacts:stakeholder_list')}?{urlencode(query)}")


def tag_list(request, rename_form=None, renaming=None):
    """The shared vocabulary: every tag with how many records carry it; managers rename and remove them."""
    tags = list(Tag.objects.visible_to(request.user).with_usage(request.user).order_by(Lower("name"), "pk"))
    for tag in tags:
        tag.can_edit = can_edit_tag(request.user, tag)
    context = {"tags": tags, "rename_form": rename_form, "renaming": renaming}
    return render(request, "contacts/tag_list.html", context)


def _tag_for_change(request, pk):
    tag = get_object_or_404(Tag.objects.visible_to(request.user), pk=pk)
    require(
        can_edit_tag(request.user, tag), _("Only managers change the tags."), who_can_help=WhoCanHelp.MANAGER
    )
    return tag


@require_POST
def tag_rename(request, pk):
    tag = _tag_for_change(request, pk)
    old_name = tag.name
    form = TagRenameForm(request.POST)
    if form.is_valid():
        try:
            services.tag_rename(tag=tag, actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("“%(old)s” is now “%(new)s” everywhere.") % {"old": old_name, "new": tag}
            )
            return redirect("contacts:tag_list")
    return tag_list(request, rename_form=form, renaming=tag.pk)


@require_POST
def tag_delete(request, pk):
    tag = _tag_for_change(request, pk)
    services.tag_delete(tag=tag, actor=request.user)
    messages.success(request, _("“%(name)s” was removed from every record.") % {"name": tag.name})
    return redirect("contacts:tag_list")
