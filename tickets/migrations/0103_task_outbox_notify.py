"""A committed transaction that queued tasks wakes the relay (tickets.taskqueue)."""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION tickets_task_outbox_notify() RETURNS trigger AS $$
    BEGIN
        PERFORM pg_notify('task_outbox', '');
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER tickets_taskoutbox_notify AFTER INSERT ON tickets_taskoutbox "
    "FOR EACH STATEMENT EXECUTE FUNCTION tickets_task_outbox_notify();",
]
DROP = [
    "DROP TRIGGER IF EXISTS tickets_taskoutbox_notify ON tickets_taskoutbox;",
    "DROP FUNCTION IF EXISTS tickets_task_outbox_notify();",
]


class Migration(migrations.Migration):
    dependencies = [("tickets", "0102_masterdata_generation")]

    operations = [migrations.RunSQL(sql=CREATE, reverse_sql=DROP)]
