import datetime as dt
from functools import lru_cache

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.querysets import staff_label
from liaison_crm import submissions
from liaison_crm.record_urls import record_url as _record_url

register = template.Library()


@register.filter
def staff(user) -> str:
    """A member of staff's name, marked "(left)" when they have (accounts.querysets.staff_label)."""
    return staff_label(user, active=user.is_active)


def ago(value):
    """“3 weeks”, not “3 weeks, 6 days”: the larger unit is what an officer reads at a glance."""
    return timesince(value, _now_for(value), depth=1) if value else ""


@register.filter
def time_ago(moment):
    """“3 weeks ago”; “just now” under a minute, where Django would count “0 minutes”."""
    if timezone.now() - moment < dt.timedelta(minutes=1):
        return _("just now")
    return _("%(ago)s ago") % {"ago": ago(moment)}


def _now_for(value):
    """A day (a due date) is counted in whole days from the reader's today: Django would count it from
    midnight to the server's clock, and a day due tomorrow would be "in 1 hour" late in the evening."""
    return None if isinstance(value, dt.datetime) else timezone.localdate()


# The end's own day beside a start shown without one (its day is given elsewhere on the line or row).
END_DAY_FORMAT = "D j M"
EN_DASH = "\u2013"


@register.simple_tag
def time_span(starts, ends, day_format=""):
    """When a meeting runs, in the current time zone: its start's day by `day_format` (none when empty), and
    the end's day too when it falls on another, so a meeting past midnight does not seem to end before it
    starts: "Monday 3 March 2025, 22:00 to Tuesday 4 March 2025, 01:00"; "22:00 to Tue 4 Mar, 01:00", each
    "to" an en dash."""
    starts, ends = timezone.localtime(starts), timezone.localtime(ends)
    start = formats.date_format(starts, f"{day_format}, H:i" if day_format else "H:i")
    if ends.date() == starts.date():
        return f"{start}{EN_DASH}{formats.date_format(ends, 'H:i')}"
    return f"{start}{EN_DASH}{formats.date_format(ends, f'{day_format or END_DAY_FORMAT}, H:i')}"


@register.filter
def record_url(pk, viewname):
    """`{{ organisation_id|record_url:"contacts:organisation_detail" }}`: a record's page from its id."""
    return _record_url(viewname, pk)


@register.simple_tag
def submission_key(form):
    """The hidden key that makes sending this create form twice save it once (liaison_crm.submissions): the
    one it was sent with when it comes back with errors, a new one for an empty form."""
    sent = form.data.get(submissions.FIELD) if form.is_bound else None
    key = sent if submissions.valid_key(sent) else submissions.new_key()
    return format_html('<input type="hidden" name="{}" value="{}">', submissions.FIELD, key)


_REQUIRED = mark_safe(' <span class="required" aria-hidden="true">*</span>')


@register.simple_tag
def form_field(field):
    """A form field as every form shows it: its label (a star if required), the widget, help and errors.

    A template include per field cost about 0.3 ms each, a fifth of a stakeholder's page for its log form;
    this writes the same markup in one call. Everything interpolated is escaped unless already safe.
    """
    errors = field.errors
    if field.widget_type == "checkbox":
        control = format_html('<label class="checkbox">{} {}</label>', field, field.label)
    else:
        control = format_html(
            '<label for="{}">{}{}</label>\n  {}',
            field.id_for_label,
            field.label,
            _REQUIRED if field.field.required else "",
            field,
        )
    # The ids are those Django's widgets name in aria-describedby (BoundField.aria_describedby), so a screen
    # reader reads the help and the errors with the field instead of leaving them to be found.
    help_text = (
        format_html('<small class="help" id="{}_helptext">{}</small>', field.auto_id, field.help_text)
        if field.help_text
        else ""
    )
    if field.use_fieldset:
        # A group of boxes is named by a legend: a label names one control, and the group's ("Reminders")
        # named none. Django gives the group's help and errors to the fieldset, not to each box.
        described = field.aria_describedby
        return format_html(
            '<fieldset class="field{} field-{}"{}>\n  <legend>{}{}</legend>\n  {}\n  {}\n  {}\n</fieldset>',
            " has-error" if errors else "",
            field.name,
            format_html(' aria-describedby="{}"', described) if described else "",
            field.label,
            _REQUIRED if field.field.required else "",
            field,
            help_text,
            _errors(field),
        )
    return format_html(
        '<div class="field{} field-{}">\n  {}\n  {}\n  {}\n</div>',
        " has-error" if errors else "",
        field.name,
        control,
        help_text,
        _errors(field),
    )


def _errors(field):
    if not field.errors:
        return ""
    return format_html(
        '<div id="{}_error" role="alert">{}</div>',
        field.auto_id,
        format_html_join("", '<p class="error">{}</p>', ((error,) for error in field.errors)),
    )


@register.simple_tag
def field_errors(field):
    """A field's errors as `form_field` shows them, for a field whose control is written another way."""
    return _errors(field)


@register.simple_tag
def cell_field(field, row):
    """A field of a form set laid out as a table row: no label of its own, so it is named after its
    column and row ("Agenda item, row 2") and its errors sit under it, linked to it."""
    label = _("%(label)s, row %(row)s") % {"label": field.label, "row": row}
    return format_html("{}{}", field.as_widget(attrs={"aria-label": label}), _errors(field))


# The two cells below appear on every row of the stakeholder list. Written as template nodes (an include, a
# `with`, `blocktranslate`, three filters) they cost about a third of the list page; here they are one call.


@register.simple_tag
def contact_status(stakeholder):
    """Whether contact with the stakeholder is overdue, due today or due in a while, by their cadence."""
    return _contact_status(stakeholder.contact_due, timezone.localdate(), get_language())


# The cell depends on the due day, the reader's today and the language alone, and a list's rows share few
# due days: Django's date formatting and its "3 weeks" wording (0.1 ms a row, a tenth of the list page) are
# done once for each. The keys are days around today, so the cache stays small and seldom misses.
@lru_cache(maxsize=4096)
def _contact_status(due_on: dt.date | None, today: dt.date, language: str | None) -> str:
    if due_on is None:
        return format_html('<span class="muted">{}</span>', _("No cadence"))
    days = (due_on - today).days
    if days == 0:
        return format_html('<span class="status amber">{}</span>', _("Due today"))
    if days < 0:
        css, text = "red", _("Overdue by %(since)s") % {"since": timesince(due_on, today, depth=1)}
    else:
        css, text = "green", _("Due in %(until)s") % {"until": timeuntil(due_on, today, depth=1)}
    return format_html(
        '<span class="status {}" title="{} {}">{}</span>', css, _("Due"), formats.localize(due_on), text
    )


@register.simple_tag
def contacted_ago(moment):
    """When the stakeholder was last contacted, as “3 weeks ago”, the exact time on hover."""
    if not moment:
        return format_html('<span class="muted">{}</span>', _("never"))
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        formats.localize(local),
        time_ago(moment),
    )
