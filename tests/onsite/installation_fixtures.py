"""An air-conditioner installation raised by a retailer's delivery, scheduled for bob."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tickets import intake
from tickets.installation.services import intake_from_delivery
from tickets.models import FeeItem, ServiceArea

from .conftest import assign_and_schedule

INDOOR, OUTDOOR = "KFR-35GW/IN", "KFR-35W/OUT"


def materials_schedule():
    FeeItem.objects.get_or_create(
        kind="material",
        material_code="copper_pipe",
        service_type_id="installation",
        category="ac",
        defaults={
            "name_zh_hans": "铜管",
            "name_en": "Copper pipe",
            "unit": "m",
            "free_allowance": 3,
            "amount": Decimal("60.00"),
        },
    )
    FeeItem.objects.get_or_create(
        kind="material",
        material_code="bracket",
        service_type_id="installation",
        category="",
        defaults={
            "name_zh_hans": "外机支架",
            "name_en": "Outdoor unit bracket",
            "unit": "piece",
            "free_allowance": 0,
            "amount": Decimal("150.00"),
        },
    )


def delivered_installation(partner, engineer, *, order="JD-1", mobile="+8613900139000", on=None):
    area = ServiceArea.objects.filter(code="QD-SN").first()
    if area is None:
        from tests.factories import ServiceAreaFactory

        area = ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")
    on = on or timezone.localdate() - dt.timedelta(days=1)
    data = {
        "order_number": order,
        "delivery_date": on,
        "products": [
            {"category": "ac", "model": INDOOR, "quantity": 1},
            {"category": "ac", "model": OUTDOOR, "quantity": 1},
        ],
        "customer_name": "Zhao Lei",
        "mobile": mobile,
        "address_line": "8 Minjiang Road",
        "area_code": area,
        "lat": 36.07,
        "lng": 120.38,
        "brand": "Gree",
    }
    result = intake.intake_atomic(
        lambda retrying: intake_from_delivery(data=data, actor=partner, retrying=retrying)
    )
    return assign_and_schedule(result.ticket, engineer)
