from django import forms
from django.forms.models import ModelChoiceField, ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe


class LookupSelectMultiple(forms.SelectMultiple):
    """A type-to-find picker: renders only the chosen rows, never the whole table as <option>s.

    The stakeholder and organisation registers run to tens of thousands of rows; the lookup URL answers
    what the officer types with a short list of matches (see static/js/app.js).
    """

    template_name = "widgets/lookup_select.html"
    allow_multiple_selected = True

    def __init__(self, lookup_url: str, placeholder: str = "", attrs=None):
        super().__init__(attrs)
        self.lookup_url = lookup_url
        self.placeholder = placeholder

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v and str(v).isdigit()]
        queryset = self.choices.queryset.filter(pk__in=chosen) if chosen else []
        options = [
            self.create_option(name, obj.pk, str(obj), True, index, attrs=attrs)
            for index, obj in enumerate(queryset)
        ]
        return [(None, options, 0)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            lookup_url=self.lookup_url, placeholder=self.placeholder, multiple=self.allow_multiple_selected
        )
        return context


class LookupSelect(LookupSelectMultiple):
    allow_multiple_selected = False

    def format_value(self, value):
        return [] if value in (None, "") else [str(value)]

    def value_from_datadict(self, data, files, name):
        return data.get(name)


def _option(value, label, selected: bool) -> str:
    return f'<option value="{escape(value)}"{" selected" if selected else ""}>{escape(label)}</option>'


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
