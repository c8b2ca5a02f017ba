from decimal import Decimal

from django.db import migrations

# (position, name, purpose, warranty, max unit price, max quantity, min level, decision)
RULES = [
    (10, "Cheap parts for an in-warranty job", "job", "in", "200.00", 2, None, "approve"),
    (20, "Senior engineers, one part up to 1000", "job", "any", "1000.00", 1, 3, "approve"),
    (30, "Out-of-warranty job, the customer pays", "job", "out", "500.00", 2, None, "approve"),
    (40, "Small van refill", "refill", "any", "100.00", 5, None, "approve"),
]

# Hours in transit per hop, by the kinds of its two ends.
ROUTES = [
    ("central", "regional", 48),
    ("central", "store", 72),
    ("central", "van", 72),
    ("regional", "store", 24),
    ("regional", "van", 24),
    ("store", "van", 2),
    ("store", "store", 24),
    ("van", "store", 2),
    ("van", "van", 4),
    ("store", "regional", 24),
    ("regional", "central", 48),
]


def seed(apps, schema_editor):
    ApprovalRule = apps.get_model("spareparts", "ApprovalRule")
    TransferRoute = apps.get_model("spareparts", "TransferRoute")
    if not ApprovalRule.objects.exists():
        for position, name, purpose, warranty, price, qty, level, decision in RULES:
            ApprovalRule.objects.create(
                position=position,
                name=name,
                purpose=purpose,
                warranty=warranty,
                max_unit_price=Decimal(price) if price else None,
                max_quantity=qty,
                min_engineer_level=level,
                decision=decision,
            )
    for from_kind, to_kind, hours in ROUTES:
        TransferRoute.objects.get_or_create(
            from_kind=from_kind, to_kind=to_kind, defaults={"hours": hours}
        )


class Migration(migrations.Migration):
    dependencies = [("spareparts", "0003_locations_stock_ledger_requests")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
