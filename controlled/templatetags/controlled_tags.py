"""Data for the ledger's panels on pages other apps own (dashboard, session page)."""

from django import template
from django.core.exceptions import ObjectDoesNotExist

from backend.roles import actor_for
from controlled import selectors
from controlled.models import LEDGER_ROLES

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def controlled_alerts(context):
    """The user's open loss notices, open count discrepancies, expiring lots and the
    inventory due date, for admins and medical staff; None for anyone else (the panel then
    renders nothing)."""
    user = _user(context)
    actor = actor_for(user)
    if actor is None or actor.role not in LEDGER_ROLES:
        return None
    # The clinic's zone came with the actor: no query for the clinic's day, here or in
    # lots_for_dosing.
    return selectors.dashboard_alerts(user=user, clinic_id=actor.clinic_id, today=actor.today())


@register.simple_tag(takes_context=True)
def controlled_for_session(context, session):
    """The ledger entries of a dosing session's dose (administration, waste, reversals)."""
    user = _user(context)
    actor = actor_for(user)
    if actor is None or actor.role not in LEDGER_ROLES or session is None:
        return None
    try:
        dosing = session.dosing
    except (ObjectDoesNotExist, AttributeError):
        return None
    entries = list(selectors.entries_for_dosing(user=user, dosing_record=dosing))
    return {
        "dosing": dosing,
        "entries": entries,
        "administration": next(
            (e for e in entries if e.kind == "administration" and not _is_reversed(e)), None
        ),
    }


def _is_reversed(entry) -> bool:
    try:
        return entry.reversed_by is not None
    except ObjectDoesNotExist:
        return False


@register.filter
def ledger_patient(entry) -> str:
    """A ledger entry's patient as the page's reader may see them (read the entries with
    `selectors.entry_list`, which says whether the name may be shown)."""
    return selectors.patient_reference(entry)
