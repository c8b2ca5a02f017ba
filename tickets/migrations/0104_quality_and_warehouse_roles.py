from django.db import migrations


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    quality, _ = Group.objects.get_or_create(name="quality")
    quality.permissions.add(
        *Permission.objects.filter(content_type__app_label="tickets", codename="use_agent_console")
    )
    Group.objects.get_or_create(name="warehouse")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0103_task_outbox_notify")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
