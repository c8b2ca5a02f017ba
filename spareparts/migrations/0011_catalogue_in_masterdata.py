"""A part request and a fitted part look their part up by SKU: the catalogue is cached per
process with the master data (tickets.masterdata), so a change to it (an import, an admin
edit, a bulk update) bumps the master-data generation like the other cached tables."""

from django.db import migrations

TABLE = "spareparts_part"


class Migration(migrations.Migration):
    dependencies = [
        ("spareparts", "0010_rule_names_in_chinese"),
        ("tickets", "0102_masterdata_generation"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE TRIGGER {TABLE}_masterdata_bump AFTER INSERT OR UPDATE OR DELETE OR "
            f"TRUNCATE ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION tickets_masterdata_bump();",
            f"DROP TRIGGER IF EXISTS {TABLE}_masterdata_bump ON {TABLE};",
        )
    ]
