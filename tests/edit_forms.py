"""Edit forms sent back as a browser sends them."""

from django import forms


def as_the_page_shows_it(form, **changes) -> dict:
    """`form`, an edit page's form, as it is drawn (fingerprint included), sent back with `changes` typed in:
    dates and times as their inputs hold them (to the minute, in the reader's zone)."""
    data = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        if isinstance(field, forms.DateField | forms.DateTimeField):
            value = field.widget.format_value(value)
        data[name] = "" if value is None else value
        if field.show_hidden_initial:
            data[form.add_initial_prefix(name)] = data[name]
    data.update(changes)
    return data
