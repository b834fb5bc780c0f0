"""Template helpers for the clinical pages: clinic-local times, status badges, vitals."""

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from practice import instruments

register = template.Library()

BADGES = {
    "scheduled": "",
    "checked_in": "warn",
    "completed": "ok",
    "cancelled": "",
    "no_show": "danger",
    "draft": "",
    "active": "ok",
    "maintenance": "ok",
    "discontinued": "danger",
    "cleared": "ok",
    "not_cleared": "danger",
    "needs_review": "warn",
}

LABELS = {
    "scheduled": "Scheduled",
    "checked_in": "Checked in",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "No-show",
    "draft": "Draft",
    "active": "Active · induction",
    "maintenance": "Maintenance",
    "discontinued": "Discontinued",
    "cleared": "Cleared",
    "not_cleared": "Not cleared",
    "needs_review": "Needs medical review",
}


@register.simple_tag
def local_time(value, clinic, fmt="M j, Y H:i"):
    """`value` (UTC) shown in the clinic's time zone."""
    if value is None:
        return "—"
    return date_format(clinic.local(value), fmt)


@register.simple_tag
def status_badge(status):
    return format_html(
        '<span class="badge {}">{}</span>', BADGES.get(status, ""), LABELS.get(status, status)
    )


@register.simple_tag
def severity_badge(label):
    return format_html(
        '<span class="badge {}">{}</span>', instruments.severity_badge(label), label or "—"
    )


RISK_BADGES = {
    "low": ("ok", "Low risk"),
    "moderate": ("warn", "Moderate risk"),
    "high": ("danger", "High risk"),
}


@register.simple_tag
def risk_badge(level):
    """A C-SSRS screener level as a badge."""
    css, label = RISK_BADGES.get(level, ("", level or "—"))
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.simple_tag
def peak_bp(record):
    """The highest systolic reading of a dose (pre-dose included), from prefetched vitals."""
    readings = [(record.predose_systolic or 0, record.predose_diastolic or 0)]
    readings += [(v.systolic, v.diastolic) for v in record.vitals.all()]
    systolic, diastolic = max(readings)
    return f"{systolic}/{diastolic}" if systolic else "—"
