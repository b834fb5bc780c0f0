"""The API's query-string filters, scoped like everything else.

django-filter makes a `ModelChoiceFilter` for every foreign key in `filterset_fields`, over
all rows of the related model. Filtering by another clinic's id was then a valid choice (an
empty list) while a missing id was a 400 "Select a valid choice": a way to learn that a row
exists. Here each such filter chooses among the rows the requester may see
(`visible_to(user)`), so a missing id and an id out of reach answer the same 400.
"""

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend

# The largest id a database column holds (PostgreSQL bigint; SQLite's INTEGER).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A filter by a row's id: a whole number the database can hold, or a 400.

    `NumberFilter` reads a decimal, so `-3.6e+29` reached the query and SQLite raised an
    overflow (a 500); an id is a positive integer of at most 64 bits.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def scope_model_filters(filterset, request) -> None:
    """Narrow every model-choice filter of `filterset` to what `request.user` may see."""
    user = getattr(request, "user", None)
    for f in filterset.filters.values():
        if not isinstance(
            f, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter
        ):
            continue
        queryset = f.get_queryset(request)
        if hasattr(queryset, "visible_to"):
            f.queryset = queryset.visible_to(user)


class ScopedFilterBackend(DjangoFilterBackend):
    """`DjangoFilterBackend` whose model-choice filters see only what the requester may."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            scope_model_filters(filterset, request)
        return filterset
