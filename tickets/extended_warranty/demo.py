"""Demo extended warranty (延保): three products and one contract sold from the console
on a young air conditioner, paid. Idempotent."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from tickets.choices import ApplianceCategory as C
from tickets.models import Appliance

from .models import ExtendedWarrantyContract, ExtendedWarrantyProduct
from .services import contract_sell

PRODUCTS = [
    # code, zh, en, price, coverage, components, years, starts, categories, max age (months)
    (
        "ac-3y",
        "空调整机延保3年",
        "Air conditioner whole unit +3 years",
        "399.00",
        "whole_unit",
        [],
        3,
        "base_end",
        [C.AIR_CONDITIONER],
        12,
    ),
    (
        "fridge-2y",
        "冰箱整机延保2年",
        "Fridge whole unit +2 years",
        "199.00",
        "whole_unit",
        [],
        2,
        "base_end",
        [C.FRIDGE],
        11,
    ),
    (
        "board-1y",
        "主板保1年",
        "Main board cover 1 year",
        "99.00",
        "components",
        ["main_board"],
        1,
        "sale",
        [C.FRIDGE, C.WASHER, C.TV],
        60,
    ),
]


def build(stdout):
    for code, zh, en, price, coverage, parts, years, starts, cats, age in PRODUCTS:
        ExtendedWarrantyProduct.objects.get_or_create(
            code=code,
            defaults=dict(
                name_zh_hans=zh,
                name_en=en,
                price=Decimal(price),
                coverage=coverage,
                components=parts,
                years=years,
                starts_from=starts,
                categories=cats,
                max_age_months=age,
            ),
        )
    if ExtendedWarrantyContract.objects.exists():
        stdout.write("Extended warranty: already loaded.")
        return
    agent = get_user_model().objects.get(username="agent")
    recent = timezone.localdate() - dt.timedelta(days=300)
    appliance = (
        Appliance.objects.filter(
            category=C.AIR_CONDITIONER, state="in_use", purchase_date__gte=recent
        )
        .order_by("id")
        .first()
    )
    if appliance is None:
        stdout.write("Extended warranty: no young air conditioner in the demo.")
        return
    contract = contract_sell(
        appliance=appliance,
        product=ExtendedWarrantyProduct.objects.get(code="ac-3y"),
        actor=agent,
        channel="console",
        paid=True,
        payment_reference="WX-DEMO-0001",
    )
    stdout.write(
        f"Extended warranty: certificate {contract.certificate_number} on "
        f"{appliance.customer.name}'s air conditioner."
    )
