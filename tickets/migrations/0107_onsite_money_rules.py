# Consent to an amount, owed payments, why a charge line is free, and one idempotency
# mechanism (tickets.IdempotencyKey) instead of the on-site form keys.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0106_username_unique_ignoring_case'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(
            model_name='onsitesubmission',
            name='ticket',
        ),
        migrations.RenameField(
            model_name='chargeline',
            old_name='free_in_warranty',
            new_name='free',
        ),
        migrations.AlterField(
            model_name='chargeline',
            name='free',
            field=models.BooleanField(default=False, verbose_name='free'),
        ),
        migrations.AddField(
            model_name='chargeline',
            name='free_detail',
            field=models.JSONField(blank=True, default=dict, verbose_name='why free: details'),
        ),
        migrations.AddField(
            model_name='chargeline',
            name='free_reason',
            field=models.CharField(blank=True, max_length=30, verbose_name='why free'),
        ),
        # Until now a line was free only in warranty.
        migrations.RunSQL(
            "UPDATE tickets_chargeline SET free_reason = 'in_warranty' WHERE free",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='owed_agreed_by',
            field=models.CharField(blank=True, max_length=100, verbose_name='owed: agreed by'),
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='owed_amount',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='amount owed (CNY)'),
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='owed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='marked as owed at'),
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='owed_collected_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='owed amount collected at'),
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='owed_collected_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='owed_collection',
            field=models.CharField(blank=True, choices=[('payment_link', 'Payment link sent by SMS'), ('next_visit', 'Collected at the next visit'), ('service_point', 'Paid at the service point'), ('bank_transfer', 'Bank transfer')], max_length=20, verbose_name='owed: to be collected by'),
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='owed_note',
            field=models.CharField(blank=True, max_length=300, verbose_name='owed: note'),
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='owed_recorded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='onsitejob',
            name='paid_total',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='total paid (CNY)'),
        ),
        migrations.AddIndex(
            model_name='onsitejob',
            index=models.Index(condition=models.Q(('owed_at__isnull', False), ('owed_collected_at__isnull', True)), fields=['owed_at'], name='onsite_owed_open_idx'),
        ),
        migrations.DeleteModel(
            name='OnsiteSubmission',
        ),
    ]
