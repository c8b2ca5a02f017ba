"""A part request looks its SKU up first: the catalogue is cached per process
(tickets.masterdata) like the approval table, and a change to it bumps the master-data
generation."""

from django.db import migrations

TABLES = ("spareparts_part",)


class Migration(migrations.Migration):
    dependencies = [
        ("spareparts", "0007_receipt_request_key"),
        ("tickets", "0102_masterdata_generation"),
    ]

    operations = [
        migrations.RunSQL(
            [
                f"CREATE TRIGGER {t}_masterdata_bump AFTER INSERT OR UPDATE OR DELETE OR "
                f"TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION tickets_masterdata_bump();"
                for t in TABLES
            ],
            [f"DROP TRIGGER IF EXISTS {t}_masterdata_bump ON {t};" for t in TABLES],
        )
    ]
