"""Template tags for the message panels other apps' pages show."""

from django import template

from messaging.selectors import reminders_upcoming, session_reminders

register = template.Library()


@register.simple_tag
def upcoming_reminders(patient):
    return list(reminders_upcoming(patient=patient)) if patient else []


@register.simple_tag
def reminders_of_session(session):
    return list(session_reminders(session=session)) if session else []
