"""The audit trail of who read or changed patient data (45 CFR 164.312(b))."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    """One request that read or wrote patient data, or was refused: who, from where, which
    route, with which search terms, and which records it returned or touched.

    Written once by `backend.audit.AuditMiddleware` at the end of the request (one INSERT)
    and never changed: a database trigger refuses UPDATE and DELETE, except the retention
    purge deleting rows older than AUDIT_RETENTION_DAYS (`backend.audit.audit_purge`).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: a user with an audit history is deactivated, never deleted (the trigger
    # would refuse the SET NULL anyway).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    clinic = models.ForeignKey(
        "practice.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16, blank=True)
    method = models.CharField(max_length=8)
    # The URL's name (`api:patient-list`), never the raw path: paths may hold tokens.
    route = models.CharField(max_length=120)
    status_code = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=8, choices=AuditOutcome.choices)
    # Query parameters (search and filter terms) and the URL's arguments (the ids asked
    # for), secrets left out.
    terms = models.JSONField(default=dict, blank=True)
    target = models.JSONField(default=dict, blank=True)
    # {"practice.patient": [3, 9]}: the records the response returned or the write touched.
    records = models.JSONField(default=dict, blank=True)
    # The patients concerned, as " 3 9 " so one `contains` filter works on every database.
    patients = models.TextField(blank=True, default="")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["clinic", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.method} {self.route} {self.status_code}"

    @property
    def record_count(self) -> int:
        return sum(len(pks) for pks in self.records.values())
