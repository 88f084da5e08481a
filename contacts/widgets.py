import html

from django import forms
from django.forms.models import ModelChoiceField, ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from liaison_crm.record_ids import record_id


class LookupSelectMultiple(forms.SelectMultiple):
    """A type-to-find picker: renders only the chosen rows, never the whole table as <option>s.

    The stakeholder and organisation registers run to tens of thousands of rows; the lookup URL answers
    what the officer types with a short list of matches (see static/js/app.js). The markup is written in
    Python (two pickers sit on the log form of every stakeholder's page), the chosen rows read by
    `picker_options()` when their queryset has it, as QuickSelect does.
    """

    allow_multiple_selected = True

    def __init__(self, lookup_url: str, placeholder: str = "", attrs=None):
        super().__init__(attrs)
        self.lookup_url = lookup_url
        self.placeholder = placeholder

    def chosen_options(self, value) -> list[tuple[object, str]]:
        """The chosen rows' values and labels, in the queryset's order."""
        chosen = [v for v in value if record_id(v)]
        if not chosen:
            return []
        field = self.choices.field
        queryset = self.choices.queryset.filter(pk__in=chosen)
        if hasattr(queryset, "picker_options") and _labels_are_str(field):
            return queryset.picker_options()
        return [(obj.pk, str(obj)) for obj in queryset]

    def id_for_label(self, id_):
        # The field's <label> names the box the officer types in; the hidden <select> only carries the value.
        return f"{id_}_lookup" if id_ else id_

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        multiple = self.allow_multiple_selected
        options = self.chosen_options(self.format_value(value))
        # static/js/app.js labels the chips it adds from data-remove-label, so both speak the page's language.
        remove_label = _("Remove %(name)s")
        # Everything interpolated is escaped (format_html, format_html_join).
        return format_html(
            '<div class="lookup" data-lookup data-multiple="{}" data-remove-label="{}">\n'
            '  <select name="{}" {}hidden data-lookup-select{}>\n'
            "    {}{}\n"
            "  </select>\n"
            '  <ul class="chips" data-lookup-chips aria-live="polite">{}\n  </ul>\n'
            '  <input type="search" class="lookup-input" autocomplete="off" placeholder="{}"\n'
            '         role="combobox" aria-autocomplete="list" aria-expanded="false"\n'
            '         name="lookup_q" form="lookup-detached"{}\n'
            '         hx-get="{}" hx-trigger="input changed delay:200ms, focus"\n'
            '         hx-target="next .lookup-results" hx-swap="innerHTML" hx-include="this"\n'
            '         hx-sync="this:replace">\n'
            '  <div class="lookup-results" role="listbox"{} aria-label="{}"></div>\n'
            "</div>",
            "true" if multiple else "false",
            remove_label,
            name,
            "multiple " if multiple else "",
            format_html(' id="{}"', final_attrs["id"]) if final_attrs.get("id") else "",
            "" if multiple else mark_safe('<option value=""></option>'),
            format_html_join("", '\n    <option value="{}" selected>{}</option>', options),
            format_html_join(
                "",
                '\n    <li class="chip" data-value="{}">{} '
                '<button type="button" class="chip-remove" aria-label="{}">\u00d7</button></li>',
                ((value, label, remove_label % {"name": label}) for value, label in options),
            ),
            self.placeholder,
            _typing_box_attrs(final_attrs, self.placeholder),
            self.lookup_url,
            format_html(' id="{}_matches"', final_attrs["id"]) if final_attrs.get("id") else "",
            _("Matches"),
        )


class LookupSelect(LookupSelectMultiple):
    allow_multiple_selected = False

    def format_value(self, value):
        return [] if value in (None, "") else [str(value)]

    def value_from_datadict(self, data, files, name):
        return data.get(name)


def _typing_box_attrs(attrs: dict, placeholder: str) -> str:
    """The box's name (its field's label when it has an id, else the placeholder), the list of matches it
    opens, and the field's errors and help, which Django puts on the widget: the box is what a screen reader
    is on."""
    if not attrs.get("id"):
        return format_html(' aria-label="{}"', placeholder)
    return format_html(
        ' id="{}_lookup" aria-controls="{}_matches"{}{}',
        attrs["id"],
        attrs["id"],
        format_html(' aria-invalid="{}"', attrs["aria-invalid"]) if attrs.get("aria-invalid") else "",
        format_html(' aria-describedby="{}"', attrs["aria-describedby"])
        if attrs.get("aria-describedby")
        else "",
    )


def _option(value, label, selected: bool) -> str:
    # html.escape is what django.utils.html.escape does, without its check for lazy strings on each call:
    # 400 calls for the staff picker.
    value, label = html.escape(str(value)), html.escape(str(label))
    return f'<option value="{value}"{" selected" if selected else ""}>{label}</option>'


def _labels_are_str(field) -> bool:
    """Whether the field shows its rows as `str(obj)` and chooses them by primary key (Django's default)."""
    default_label = type(field).label_from_instance is ModelChoiceField.label_from_instance
    return field.to_field_name is None and default_label


class QuickSelectMixin:
    """A plain select whose <option>s are written in Python, from one ordinary query.

    For pickers that list every member of staff. Django renders each option through a template include and
    reads a model choice field's rows through a server-side cursor (three more round trips); at 200 staff
    that cost about 10 ms a page (make bench), this a third of it. The markup is that of Django's
    select.html; optgroups are not supported. A queryset with a `picker_options()` method (value, label
    pairs, the label as `str()` of the model) is read through it, without making a model per option.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        chosen = set(self.format_value(value))
        choices = self.choices
        if isinstance(choices, ModelChoiceIterator):
            field = choices.field
            queryset = choices.queryset.all()
            rows = [] if field.empty_label is None else [("", field.empty_label)]
            if hasattr(queryset, "picker_options") and _labels_are_str(field):
                rows += queryset.picker_options()
            else:
                rows += [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in queryset]
        else:
            rows = list(choices)
        options = "".join(_option(value, label, str(value) in chosen) for value, label in rows)
        # Everything interpolated is escaped (flatatt escapes the attributes).
        return mark_safe(f'<select name="{escape(name)}"{flatatt(final_attrs)}>{options}</select>')


class QuickSelect(QuickSelectMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickSelectMixin, forms.SelectMultiple):
    pass
