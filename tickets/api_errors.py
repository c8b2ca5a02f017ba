"""One JSON error shape for the whole API:

{"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            else:
                out[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["fields"] = {exc.field: [exc.message]}
        return Response({"error": body}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = {
            "error": {
                "code": "invalid",
                "message": _("The request has invalid fields."),
                "fields": fields,
            }
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": {"code": code, "message": str(detail)}}
    return response


def page_not_found(request, exception):
    """An unknown URL under /api/ answers in the API's error shape, not as the HTML page."""
    from django.http import JsonResponse
    from django.views import defaults

    if request.path.startswith("/api/"):
        body = {"error": {"code": "not_found", "message": "Not found."}}
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """A request Django itself refuses (too many fields, a broken multipart body) under
    /api/ answers in the API's error shape too."""
    from django.http import JsonResponse
    from django.views import defaults

    if request.path.startswith("/api/"):
        body = {"error": {"code": "invalid", "message": "The request could not be read."}}
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


# The error answers any operation may give besides its own (authentication, permission,
# validation, a missing object, a conflict, the rate limit): declared on every operation of
# the schema so that clients, and the contract test, know them.
STANDARD_ERRORS = {
    "400": "Invalid input: `error.fields` names each field.",
    "401": "No or an invalid token.",
    "403": "The token's role may not do this.",
    "404": "Not found (or not yours).",
    "409": "Conflicts with the current state.",
    "422": "Understood but refused by a business rule.",
    "429": "Rate limit: retry after `Retry-After` seconds.",
}


def declare_standard_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: add STANDARD_ERRORS where not declared."""
    ref = {"$ref": "#/components/schemas/ErrorOutput"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in STANDARD_ERRORS.items():
                operation["responses"].setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
