"""Form markup written in Python says exactly what Django's templates (and ours, before) would say."""

import datetime as dt
import re

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.template import engines
from django.utils.safestring import mark_safe

from contacts.models import Organisation, Stakeholder
from contacts.widgets import LookupSelect, LookupSelectMultiple
from liaison_crm.form_renderer import INPUT_TEMPLATES, SELECT_TEMPLATE, TEXTAREA_TEMPLATE, FormRenderer

from .factories import OrganisationFactory, StakeholderFactory

# What templates/includes/field.html said before {% form_field %} wrote it in Python, with the help and the
# errors since given the ids Django's widgets name in aria-describedby.
FIELD_TEMPLATE = """<div class="field{% if field.errors %} has-error{% endif %} field-{{ field.name }}">
  {% if field.widget_type == "checkbox" %}
  <label class="checkbox">{{ field }} {{ field.label }}</label>
  {% else %}
  <label for="{{ field.id_for_label }}">{{ field.label }}{% if field.field.required %} <span class="required" aria-hidden="true">*</span>{% endif %}</label>
  {{ field }}
  {% endif %}
  {% if field.help_text %}<small class="help" id="{{ field.auto_id }}_helptext">{{ field.help_text }}</small>{% endif %}
  {% if field.errors %}<div id="{{ field.auto_id }}_error" role="alert">{% for error in field.errors %}<p class="error">{{ error }}</p>{% endfor %}</div>{% endif %}
</div>"""  # noqa: E501


# What templates/widgets/lookup_select.html said before the lookup picker wrote its markup in Python, with
# the "Remove …" label since translated (and handed to static/js/app.js for the chips it adds), and the box
# one types in since named by the field's label, with the field's errors and help, and since a combobox
# that opens the list of matches.
LOOKUP_TEMPLATE = """{% load i18n %}<div class="lookup" data-lookup data-multiple="{{ widget.multiple|yesno:'true,false' }}" data-remove-label="{% translate 'Remove %(name)s' %}">
  <select name="{{ widget.name }}" {% if widget.multiple %}multiple{% endif %} hidden data-lookup-select{% if widget.attrs.id %} id="{{ widget.attrs.id }}"{% endif %}>
    {% if not widget.multiple %}<option value=""></option>{% endif %}
    {% for group_name, group_choices, group_index in widget.optgroups %}{% for option in group_choices %}
    <option value="{{ option.value }}" selected>{{ option.label }}</option>
    {% endfor %}{% endfor %}
  </select>
  <ul class="chips" data-lookup-chips aria-live="polite">
    {% for group_name, group_choices, group_index in widget.optgroups %}{% for option in group_choices %}
    <li class="chip" data-value="{{ option.value }}">{{ option.label }} <button type="button" class="chip-remove" aria-label="{% blocktranslate with name=option.label %}Remove {{ name }}{% endblocktranslate %}">×</button></li>
    {% endfor %}{% endfor %}
  </ul>
  <input type="search" class="lookup-input" autocomplete="off" placeholder="{{ widget.placeholder }}"
         role="combobox" aria-autocomplete="list" aria-expanded="false"
         name="lookup_q" form="lookup-detached"{% if widget.attrs.id %} id="{{ widget.attrs.id }}_lookup" aria-controls="{{ widget.attrs.id }}_matches"{% if widget.invalid %} aria-invalid="true"{% endif %}{% if widget.describedby %} aria-describedby="{{ widget.describedby }}"{% endif %}{% else %} aria-label="{{ widget.placeholder }}"{% endif %}
         hx-get="{{ widget.lookup_url }}" hx-trigger="input changed delay:200ms, focus" hx-target="next .lookup-results"
         hx-swap="innerHTML" hx-include="this" hx-sync="this:replace">
  <div class="lookup-results" role="listbox"{% if widget.attrs.id %} id="{{ widget.attrs.id }}_matches"{% endif %} aria-label="{% translate 'Matches' %}"></div>
</div>"""  # noqa: E501, RUF001


class Everything(forms.Form):
    name = forms.CharField(label="Name <b>", help_text="Help & <i>", max_length=20)
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"placeholder": '"hi" & <go>'}))
    count = forms.IntegerField(required=False, widget=forms.NumberInput(attrs={"data-x": mark_safe("<ok>")}))
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    time = forms.TimeField(required=False)
    site = forms.URLField(required=False)
    tick = forms.BooleanField(label="Tick <me>", required=False, help_text="h")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "disabled": True}))
    colour = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "color", "hidden": False}))
    pick = forms.ChoiceField(choices=[("a", "<A>")])
    zone = forms.ChoiceField(
        required=False,
        choices=[("", "—"), ("Europe/Paris", "Paris"), ('x"<', mark_safe("<b>safe</b>"))],
        widget=forms.Select(attrs={"data-x": "1 & 2"}),
    )
    grouped = forms.ChoiceField(
        required=False,
        choices=[("Europe & <Africa>", [("1", "One"), ("2", "Two")]), ("3", "Three")],
    )
    several = forms.MultipleChoiceField(
        required=False,
        choices=[("en", "English"), ("fr", "Français")],
        widget=forms.SelectMultiple(attrs={"size": 2}),
    )
    maybe = forms.NullBooleanField(required=False)


BOUND = {
    "name": "<script>alert(1)</script>",
    "email": "a&b@example.org",
    "count": "x<",
    "secret": '"quoted"',
    "hidden": "'",
    "on": "2026-02-30",
    "at": "2026-11-26T10:00",
    "tick": "on",
    "notes": "line one\n<b>two</b> & three",
    "colour": "#ff0000",
    "pick": "zz",
    "zone": 'x"<',
    "grouped": "2",
    "several": ["en", "fr"],
    "maybe": "true",
}
INITIAL = {"name": mark_safe("<i>safe</i>"), "on": dt.date(2026, 1, 2), "tick": True, "notes": ""}


def forms_to_compare(renderer):
    bound = Everything(BOUND, prefix='p"<', renderer=renderer)
    bound.is_valid()
    bound.add_error("name", "A second <error>")
    return [Everything(renderer=renderer), Everything(initial=INITIAL, renderer=renderer), bound]


def test_the_python_renderer_covers_inputs_textareas_and_plain_selects():
    assert "django/forms/widgets/select.html" not in INPUT_TEMPLATES
    assert TEXTAREA_TEMPLATE not in INPUT_TEMPLATES
    assert SELECT_TEMPLATE == "django/forms/widgets/select.html"


@pytest.mark.parametrize("index", [0, 1, 2])
def test_widgets_written_in_python_are_what_djangos_templates_write(index):
    python, templates = forms_to_compare(FormRenderer())[index], forms_to_compare(TemplatesSetting())[index]
    for name in Everything.base_fields:
        assert str(python[name]) == str(templates[name]), name


@pytest.mark.parametrize("index", [0, 1, 2])
def test_form_field_tag_is_what_the_field_include_wrote(index):
    engine = engines["django"]
    include = engine.from_string(FIELD_TEMPLATE)
    tag = engine.from_string("{% load crm_display %}{% form_field field %}")
    form = forms_to_compare(TemplatesSetting())[index]
    for name in Everything.base_fields:
        before = " ".join(include.render({"field": form[name]}).split())
        after = " ".join(tag.render({"field": form[name]}).split())
        assert after == before, name


@pytest.mark.django_db
@pytest.mark.parametrize("chosen", [0, 1, 2])
def test_lookup_pickers_write_what_their_template_wrote(chosen):
    people = [StakeholderFactory(name="<script>alert(1)</script>"), StakeholderFactory(name="Ann & Bo")]
    place = OrganisationFactory(name='"Quoted" <Org>')

    class Pickers(forms.Form):
        people = forms.ModelMultipleChoiceField(
            Stakeholder.objects.all(),
            widget=LookupSelectMultiple(lookup_url="/find/?a=1&b=2", placeholder="<Who>"),
        )
        place = forms.ModelChoiceField(
            Organisation.objects.all(),
            required=False,
            widget=LookupSelect(lookup_url="/orgs/", placeholder="Any"),
        )

    form = Pickers({"people": [p.pk for p in people[:chosen]], "place": place.pk if chosen else ""})
    template = engines["django"].from_string(LOOKUP_TEMPLATE)
    for name in ("people", "place"):
        widget = form[name].field.widget
        value = widget.format_value(form[name].value())
        options = [{"value": pk, "label": label} for pk, label in widget.chosen_options(value)]
        before = template.render(
            {
                "widget": {
                    "name": form[name].html_name,
                    "multiple": widget.allow_multiple_selected,
                    "attrs": {"id": form[name].auto_id},
                    "optgroups": [(None, options, 0)],
                    "placeholder": widget.placeholder,
                    "lookup_url": widget.lookup_url,
                    "invalid": bool(form[name].errors),
                    "describedby": form[name].aria_describedby,
                }
            }
        )
        assert " ".join(str(form[name]).split()) == " ".join(before.split()), name
    assert "&lt;script&gt;" in str(form["people"]) or chosen == 0


def test_what_a_field_says_it_is_described_by_is_on_the_page():
    form = Everything(BOUND)
    form.is_valid()
    page = engines["django"].from_string(
        "{% load crm_display %}{% for f in form %}{% form_field f %}{% endfor %}"
    )
    html = page.render({"form": form})
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert "id_name_helptext id_name_error" in described
    for ids in described:
        for id_ in ids.split():
            assert f'id="{id_}"' in html, id_
    assert re.search(r'<input [^>]*name="name"[^>]*aria-invalid="true"', html)


@pytest.mark.django_db
def test_a_lookup_pickers_label_names_the_box_one_types_in():
    class Filter(forms.Form):
        organisation = forms.ModelChoiceField(
            Organisation.objects.all(),
            help_text="Where they work",
            widget=LookupSelect(lookup_url="/orgs/", placeholder="Any"),
        )

    form = Filter({"organisation": ""})
    form.is_valid()
    html = (
        engines["django"]
        .from_string("{% load crm_display %}{% form_field f %}")
        .render({"f": form["organisation"]})
    )

    assert '<label for="id_organisation_lookup">' in html
    assert (
        'id="id_organisation_lookup" aria-controls="id_organisation_matches" aria-invalid="true" '
        'aria-describedby="id_organisation_helptext id_organisation_error"'
    ) in html
    assert 'aria-label="Any"' not in html
    matches = '<div class="lookup-results" role="listbox" id="id_organisation_matches" aria-label="Matches">'
    assert matches in html


@pytest.mark.django_db
def test_a_lookup_pickers_box_tells_a_screen_reader_it_opens_the_list_of_matches():
    class Filter(forms.Form):
        organisation = forms.ModelChoiceField(
            Organisation.objects.all(), widget=LookupSelect(lookup_url="/orgs/", placeholder="Any")
        )

    html = str(Filter()["organisation"])

    box = re.search(r'<input type="search" class="lookup-input"[^>]*>', html).group()
    assert 'role="combobox"' in box
    assert 'aria-autocomplete="list"' in box
    # static/js/app.js sets it to "true" while there are matches to choose from.
    assert 'aria-expanded="false"' in box
    assert 'aria-controls="id_organisation_matches"' in box
    assert '<div class="lookup-results" role="listbox" id="id_organisation_matches"' in html


def test_a_group_of_checkboxes_is_named_by_a_legend_and_described_by_its_help_and_errors():
    class Reminders(forms.Form):
        reminders = forms.MultipleChoiceField(
            choices=[("60", "1 hour before"), ("15", "15 minutes before")],
            widget=forms.CheckboxSelectMultiple,
            help_text="Sent to everyone invited",
        )

    form = Reminders({})
    form.is_valid()
    tag = engines["django"].from_string("{% load crm_display %}{% form_field f %}")
    html = tag.render({"f": form["reminders"]})

    # A label names one control: "Reminders" named none (for=""), and each box was read without it.
    assert '<label for="">' not in html
    assert re.search(
        r'<fieldset class="field has-error field-reminders" '
        r'aria-describedby="id_reminders_helptext id_reminders_error">\s*<legend>Reminders',
        html,
    )
    assert 'id="id_reminders_helptext"' in html
    assert 'id="id_reminders_error"' in html
