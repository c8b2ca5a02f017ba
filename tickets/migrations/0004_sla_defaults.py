import datetime as dt
from decimal import Decimal

from django.db import migrations

H = 60
# kind -> minutes, per priority; arrival depends on the area type too.
COMMON = {
    "accept": 10,
    "contact": 30,
    "check_back": 30,
    "callback": 48 * H,
    "complaint_response": 24 * H,
    "complaint_resolution": 72 * H,
}
ARRIVAL = {
    ("emergency", "urban"): 2 * H,
    ("emergency", "rural"): 2 * H,
    ("normal", "urban"): 4 * H,
    ("normal", "rural"): 24 * H,
    # An appointment is due at the end of its booked window; this is the fallback.
    ("appointment", "urban"): 4 * H,
    ("appointment", "rural"): 24 * H,
}
COMPLETION = {"emergency": 24 * H, "normal": 48 * H, "appointment": 48 * H}
NAMES = {
    ("emergency", "urban"): "Emergency, urban",
    ("emergency", "rural"): "Emergency, rural",
    ("normal", "urban"): "Normal, urban",
    ("normal", "rural"): "Normal, rural",
    ("appointment", "urban"): "Appointment, urban",
    ("appointment", "rural"): "Appointment, rural",
}
LEVELS = [(1, "dispatcher", 0), (2, "supervisor", 30), (3, "admin", 120)]


def seed(apps, schema_editor):
    Calendar = apps.get_model("tickets", "ServiceCalendar")
    Hours = apps.get_model("tickets", "ServiceHours")
    Policy = apps.get_model("tickets", "SlaPolicy")
    Target = apps.get_model("tickets", "SlaTarget")
    Level = apps.get_model("tickets", "EscalationLevel")
    calendar, created = Calendar.objects.get_or_create(
        name="Service hours", defaults={"time_zone": "Asia/Shanghai", "is_default": True}
    )
    if created:
        for weekday in range(7):  # every day, with a lunch break: a split shift
            Hours.objects.create(
                calendar=calendar, weekday=weekday, start=dt.time(8), end=dt.time(12)
            )
            Hours.objects.create(
                calendar=calendar, weekday=weekday, start=dt.time(13), end=dt.time(20)
            )
    for (priority, area_type), name in NAMES.items():
        policy, created = Policy.objects.get_or_create(
            priority=priority,
            area_type=area_type,
            defaults={
                "name": name,
                "calendar": calendar,
                "warn_ratio": Decimal("0.75"),
                "late_compensation_cny": Decimal("50") if priority != "appointment" else Decimal("30"),
            },
        )
        if not created:
            continue
        targets = dict(COMMON)
        targets["arrival"] = ARRIVAL[(priority, area_type)]
        targets["completion"] = COMPLETION[priority]
        for kind, minutes in targets.items():
            # Everything counts around the clock: the trade's promises are in wall time.
            # Supervisors may switch a target to service hours in the admin.
            Target.objects.create(policy=policy, kind=kind, minutes=minutes)
        for level, role, delay in LEVELS:
            Level.objects.create(policy=policy, level=level, role=role, delay_minutes=delay)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_sla")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
