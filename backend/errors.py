"""One error shape for the whole system.

Services raise `DomainError` subclasses (from each app's `errors.py`) with a stable `code`
and a message a person can act on. `api_exception_handler` turns them, Django's
`ValidationError` and DRF's own errors into one JSON shape:

    {"code": "slot_taken", "detail": "Room 2 is booked 10:00–11:00.", "fields": {...}}

Web views catch `DomainError` and show the same message; a page that answers JSON
uses `error_response`, built on the same `refusal_body`.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule refused the request; nothing was changed."""

    code = "rule_broken"
    status_code = status.HTTP_409_CONFLICT

    def __init__(self, message: str, *, code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class InvalidInput(DomainError):
    """Input that can never be accepted as given (400), as opposed to a conflict (409)."""

    code = "invalid"
    status_code = status.HTTP_400_BAD_REQUEST


def validation_error_fields(error: DjangoValidationError) -> dict[str, list[str]]:
    """Flatten a Django ValidationError into {field: [messages]} ("__all__" for non-field)."""
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}


def refusal_from(exc: DjangoValidationError, error: type[DomainError] = InvalidInput):
    """A model's ValidationError as a DomainError (400 for InvalidInput) naming each field's
    first problem, with every message under `extra["fields"]` for forms and the API."""
    fields = validation_error_fields(exc)
    detail = "; ".join(
        messages[0] if name == "__all__" else f"{name}: {messages[0]}"
        for name, messages in fields.items()
        if messages
    )
    return error(detail, extra={"fields": fields})


def full_clean_or_refuse(instance, error: type[DomainError] = InvalidInput) -> None:
    """Run the model's validation; a failure is refused as `refusal_from` says. The caller
    saves only after this returns."""
    try:
        instance.full_clean()
    except DjangoValidationError as exc:
        raise refusal_from(exc, error) from exc


def _first_message(fields: dict) -> str:
    for field, messages in fields.items():
        if messages:
            first = messages[0] if isinstance(messages, list) else messages
            if isinstance(first, dict):
                return _first_message(first)
            return str(first) if field in ("__all__", "non_field_errors") else f"{field}: {first}"
    return "The request is not valid."


def refusal_body(exc: DomainError | DjangoValidationError) -> tuple[dict, int]:
    """The one error shape, and its status, for a refusal: a DomainError or a model's
    validation. The API's handler and the pages that answer JSON both build it here."""
    if isinstance(exc, DomainError):
        return {"code": exc.code, "detail": exc.message, "fields": {}, **exc.extra}, (
            exc.status_code
        )
    fields = validation_error_fields(exc)
    body = {"code": "invalid", "detail": _first_message(fields), "fields": fields}
    return body, status.HTTP_400_BAD_REQUEST


def error_response(exc: DomainError | DjangoValidationError) -> JsonResponse:
    """A refusal as JSON for a page's script (outside DRF), in the API's shape."""
    body, code = refusal_body(exc)
    return JsonResponse(body, status=code)


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError | DjangoValidationError):
        body, code = refusal_body(exc)
        return Response(body, status=code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"__all__": response.data}
        response.data = {"code": "invalid", "detail": _first_message(fields), "fields": fields}
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = {"code": getattr(detail, "code", "error"), "detail": str(detail)}
    return response
