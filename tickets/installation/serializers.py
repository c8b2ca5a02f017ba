"""Input of the delivery endpoint (POST /api/v1/deliveries/): everything that can be
checked before a write is checked here, so a bad request names every bad field."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets.choices import ApplianceCategory
from tickets.serializers import TicketCreateInput

from .models import DeliveryLine

MAX_PRODUCTS = 10
# A delivery announced ahead (booked with the retailer) may be dated in the near future.
MAX_DAYS_AHEAD = 60
MAX_DAYS_BACK = 365


class DeliveredProductInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=ApplianceCategory.choices)
    model = serializers.CharField(max_length=64, help_text=_("Model code, e.g. KFR-35GW/NhGd1B"))
    quantity = serializers.IntegerField(min_value=1, max_value=DeliveryLine.MAX_QUANTITY)


class DeliveryCreateInput(serializers.Serializer):
    order_number = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9_./-]*$",
        max_length=64,
        help_text=_("The retailer's order number: one installation ticket per order"),
        error_messages={"invalid": _("Use letters, digits and - _ . / only.")},
    )
    delivery_date = serializers.DateField()
    products = DeliveredProductInput(many=True)
    customer_name = serializers.CharField(max_length=100)
    mobile = serializers.CharField(max_length=32)
    address_line = serializers.CharField(max_length=255)
    area_code = serializers.CharField(max_length=32)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    brand = serializers.CharField(max_length=50)
    purchase_date = serializers.DateField(
        required=False, allow_null=True, help_text=_("Defaults to the delivery date")
    )
    preferred_start = serializers.DateTimeField(required=False, allow_null=True)
    preferred_end = serializers.DateTimeField(required=False, allow_null=True)

    validate_mobile = TicketCreateInput.validate_mobile
    validate_area_code = TicketCreateInput.validate_area_code
    validate_purchase_date = TicketCreateInput.validate_purchase_date

    def validate_products(self, value):
        if not value:
            raise serializers.ValidationError(_("List at least one delivered product."))
        if len(value) > MAX_PRODUCTS:
            raise serializers.ValidationError(
                _("At most %(n)d products per delivery.") % {"n": MAX_PRODUCTS}
            )
        return value

    def validate_delivery_date(self, value):
        today = timezone.localdate()
        if value > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise serializers.ValidationError(
                _("The delivery date is more than %(n)d days ahead.") % {"n": MAX_DAYS_AHEAD}
            )
        if value < today - dt.timedelta(days=MAX_DAYS_BACK):
            raise serializers.ValidationError(_("The delivery date is more than a year ago."))
        return value

    def validate(self, attrs):
        start, end = attrs.get("preferred_start"), attrs.get("preferred_end")
        if (start is None) != (end is None):
            field = "preferred_end" if end is None else "preferred_start"
            raise serializers.ValidationError(
                {field: [_("Give both ends of the preferred window.")]}
            )
        if start and end <= start:
            raise serializers.ValidationError(
                {"preferred_end": [_("The window must end after it starts.")]}
            )
        delivered = attrs.get("delivery_date")
        if start and delivered and timezone.localtime(start).date() < delivered:
            raise serializers.ValidationError(
                {"preferred_start": [_("The installation window starts after the delivery.")]}
            )
        return attrs
