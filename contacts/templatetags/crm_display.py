from django import template
from django.utils.timesince import timesince, timeuntil

register = template.Library()


@register.filter
def ago(value):
    """“3 weeks”, not “3 weeks, 6 days”: the larger unit is what an officer reads at a glance."""
    return timesince(value, depth=1) if value else ""


@register.filter
def until(value):
    return timeuntil(value, depth=1) if value else ""
