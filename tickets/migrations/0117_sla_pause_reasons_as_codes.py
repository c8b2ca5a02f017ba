"""Pause reasons the system wrote as words (in whichever language the worker ran) become
codes, put into the reader's words when shown (tickets.timeline.stored_reason_text)."""

from django.db import migrations

WORDS = {
    "waiting_for_parts": ("Waiting for parts", "待备件"),
    "customer_postponed": ("Customer asked for a later date", "客户要求改期"),
}


def forwards(apps, schema_editor):
    SlaClock = apps.get_model("tickets", "SlaClock")
    for code, words in WORDS.items():
        SlaClock.objects.filter(pause_reason__in=words).update(pause_reason=code)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0116_service_report_file")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
