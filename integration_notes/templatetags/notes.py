"""Data for this app's panels on pages other apps own (dashboard, session page, portal)."""

from django import template

from integration_notes import selectors
from integration_notes.models import IntegrationSummary, Note

register = template.Library()


@register.simple_tag(takes_context=True)
def notes_worklist(context):
    return selectors.worklist(user=context["request"].user)


@register.simple_tag(takes_context=True)
def session_note_status(context, session):
    """The session's note (or None), its due time and whether the viewer writes it."""
    note = Note.objects.filter(session_id=session.pk).select_related("template").first()
    actor = context.get("actor")
    return {
        "note": note,
        "due_at": selectors.note_due_at(session),
        "is_clinician": actor is not None and actor.staff_id == session.clinician_id,
        "summary": IntegrationSummary.objects.filter(session_id=session.pk).first(),
    }


@register.simple_tag(takes_context=True)
def portal_summaries(context):
    return list(selectors.portal_summaries(user=context["request"].user)[:10])


@register.simple_tag(takes_context=True)
def portal_notes(context):
    """The patient's own signed, not withheld notes (the newest 50). The panel lists each
    note's date, template name and author: the notes' content and their templates' fields
    (JSON decoded per row) are left unread."""
    notes = selectors.portal_notes(user=context["request"].user).defer(
        "content", "search_text", "template__fields", "template__show_alongside"
    )
    return list(notes[:50])


@register.simple_tag(takes_context=True)
def patient_notes(context, patient):
    """The latest notes of `patient` the viewer may see."""
    return list(
        selectors.patient_note_rows(user=context["request"].user, patient_id=patient.pk)[:20]
    )
