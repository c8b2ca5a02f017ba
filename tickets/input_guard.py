"""Input no page or endpoint should ever see: NUL and other control characters (PostgreSQL
refuses NUL in text, which surfaced as a 500) and JSON nested deeper than any real request.

Pages get a 400 in the product's look naming the field; the API gets the usual error shape
naming the field (tickets.api_errors)."""

import re

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# Tab, line feed and carriage return are text; the other C0 controls and DEL are not.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_JSON_DEPTH = 20
API_PREFIX = "/api/"


def bad_field(params) -> str | None:
    """The first field (name or value) that carries a control character."""
    for key in params:
        if CONTROL.search(key):
            return key
        for value in params.getlist(key):
            if isinstance(value, str) and CONTROL.search(value):
                return key
    return None


class RefuseControlCharactersMiddleware:
    """Checks the path, the query string and, on pages, the form fields. API bodies are
    checked by `GuardedJSONParser` (reading an API request's form here would consume it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = None
        if CONTROL.search(request.path):
            field = "path"
        else:
            field = bad_field(request.GET)
            if (
                field is None
                and request.method == "POST"
                and not request.path.startswith(API_PREFIX)
            ):
                field = bad_field(request.POST)
        if field is None:
            return self.get_response(request)
        message = _("%(field)s contains a control character that is not allowed.") % {
            "field": field
        }
        if request.path.startswith(API_PREFIX):
            return JsonResponse(
                {"error": {"code": "invalid", "message": message, "fields": {field: [message]}}},
                status=400,
            )
        return render(request, "400.html", {"message": message}, status=400)


def _check(value, path: str, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise exceptions.ParseError(
            _("JSON nested deeper than %(limit)s levels is not accepted.")
            % {"limit": MAX_JSON_DEPTH}
        )
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if CONTROL.search(str(key)):
                raise _control(name)
            _check(item, name, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}.{index}" if path else str(index), depth + 1)
    elif isinstance(value, str) and CONTROL.search(value):
        raise _control(path or "non_field_errors")


def _control(name: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [_("Control characters are not allowed.")]})


class GuardedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check(data, "", 0)
        return data
