from django.db import migrations


class Migration(migrations.Migration):
    """Logins match usernames case-insensitively, so `Alice` and `alice` must be one account."""

    dependencies = [
        ("tickets", "0105_sla_breach_lag_and_notification_holds"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS auth_user_username_lower_uniq "
            "ON auth_user (lower(username))",
            "DROP INDEX IF EXISTS auth_user_username_lower_uniq",
        )
    ]
