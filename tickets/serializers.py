"""Input and output serializers of the intake API (tickets/api.py).

Inputs validate everything that can be checked before a write (phone number, area code,
dates, choices), so a bad request is refused with every bad field named and nothing stored.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .booking import booking_window_check
from .choices import ApplianceCategory, Channel, FaultClass, Priority, PurchaseChannel
from .errors import DomainError
from .lifecycle import Status

# Channels a partner system may create tickets for (the hotline is the agents' console;
# IoT alarms have their own endpoint).
API_CHANNELS = [Channel.WEB, Channel.PARTNER_API, Channel.STORE]


class TicketCreateInput(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in API_CHANNELS], default=Channel.PARTNER_API
    )
    service_type = serializers.CharField(
        max_length=30,
        default="repair",
        help_text=_(
            "Service type code: repair, installation, maintenance, inspection, "
            "return_assessment (or another type the operator defined)"
        ),
    )
    customer_name = serializers.CharField(max_length=100)
    mobile = serializers.CharField(
        max_length=32, help_text=_("Chinese mobile number, e.g. 13812345678 or +8613812345678")
    )
    address_line = serializers.CharField(max_length=255)
    area_code = serializers.CharField(max_length=32, help_text=_("Service area code, e.g. QD-SN"))
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    category = serializers.ChoiceField(choices=ApplianceCategory.choices)
    brand = serializers.CharField(max_length=50)
    model = serializers.CharField(max_length=64)
    serial_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    purchase_date = serializers.DateField(required=False, allow_null=True)
    purchase_channel = serializers.ChoiceField(
        choices=PurchaseChannel.choices, default=PurchaseChannel.STORE
    )
    fault_description = serializers.CharField(max_length=2000)
    fault_class = serializers.ChoiceField(choices=FaultClass.choices, default=FaultClass.STANDARD)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    preferred_start = serializers.DateTimeField(required=False, allow_null=True)
    preferred_end = serializers.DateTimeField(required=False, allow_null=True)

    def validate_mobile(self, value):
        from .services import phone_normalize

        try:
            return phone_normalize(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from None

    def validate_service_type(self, value):
        from .masterdata import service_type

        kind = service_type(value.strip())
        if kind is None or not kind.active:
            raise serializers.ValidationError(_("Unknown service type."))
        return kind.code

    def validate_area_code(self, value):
        from .masterdata import area_by_code

        area = area_by_code(value.strip())
        if area is None:
            raise serializers.ValidationError(_("Unknown service area."))
        return area

    def validate_purchase_date(self, value):
        from .services import purchase_date_check

        try:
            purchase_date_check(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from None
        return value

    def validate(self, attrs):
        start, end = attrs.get("preferred_start"), attrs.get("preferred_end")
        if (start is None) != (end is None):
            field = "preferred_end" if end is None else "preferred_start"
            raise serializers.ValidationError(
                {field: [_("Give both ends of the preferred window.")]}
            )
        if start:
            try:
                booking_window_check(
                    start, end, start_field="preferred_start", end_field="preferred_end"
                )
            except DomainError as exc:
                raise serializers.ValidationError({exc.field: [exc.message]}) from None
        if attrs.get("priority") == Priority.APPOINTMENT and start is None:
            raise serializers.ValidationError(
                {"preferred_start": [_("An appointment needs the customer's preferred window.")]}
            )
        return attrs


class AlarmCreateInput(serializers.Serializer):
    serial_number = serializers.CharField(max_length=64)
    fault_code = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        max_length=32,
        error_messages={"invalid": _("Use letters, digits and - _ . : only.")},
    )
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class WindowOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class TicketStatusOutput(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    service_type = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    in_warranty = serializers.BooleanField(
        allow_null=True,
        help_text=_("The warranty verdict; null when the appliance was not registered by you"),
    )
    fee_estimate = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text=_("CNY, when out of warranty (null as for in_warranty)"),
    )
    possible_duplicate = serializers.BooleanField(
        help_text=_("Opened while the appliance had another open ticket: an agent will check")
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    preferred_window = WindowOutput(allow_null=True)
    booked_window = WindowOutput(allow_null=True)
    tracking_url = serializers.URLField(help_text=_("The customer's private progress link"))


class ErrorDetail(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class ErrorOutput(serializers.Serializer):
    error = ErrorDetail()
