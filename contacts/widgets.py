from django import forms


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
