from django.db import migrations


class Migration(migrations.Migration):
    """The policy's SMS link setting is read by every intake: cached per process with the
    master data (tickets.masterdata), whose generation this trigger bumps on a change."""

    dependencies = [
        ("callbacks", "0002_complaints"),
        ("tickets", "0102_masterdata_generation"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE TRIGGER callbacks_callbackpolicy_masterdata_bump AFTER INSERT OR UPDATE "
            "OR DELETE OR TRUNCATE ON callbacks_callbackpolicy "
            "FOR EACH STATEMENT EXECUTE FUNCTION tickets_masterdata_bump();",
            reverse_sql="DROP TRIGGER IF EXISTS callbacks_callbackpolicy_masterdata_bump "
            "ON callbacks_callbackpolicy;",
        ),
    ]
