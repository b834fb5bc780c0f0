"""Reading the audit trail in tests."""

from backend.models import AuditEvent


def audited_reads(obj, *, actor=None) -> list[AuditEvent]:
    """The allowed GET requests whose audit row names `obj`, oldest first."""
    label = obj._meta.label_lower
    events = AuditEvent.objects.filter(method="GET", outcome="allowed").order_by("at", "id")
    if actor is not None:
        events = events.filter(actor=actor)
    return [e for e in events if obj.pk in e.records.get(label, [])]
