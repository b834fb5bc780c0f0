"""Fetching one object the requester may see, in one place.

Every lookup of a single clinic-owned object named by the requester (a URL's pk, a form's
or a request body's id) goes through `visible_to(user)` here. A row that does not exist and
a row out of reach answer the same 404 with the same words, so an id never tells anyone
whether another clinic's or another patient's record exists.
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework import exceptions, serializers

from backend.audit import audit_access


def _queryset(model_or_queryset) -> QuerySet:
    if isinstance(model_or_queryset, QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


def get_visible_or_404(model_or_queryset: type[Model] | QuerySet, *, user, **lookup):
    """The one object matching `lookup` among those `user` may see, else Http404.

    Pass a model or an unscoped queryset (to add `select_related` or a narrower filter);
    scoping is applied here. A malformed id (not a number) is a 404 too.
    """
    queryset = _queryset(model_or_queryset).visible_to(user)
    try:
        obj = queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404(f"No {queryset.model._meta.verbose_name} found.") from None
    audit_access(obj)
    return obj


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key the requester must be able to see, for request bodies.

    Give it the unscoped queryset (`queryset=Patient.objects.all()`); it is narrowed to
    `visible_to(request.user)` for each request (to nothing without a request). A missing
    id and an id out of reach both answer 404 "Not found." (as a URL would), never a
    "does not exist" that only a missing row would get. With `not_found_is_404 = False`
    both are the same 400 field error instead (for endpoints whose contract is a 400).
    """

    not_found_is_404 = True

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.visible_to(request.user)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return self.get_queryset().get(pk=data)
        except ObjectDoesNotExist:
            if self.not_found_is_404:
                raise exceptions.NotFound() from None
            self.fail("does_not_exist", pk_value=data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
