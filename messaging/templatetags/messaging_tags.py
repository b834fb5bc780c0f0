"""Template tags for the message panels other apps' pages show."""

from django import template

from messaging.selectors import reminders_upcoming, session_reminders, thread_unread_count

register = template.Library()


@register.simple_tag
def upcoming_reminders(patient):
    return list(reminders_upcoming(patient=patient)) if patient else []


@register.simple_tag
def reminders_of_session(session):
    return list(session_reminders(session=session)) if session else []


@register.simple_tag(takes_context=True)
def unread_thread_count(context) -> int:
    """How many threads the signed-in person has not read (one query)."""
    request = context.get("request")
    return thread_unread_count(user=request.user) if request is not None else 0
