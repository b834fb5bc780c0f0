"""The audit trail: one `AuditEvent` per request that reads or writes patient data.

How it works:
- `AuditMiddleware` opens a per-request collector (a context variable) and, once the
  response is ready, writes exactly one `AuditEvent` row (one INSERT) for every request
  routed to a view of our apps (practice, controlled, messaging, scheduling,
  integration_notes, billing, onboarding, records: every page and every /api/v1/ route of
  theirs, and the Django admin's pages of their models), whatever
  the outcome: a read, a write, a search, a 404 for an out-of-reach id, a 403, a 401 for
  a bad token.
- Views, serializers and services name what the response returned or the write touched
  with `audit_access(obj)` / `audit_records(objs)`; the shared bases do it for everyone:
  `backend.api.ScopedMixin` (a list's page, a retrieved object, the serializers' objects),
  `backend.views.ScopedObjectMixin` and `RoleRequiredMixin` (a page's object and its list),
  `backend.scoping.get_visible_or_404`.
- Reads are recorded here only. django-auditlog keeps what it is good at: the field-level
  history of creates, updates and deletes of registered models (`LogEntry`); its ACCESS
  entries are no longer written (one mechanism for reads).
- Both tables are append-only in the database (migration backend 0002): PostgreSQL refuses
  UPDATE and DELETE with a trigger, except a DELETE of rows older than the retention
  inside `audit_purge`'s transaction (`kap.audit_purge = 'on'`). SQLite refuses UPDATE
  (Django's test flush deletes rows, so DELETE stays possible there).
"""

import datetime
from contextvars import ContextVar

from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Now

from backend.roles import actor_for

# The apps whose views serve patient data: every request routed to one of them is audited.
AUDITED_APPS = frozenset(
    {
        "practice",
        "controlled",
        "messaging",
        "scheduling",
        "integration_notes",
        "billing",
        # Invitations and the intake: a new patient's details and health answers.
        "onboarding",
        # The patient's whole record (right of access): the most complete read of all.
        "records",
    }
)
DENIED_STATUSES = frozenset({401, 403, 404, 405})
# Parameter names whose values are secrets, never written to the trail.
SECRET_PARTS = ("token", "key", "secret", "password", "signature", "uidb64")
PATIENT_LABEL = "practice.patient"


class AuditCollector:
    """The records one request returned or touched, by model label, each pk once."""

    def __init__(self):
        self.records: dict[str, dict[int, None]] = {}
        self.patients: dict[int, None] = {}

    def add(self, obj) -> None:
        if obj is None or getattr(obj, "pk", None) is None:
            return
        label = obj._meta.label_lower
        self.records.setdefault(label, {})[obj.pk] = None
        if label == PATIENT_LABEL:
            self.patients[obj.pk] = None
        else:
            patient_id = getattr(obj, "patient_id", None)
            if isinstance(patient_id, int):
                self.patients[patient_id] = None

    def as_json(self) -> dict[str, list[int]]:
        return {label: list(pks) for label, pks in self.records.items()}


_collector: ContextVar[AuditCollector | None] = ContextVar("kap_audit_collector", default=None)


def audit_records(objects) -> None:
    """Name `objects` (model instances) as returned or touched by the current request."""
    collector = _collector.get()
    if collector is None:
        return
    for obj in objects:
        collector.add(obj)


def audit_access(instance) -> None:
    """Name one object the current request read or wrote."""
    audit_records([instance])


def audit_bind_actor(user) -> None:
    """Attach `user` as the actor of auditlog change entries written during the request
    (API token authentication happens after auditlog's middleware ran)."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if user is not None and user.is_authenticated:
        context["actor"] = user


def _public(params) -> dict:
    """Parameters without secrets; one value stays a value, several stay a list."""
    clean = {}
    for name in params:
        if any(part in name.lower() for part in SECRET_PARTS):
            continue
        values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        values = [str(v)[:200] for v in values]
        clean[name] = values[0] if len(values) == 1 else values
    return clean


def _audited(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    if getattr(getattr(match.func, "view_class", None), "audited", False):
        return True
    if match.namespace == "admin":
        # The Django admin's pages of our models (admin:practice_patient_change, ...).
        return any((match.url_name or "").startswith(f"{app}_") for app in AUDITED_APPS)
    return (getattr(match.func, "__module__", "") or "").split(".")[0] in AUDITED_APPS


class AuditMiddleware:
    """One `AuditEvent` per audited request (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        collector = AuditCollector()
        token = _collector.set(collector)
        try:
            response = self.get_response(request)
        finally:
            _collector.reset(token)
        if _audited(request):
            audit_write(request=request, status_code=response.status_code, collector=collector)
        return response


def audit_write(*, request, status_code: int, collector: AuditCollector):
    """Write the request's one audit row."""
    from backend.models import AuditEvent, AuditOutcome

    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    actor = actor_for(user) if authenticated else None
    denied = status_code in DENIED_STATUSES or (not authenticated and status_code >= 300)
    match = request.resolver_match
    patients = " ".join(str(pk) for pk in collector.patients)
    return AuditEvent.objects.create(
        actor=user if authenticated else None,
        clinic_id=actor.clinic_id if actor else None,
        role=actor.role if actor else "",
        method=request.method[:8],
        route=(match.view_name or "")[:120],
        status_code=status_code,
        outcome=AuditOutcome.DENIED if denied else AuditOutcome.ALLOWED,
        terms=_public(request.GET),
        target=_public(match.kwargs),
        records=collector.as_json(),
        patients=f" {patients} " if patients else "",
        remote_addr=AuditlogMiddleware._get_remote_addr(request) or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


def audit_event_list(
    *,
    clinic_id: int,
    patient_id: int | None = None,
    actor_id: int | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    outcome: str = "",
):
    """A clinic's audit trail, newest first, the actor joined."""
    from backend.models import AuditEvent

    events = AuditEvent.objects.filter(clinic_id=clinic_id).select_related("actor")
    if patient_id is not None:
        events = events.filter(patients__contains=f" {int(patient_id)} ")
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    if outcome:
        events = events.filter(outcome=outcome)
    return events.order_by("-at", "-id")


def audit_purge(*, days: int | None = None) -> dict[str, int]:
    """Delete audit rows (ours and auditlog's) older than the retention, and only those.

    Retention is AUDIT_RETENTION_DAYS (six years by default), counted back from the
    database's clock. On PostgreSQL the append-only trigger lets these DELETEs through only
    because this transaction sets `kap.audit_purge` (SET LOCAL: it ends with the
    transaction) and only for rows older than `kap.audit_retention_days`. Safe to run twice.
    """
    from auditlog.models import LogEntry

    from backend.models import AuditEvent

    days = settings.AUDIT_RETENTION_DAYS if days is None else days
    if days < 1:
        raise ValueError("The audit retention must be at least one day.")
    cutoff = Now() - datetime.timedelta(days=days)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('kap.audit_purge', 'on', true), "
                    "set_config('kap.audit_retention_days', %s, true)",
                    [str(days)],
                )
        events, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        entries, _ = LogEntry.objects.filter(timestamp__lt=cutoff).delete()
    return {"events": events, "log_entries": entries}
