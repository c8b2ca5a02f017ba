"""The approval table and the transfer routes are read on every part request: they are
cached per process (tickets.masterdata), and a change to them bumps the master-data
generation like the tables tickets watches."""

from django.db import migrations

TABLES = ("spareparts_approvalrule", "spareparts_transferroute")


class Migration(migrations.Migration):
    dependencies = [
        ("spareparts", "0005_old_part_returns"),
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
