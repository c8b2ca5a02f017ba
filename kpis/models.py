"""KPI facts (one row per ticket and KPI: the verdict of kpis/definitions.py), their daily
rollups per grain, and the watermark of the incremental catch-up (kpis/services.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KpiFact(models.Model):
    """What one ticket counts towards one KPI: it is in the denominator by existing; in the
    numerator when `numerator`; `value` is summed by KPIs that add values (seconds, scores,
    complaints). Rewritten whenever the ticket's events change; never edited by hand."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    kpi = models.CharField(_("KPI"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    at = models.DateTimeField(_("counted at"))
    day = models.DateField(_("day"))
    area = models.ForeignKey(
        "tickets.ServiceArea",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("area"),
    )
    service_point = models.ForeignKey(
        "engineers.ServicePoint",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("service point"),
    )
    engineer = models.ForeignKey(
        "engineers.Engineer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("engineer"),
    )
    # None only on facts written before the dimension existed, until `kpis_rebuild
    # --service-types` fills them in from their tickets.
    service_type = models.ForeignKey(
        "tickets.ServiceType",
        to_field="code",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # read with the other columns of an index, never alone
        null=True,
        related_name="+",
        verbose_name=_("service type"),
    )
    numerator = models.BooleanField(_("in the numerator"))
    value = models.BigIntegerField(_("value"), default=0)
    detail = models.JSONField(_("why"), default=dict, blank=True)

    class Meta:
        verbose_name = _("KPI fact")
        verbose_name_plural = _("KPI facts")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kpi"], name="uniq_kpi_fact"),
        ]
        indexes = [
            # Each serves a drill-down list in its order (day, id) and its sums.
            models.Index(fields=["kpi", "day", "id"], name="kpifact_kpi_day_idx"),
            models.Index(fields=["service_point", "kpi", "day", "id"], name="kpifact_point_idx"),
            models.Index(fields=["engineer", "kpi", "day", "id"], name="kpifact_engineer_idx"),
            models.Index(fields=["area", "kpi", "day", "id"], name="kpifact_area_idx"),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.kpi}"


class Grain(models.TextChoices):
    NETWORK = "network", _("Network")
    AREA = "area", _("Area")
    POINT = "point", _("Service point")
    ENGINEER = "engineer", _("Engineer")


class KpiRollup(models.Model):
    """The sum of the facts of one day, KPI, service type and grain key (0: the network,
    or no service point / engineer). Maintained by adding the difference of each rewritten
    fact. All service types together are the sum over `service_type`."""

    day = models.DateField(verbose_name=_("day"))
    kpi = models.CharField(max_length=40, verbose_name=_("kpi"))
    grain = models.CharField(max_length=10, choices=Grain.choices, verbose_name=_("grain"))
    key = models.BigIntegerField(default=0, verbose_name=_("key"))
    # The code of the facts' service type; "" for facts not yet given one (see KpiFact).
    service_type = models.CharField(
        max_length=30, default="", blank=True, verbose_name=_("service type")
    )
    denominator = models.BigIntegerField(default=0, verbose_name=_("denominator"))
    numerator = models.BigIntegerField(default=0, verbose_name=_("numerator"))
    value_sum = models.BigIntegerField(default=0, verbose_name=_("sum of values"))

    class Meta:
        verbose_name = _("KPI rollup")
        verbose_name_plural = _("KPI rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "key", "service_type", "kpi", "day"], name="uniq_kpi_rollup_type"
            ),
        ]
        indexes = [models.Index(fields=["grain", "day"], name="kpirollup_grain_day_idx")]

    def __str__(self):
        return f"{self.day} {self.kpi} {self.grain}:{self.key} {self.service_type}"


class KpiWatermark(models.Model):
    """How far the catch-up has read the event log (the last event id it processed)."""

    name = models.CharField(max_length=40, primary_key=True, verbose_name=_("name"))
    last_event_id = models.BigIntegerField(default=0, verbose_name=_("last event id"))
    value = models.CharField(max_length=40, blank=True, verbose_name=_("value"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("KPI watermark")

    def __str__(self):
        return f"{self.name}: {self.last_event_id}"


class ProviderReport(models.Model):
    """A service point's monthly performance report (服务商绩效报告), kept as generated: the
    figures the settlement pays on. Points below target two months in a row are flagged
    for correction (整改)."""

    service_point = models.ForeignKey(
        "engineers.ServicePoint",
        on_delete=models.PROTECT,
        related_name="provider_reports",
        verbose_name=_("service point"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    figures = models.JSONField(_("figures"), default=list)
    worst = models.JSONField(_("worst tickets"), default=list)
    trend = models.JSONField(_("trend"), default=list)
    below_target = models.JSONField(_("KPIs below target"), default=list)
    needs_correction = models.BooleanField(_("needs correction"), default=False)

    class Meta:
        ordering = ["-month", "service_point__name"]
        verbose_name = _("service provider report")
        verbose_name_plural = _("service provider reports")
        constraints = [
            models.UniqueConstraint(
                fields=["service_point", "month"], name="uniq_provider_report_month"
            )
        ]

    def __str__(self):
        return f"{self.service_point_id} {self.month:%Y-%m}"
