"""Django's form renderer, with the plain <input>, <textarea> and <select> widgets written in Python.

Django renders each of them through two or three template includes (the widget's template, `input.html`,
`attrs.html`): about 0.2 ms a widget, eight of them on the log form of every stakeholder's page. Their
markup is one line, written here as Django's templates write it, with the same escaping; a select's is a
line an option, and a time zone picker has six hundred options, each an include. Every other widget
template (the lookup picker, radio lists) is rendered as before; a project template overriding one of the
templates below would not be used, so override the widget's `template_name` instead.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe

# Django's widget templates that only include "django/forms/widgets/input.html".
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox", "color", "date", "datetime", "email", "hidden", "input", "number", "password", "search",
        "tel", "text", "time", "url",
    )
)  # fmt: skip
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
# Django's selects, single and multiple, whose options use Django's option template.
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _string(value) -> str:
    # `{{ value|stringformat:'s' }}`: the filter keeps a safe string safe; anything else is escaped.
    return str(value) if isinstance(value, SafeData) else escape(value)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `True` writes the name alone, `False` leaves the attribute out."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{_string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_input(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{_string(widget["value"])}"'
    attrs = _attrs(widget["attrs"])
    return mark_safe(f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{attrs}>')


def render_textarea(widget: dict) -> str:
    """django/forms/widgets/textarea.html."""
    text = conditional_escape(widget["value"]) if widget["value"] else ""
    attrs = _attrs(widget["attrs"])
    return mark_safe(f'<textarea name="{escape(widget["name"])}"{attrs}>\n{text}</textarea>')


def render_select(widget: dict) -> str:
    """django/forms/widgets/select.html, its options as django/forms/widgets/select_option.html writes them
    (an included option keeps the template's closing newline)."""
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


def _plain_options(widget: dict) -> bool:
    return all(
        option["template_name"] == OPTION_TEMPLATE
        for _name, group_choices, _index in widget["optgroups"]
        for option in group_choices
    )


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            return render_input(context["widget"])
        if template_name == TEXTAREA_TEMPLATE:
            return render_textarea(context["widget"])
        if template_name == SELECT_TEMPLATE and _plain_options(context["widget"]):
            return render_select(context["widget"])
        return super().render(template_name, context, request)
