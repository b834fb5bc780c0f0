"""Audit helpers around django-auditlog.

django-auditlog records creates, updates and deletes of registered models through
signals, and its middleware attaches the signed-in user and address. Two things are ours:
reads of a patient's record are logged with `audit_access`, and API requests authenticated
by token (which happens after the middleware ran) bind their user with `audit_bind_actor`.
"""

from auditlog.context import auditlog_value
from auditlog.signals import accessed


def audit_bind_actor(user) -> None:
    """Attach `user` as the actor of log entries written during the current request."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if user is not None and user.is_authenticated:
        context["actor"] = user


def audit_access(instance) -> None:
    """Record that the current actor viewed `instance` (an auditlog ACCESS entry)."""
    accessed.send(sender=instance.__class__, instance=instance)
