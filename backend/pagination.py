"""API pagination: a page size the client may choose within a cap, and keyset (cursor)
pages for the long lists.

- `PagePagination` (the default): numbered pages with `count`, for lists that stay short
  (patients, plans, rooms, superbills …). `?page_size=` up to `MAX_PAGE_SIZE`.
- `KeysetPagination` for the lists that grow with a clinic's history (sessions, notes,
  charges, reminders, ledger entries): DRF's cursor pagination. No `COUNT(*)` and no
  `OFFSET n` over the whole history: a page is `WHERE key > last seen ORDER BY key, id
  LIMIT n`, served by the list's index, as fast on the last page as on the first. The
  order always ends with the primary key, so rows with the same key (two sessions at
  09:00) never repeat or vanish between pages. The response is `{next, previous,
  results}`; follow `next` (an opaque `?cursor=`) to the end.
"""

from rest_framework.pagination import CursorPagination, PageNumberPagination

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class PagePagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class KeysetPagination(CursorPagination):
    """Cursor pages in the view's `ordering` (or the client's `?ordering=` among the view's
    `ordering_fields`, each a non-null column), the primary key added as the tiebreak."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_ordering(self, request, queryset, view):
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            descending = ordering[0].startswith("-") if ordering else False
            ordering = (*ordering, "-id" if descending else "id")
        return ordering
