"""Template filters for the product's one format of money, phone numbers and moments.

Registered as a template builtin (settings.TEMPLATES), so every page and PDF can write
`{{ amount|money }}`, `{{ patient.phone|phone }}` and `{{ moment|when:clinic }}` without
loading anything.
"""

from django import template

from backend import formatting

register = template.Library()


@register.filter
def money(value):
    """`{{ 2945|money }}` → "$2,945.00"."""
    return formatting.format_money(value)


@register.filter
def phone(value):
    """`{{ patient.phone|phone }}` → "(303) 555-0928" (international outside the clinic's
    country)."""
    return formatting.format_phone(value)


@register.filter
def when(value, zone_owner):
    """`{{ moment|when:clinic }}`: the moment on `zone_owner`'s wall clock (a clinic, a
    patient, or anything with a `zone`), in the product's date-time format."""
    zone = getattr(zone_owner, "zone", zone_owner)
    return formatting.format_moment(value, zone)
