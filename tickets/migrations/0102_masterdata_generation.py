"""The master-data generation counter and the triggers that bump it (tickets.masterdata)."""

from django.db import migrations, models

# As tickets.masterdata had them when this migration was written (a later change to the
# watched tables gets a migration of its own; tests check that every one has its trigger).
WATCHED_TABLES = (
    "tickets_servicearea",
    "tickets_slapolicy",
    "tickets_slatarget",
    "tickets_servicecalendar",
    "tickets_servicehours",
    "tickets_holiday",
    "tickets_warrantypolicy",
    "tickets_warrantycomponentterm",
    "tickets_feeitem",
    "authtoken_token",
    "auth_user_groups",
    "auth_group",
)
WATCHED_USER_COLUMNS = ("is_active", "is_superuser", "username")

BUMP_FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_masterdata_bump() RETURNS trigger AS $$
BEGIN
    -- An upsert: a flushed table (manage.py flush, a test's truncate) still counts.
    INSERT INTO tickets_masterdatageneration (id, value) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET value = tickets_masterdatageneration.value + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _trigger(table: str, events: str) -> str:
    return (
        f"CREATE TRIGGER {table}_masterdata_bump AFTER {events} ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION tickets_masterdata_bump();"
    )


CREATE = [
    "INSERT INTO tickets_masterdatageneration (id, value) VALUES (1, 0) ON CONFLICT DO NOTHING;",
    BUMP_FUNCTION,
    *(_trigger(t, "INSERT OR UPDATE OR DELETE OR TRUNCATE") for t in WATCHED_TABLES),
    _trigger("auth_user", f"UPDATE OF {', '.join(WATCHED_USER_COLUMNS)} OR DELETE OR TRUNCATE"),
]
DROP = [
    *(f"DROP TRIGGER IF EXISTS {t}_masterdata_bump ON {t};" for t in WATCHED_TABLES),
    "DROP TRIGGER IF EXISTS auth_user_masterdata_bump ON auth_user;",
    "DROP FUNCTION IF EXISTS tickets_masterdata_bump();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0101_onsite_check_in_review"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="MasterDataGeneration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "master data generation"},
        ),
        migrations.RunSQL(sql=CREATE, reverse_sql=DROP),
    ]
