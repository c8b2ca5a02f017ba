"""Why an assignment ended and why a job came back, once stored as the system's words (in
the language the worker ran), now a code (`end_code`, or a code in `returned_reason`) and
only what a person typed. Shown in the reader's words by tickets.timeline."""

from django.db import migrations

# EndCode labels in both languages: a take-back stored "label: what the dispatcher typed".
LABELS = {
    "declined": ("Declined by the engineer", "工程师拒单"),
    "vehicle_breakdown": ("Engineer's vehicle broke down", "工程师车辆故障"),
    "engineer_unavailable": ("Engineer unwell or unavailable", "工程师身体不适或无法出勤"),
    "engineer_unreachable": ("Engineer cannot be reached", "联系不上工程师"),
    "customer_request": ("Customer asked for another engineer", "客户要求更换工程师"),
    "reassigned": ("Reassigned by hand", "人工改派"),
    "other": ("Other reason", "其他原因"),
}
SLA_PREFIXES = ("SLA breached:", "时效超时：")


def _without_label(text: str, code: str) -> str:
    for label in LABELS.get(code, ()):
        if text == label:
            return ""
        if text.startswith(label + ": "):
            return text[len(label) + 2 :]
    return text


def forwards(apps, schema_editor):
    Assignment = apps.get_model("dispatch", "Assignment")
    QueueEntry = apps.get_model("dispatch", "QueueEntry")
    for prefix in SLA_PREFIXES:
        Assignment.objects.filter(end_reason__startswith=prefix).update(end_reason="")
        QueueEntry.objects.filter(returned_reason__startswith=prefix).update(
            returned_reason="sla_breached"
        )
    for a in Assignment.objects.filter(end_code__in=LABELS).exclude(end_reason="").iterator():
        kept = _without_label(a.end_reason, a.end_code)
        if kept != a.end_reason:
            Assignment.objects.filter(pk=a.pk).update(end_reason=kept)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0004_text_length_limits")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
