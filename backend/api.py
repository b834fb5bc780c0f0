"""The base every API viewset builds on.

`ScopedViewSet` applies the model's `visible_to(user)` to every queryset, so an endpoint
cannot forget to scope: another clinic's or another patient's object is simply not in the
queryset and answers 404. Reading one object is an audited access. Roles are checked by
`RolePermission` from the viewset's `read_roles` and `write_roles`.
"""

import datetime

import django_filters
from auditlog.registry import auditlog
from django import forms
from rest_framework import permissions, viewsets

from backend.audit import audit_access, audit_bind_actor
from backend.roles import ADMIN, PATIENT, STAFF_ROLES, actor_for


class RolePermission(permissions.BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request, view):
        actor = actor_for(request.user)
        if actor is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return actor.role in view.read_roles
        action_roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return actor.role in (action_roles if action_roles is not None else view.write_roles)


class ScopedMixin:
    """Scopes the queryset to the requesting user and audits reads of single objects."""

    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = frozenset({ADMIN})
    action_roles: dict = {}
    permission_classes = [permissions.IsAuthenticated, RolePermission]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        audit_bind_actor(request.user)

    @property
    def actor(self):
        return actor_for(self.request.user)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_object(self):
        obj = super().get_object()
        if self.request.method == "GET" and auditlog.contains(obj.__class__):
            audit_access(obj)
        return obj


class ScopedViewSet(ScopedMixin, viewsets.GenericViewSet):
    pass


class ScopedModelViewSet(ScopedMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


class MomentFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment in a query string, within what the database can compare: a UTC
    offset of at most 14 hours (the widest in use) and a year from 1 to 9999 in UTC. Others
    are a 400 like any malformed value, not a database error."""

    class field_class(django_filters.fields.IsoDateTimeField):
        def to_python(self, value):
            moment = super().to_python(value)
            if moment is None:
                return moment
            offset = moment.utcoffset()
            try:
                if offset is not None and abs(offset) > datetime.timedelta(hours=14):
                    raise ValueError(value)
                moment.astimezone(datetime.UTC)
            except (ValueError, OverflowError) as error:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from error
            return moment
