from decimal import Decimal

from django.db import migrations

# Demo catalogue: a few originals and certified alternatives per category.
PARTS = [
    ("HR-FR-TH01", "冰箱温控器 Thermostat", "fridge", ["BCD-*"], True, "68.00", 12),
    ("HR-FR-FAN02", "冰箱风扇电机 Fan motor", "fridge", ["BCD-*"], True, "135.00", 12),
    ("HR-FR-CMP10", "冰箱压缩机 Compressor", "fridge", ["BCD-*"], True, "780.00", 120),
    ("AL-FR-TH01", "冰箱温控器（认证替代件）Thermostat, certified alternative", "fridge", [], False, "45.00", 6),
    ("HR-FR-SEAL", "冰箱门封条 Door seal", "fridge", [], True, "88.00", 12),
    ("GR-AC-CAP35", "空调电容 35µF Capacitor", "ac", ["KFR-*"], True, "38.00", 12),
    ("GR-AC-MB20", "空调主板 Main board", "ac", ["KFR-*"], True, "420.00", 24),
    ("AL-AC-CAP35", "空调电容（认证替代件）Capacitor, certified alternative", "ac", [], False, "25.00", 6),
    ("HR-WM-PUMP", "洗衣机排水泵 Drain pump", "washer", ["XQG-*", "EG*"], True, "150.00", 12),
    ("HR-WM-BELT", "洗衣机皮带 Drive belt", "washer", [], True, "45.00", 12),
    ("HR-WH-EL15", "热水器加热管 Heating element", "water_heater", ["ES*"], True, "160.00", 24),
    ("HR-WH-ANODE", "热水器镁棒 Anode rod", "water_heater", [], True, "60.00", 12),
    ("HS-TV-PWR", "电视电源板 Power board", "tv", [], True, "260.00", 12),
]


def seed(apps, schema_editor):
    Part = apps.get_model("spareparts", "Part")
    for sku, name, category, models_, original, price, months in PARTS:
        Part.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "category": category,
                "compatible_models": models_,
                "is_original": original,
                "price": Decimal(price),
                "warranty_months": months,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("spareparts", "0001_catalogue_and_usage")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
