"""Every text a user or partner can type has a length limit: in the form, in the API's
request schema and on the model. The walks below fail when a new field comes without one."""

import importlib
import inspect
import pkgutil

from django import forms
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models
from drf_spectacular.generators import SchemaGenerator

APPS = ("tickets", "callbacks", "dispatch", "engineers", "kpis", "proactive", "spareparts")
# Written by the system alone (message bodies it composes, queue diagnostics).
SYSTEM_TEXT = {
    ("tickets", "OutboundMessage", "body"),
    ("tickets", "SlaNotification", "body"),
    ("dispatch", "QueueEntry", "detail"),
}


def _project_classes(base):
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if any(part in info.name for part in (".migrations", ".management", "demo")):
                continue
            module = importlib.import_module(info.name)
            for obj in vars(module).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, base)
                    and obj.__module__ == module.__name__
                ):
                    yield obj


def test_every_text_field_of_every_form_has_a_max_length():
    missing = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _project_classes(forms.BaseForm)
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.CharField) and not field.max_length
    ]
    assert missing == []


def _strings_without_max_length(schema, components, path, seen):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _strings_without_max_length(components[name], components, path, seen | {name})
    found = []
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            found += _strings_without_max_length(sub, components, path, seen)
    if schema.get("type") == "string" and not (
        "maxLength" in schema or "enum" in schema or "format" in schema
    ):
        found.append(path)
    for name, prop in schema.get("properties", {}).items():
        if not prop.get("readOnly"):
            found += _strings_without_max_length(prop, components, f"{path}.{name}", seen)
    if "items" in schema:
        found += _strings_without_max_length(schema["items"], components, f"{path}[]", seen)
    return found


def test_every_string_of_every_api_request_body_has_a_max_length():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    missing = []
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                missing += _strings_without_max_length(
                    media["schema"], components, f"{method.upper()} {url}", frozenset()
                )
    assert sorted(set(missing)) == []


def test_every_free_text_column_is_bounded_on_the_model():
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.TextField) or not field.editable:
                continue
            if (model._meta.app_label, model.__name__, field.name) in SYSTEM_TEXT:
                continue
            validated = any(
                isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length
                for v in field.validators
            )
            if not (field.max_length and validated):
                missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []
