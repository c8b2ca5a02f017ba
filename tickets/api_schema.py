"""The schema generator of the whole API: drf-spectacular's, plus `minLength: 1` on every
text field that refuses an empty string (DRF's default), so that clients and the contract
test know an empty value gets 400."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ApiSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, (serializers.CharField, serializers.ChoiceField))
            and not field.allow_blank
            and schema.get("type") == "string"
            and "minLength" not in schema
        ):
            # A copy: an extend_schema_field dict is shared by every field of its class.
            schema = {**schema, "minLength": max(getattr(field, "min_length", None) or 0, 1)}
        return schema
