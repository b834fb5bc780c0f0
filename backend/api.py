"""The base every API viewset builds on.

`ScopedViewSet` applies the model's `visible_to(user)` to every queryset, so an endpoint
cannot forget to scope: another clinic's or another patient's object is simply not in the
queryset and answers 404. Every object a request reads or writes is named in its audit
row (backend/audit.py): a list's page, a retrieved object, what a serializer returns.
Roles are checked by `RolePermission` from the viewset's `read_roles` and `write_roles`.
"""

import datetime

import django_filters
from django import forms
from rest_framework import permissions, serializers, viewsets

from backend.audit import audit_access, audit_bind_actor, audit_records
from backend.filters import MAX_ID
from backend.roles import ADMIN, PATIENT, STAFF_ROLES, actor_for


class RolePermission(permissions.BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request, view):
        actor = actor_for(request.user)
        if actor is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            # A read-only action may narrow who reads (`read_action_roles`): `action_roles`
            # governs writes only, as several actions read with `read_roles` and write with it.
            read_roles = getattr(view, "read_action_roles", {}).get(getattr(view, "action", None))
            return actor.role in (read_roles if read_roles is not None else view.read_roles)
        action_roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return actor.role in (action_roles if action_roles is not None else view.write_roles)


class StaffOnly(permissions.BasePermission):
    """Active staff members of a clinic (admin, therapist, medical); not patients, not
    back-office superusers without a staff record. Guards the API schema and its docs,
    which map every endpoint and field of the system."""

    message = "Only clinic staff can read this."

    def has_permission(self, request, view):
        actor = actor_for(request.user)
        return actor is not None and actor.role in STAFF_ROLES


class ScopedMixin:
    """Scopes the queryset to the requesting user and names in the audit what it serves."""

    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = frozenset({ADMIN})
    action_roles: dict = {}
    read_action_roles: dict = {}
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
        audit_access(obj)
        return obj

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        self._audited_serializers = [*getattr(self, "_audited_serializers", []), serializer]
        return serializer

    def finalize_response(self, request, response, *args, **kwargs):
        # By now a create or update has set its serializer's instance; a list's serializer
        # holds the page (already loaded, so naming it costs no query).
        for serializer in getattr(self, "_audited_serializers", []):
            if getattr(serializer, "instance", None) is None:
                continue
            instance = serializer.instance
            audit_records(instance if getattr(serializer, "many", False) else [instance])
        return super().finalize_response(request, response, *args, **kwargs)


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


class IdField(serializers.IntegerField):
    """A record's id in a request body: a whole number in 1..2^63-1, else a 400. An id out of
    the database's range never reaches a query (SQLite raises on it instead of finding
    nothing)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
