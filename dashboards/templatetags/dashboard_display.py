from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from dashboards.models import HealthBand

register = template.Library()


@register.filter
def signed(value, places=1):
    """A sentiment as people read it: "+0.6", "-1.2" (with a true minus sign), "0".

    Whole numbers keep no decimals; None is shown as nothing."""
    if value is None or value == "":
        return ""
    places = int(places)
    number = round(float(value), places) if isinstance(value, float | Decimal) else value
    if isinstance(value, int):
        places = 0
    if number == 0:
        return "0" if places == 0 else f"{0:.{places}f}"
    text = f"{abs(number):.{places}f}"
    return f"+{text}" if number > 0 else f"\u2212{text}"


@register.filter
def band_label(band):
    """A health band in words ("At risk"): the badge's colour alone says it only to those who see it."""
    return HealthBand(band).label if band in HealthBand.values else ""


@register.simple_tag
def select(field, chosen):
    """A filter's <select>, written directly: Django's widget templates render each option through the
    template engine, which costs the dashboard several milliseconds for three short lists."""
    chosen = "" if chosen is None else str(chosen)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == chosen else "", label)
            for value, label in field.field.choices
        ),
    )
    return format_html('<select name="{}" id="{}">{}</select>', field.html_name, field.auto_id, options)
