"""On-site work on a ticket: the visit record, diagnoses, charge lines, the signed service
report and the keys that make a retried form submit harmless.

These models belong to the `tickets` app (registered from tickets/models.py)."""

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets import text_limits
from tickets.choices import FaultClass
from tickets.text_limits import bounded

__all__ = [
    "OnsiteJob",
    "Diagnosis",
    "ChargeLine",
    "ServiceReport",
    "ChecklistRecord",
    "OneStopCheck",
]


class OnsiteJob(models.Model):
    """What happened at the customer's door for one ticket (one row; visits repeat in events)."""

    class PaymentMethod(models.TextChoices):
        CASH = "cash", _("Cash")
        QR = "qr", _("QR code payment")

    class OwedCollection(TextChoices):
        """How an amount the customer could not pay on site will be collected."""

        PAYMENT_LINK = "payment_link", _("Payment link sent by SMS")
        NEXT_VISIT = "next_visit", _("Collected at the next visit")
        SERVICE_POINT = "service_point", _("Paid at the service point")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")

    class Outcome(models.TextChoices):
        FIXED = "fixed", _("Fixed")
        WAITING_FOR_PARTS = "waiting_for_parts", _("Waiting for parts")
        CARRY_IN = "carry_in", _("Carry-in repair")
        SECOND_VISIT = "second_visit", _("Second visit needed")
        NEEDS_SENIOR = "needs_senior", _("Needs a senior engineer")

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="onsite_job",
        verbose_name=_("ticket"),
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("engineer"),
    )
    visits = models.PositiveSmallIntegerField(_("visits"), default=0)
    first_arrived_at = models.DateTimeField(_("first arrived at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_lat = models.FloatField(_("check-in latitude"), null=True, blank=True)
    check_in_lng = models.FloatField(_("check-in longitude"), null=True, blank=True)
    check_in_distance_m = models.PositiveIntegerField(
        _("distance from the address (m)"), null=True, blank=True
    )
    check_in_flagged = models.BooleanField(_("check-in flagged for review"), default=False)
    check_in_reviewed_at = models.DateTimeField(_("check-in reviewed at"), null=True, blank=True)
    check_in_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("check-in reviewed by"),
    )

    consent_name = models.CharField(_("consent given by"), max_length=100, blank=True)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_total = models.DecimalField(
        _("total consented (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    receipt_number = models.CharField(
        _("receipt number"), max_length=32, unique=True, null=True, blank=True
    )
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    paid = models.BooleanField(_("paid"), default=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_total = models.DecimalField(
        _("total paid (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    # Out of warranty and not paid on site: the amount is owed, with who agreed and how it
    # will be collected, until the desk records it as collected.
    owed_amount = models.DecimalField(
        _("amount owed (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    owed_agreed_by = models.CharField(_("owed: agreed by"), max_length=100, blank=True)
    owed_collection = models.CharField(
        _("owed: to be collected by"), max_length=20, choices=OwedCollection.choices, blank=True
    )
    owed_note = models.CharField(_("owed: note"), max_length=300, blank=True)
    owed_at = models.DateTimeField(_("marked as owed at"), null=True, blank=True)
    owed_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owed recorded by"),
    )
    owed_collected_at = models.DateTimeField(_("owed amount collected at"), null=True, blank=True)
    owed_collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owed collected by"),
    )

    test_run = models.JSONField(_("test-run checklist"), default=dict, blank=True)
    test_run_at = models.DateTimeField(_("test run at"), null=True, blank=True)

    signature = models.FileField(_("signature"), upload_to="signatures/%Y/%m/", blank=True)
    signer_name = models.CharField(_("signed by"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    loaner_description = models.CharField(_("loaner unit"), max_length=200, blank=True)
    loaner_receipt_number = models.CharField(
        _("loaner receipt number"), max_length=32, unique=True, null=True, blank=True
    )
    loaner_due_back = models.DateField(_("loaner due back"), null=True, blank=True)
    unit_returned_at = models.DateTimeField(_("repaired unit returned at"), null=True, blank=True)

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("on-site job")
        verbose_name_plural = _("on-site jobs")
        indexes = [
            models.Index(
                fields=["check_in_flagged"],
                name="onsite_flagged_idx",
                condition=models.Q(check_in_flagged=True),
            ),
            models.Index(
                fields=["owed_at"],
                name="onsite_owed_open_idx",
                condition=models.Q(owed_at__isnull=False, owed_collected_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id}"

    @property
    def consented(self) -> bool:
        return self.consent_at is not None

    def consent_covers(self, total: Decimal) -> bool:
        """Consent is to an amount: charges that grew past it need the customer again."""
        return self.consent_at is not None and (self.consent_total or 0) >= total

    @property
    def owed(self) -> bool:
        return self.owed_at is not None

    def settled(self, total: Decimal) -> bool:
        """Paid on site, or owed with the customer's agreement, up to `total`."""
        paid = (self.paid_total or 0) if self.paid else 0
        owed = (self.owed_amount or 0) if self.owed else 0
        return paid + owed >= total


class Diagnosis(models.Model):
    """One diagnosis; a later one (e.g. by the senior engineer) supersedes, nothing is lost."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="diagnoses",
        verbose_name=_("ticket"),
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("engineer"),
    )
    fault = models.CharField(_("fault"), max_length=40)
    cause = models.CharField(_("cause"), max_length=40)
    fault_class = models.CharField(_("difficulty"), max_length=20, choices=FaultClass.choices)
    notes = models.TextField(_("notes"), blank=True, **bounded(text_limits.NOTE))
    needs_senior = models.BooleanField(_("needs a senior engineer"), default=False)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]

    def __str__(self):
        return f"{self.ticket_id}: {self.fault}/{self.cause}"


def quantity_plain(value: Decimal) -> Decimal:
    """3.00 → 3, 1.50 → 1.5 (never 1E+2): a quantity prints as people write it."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def amount_times(amount: Decimal, quantity: Decimal) -> Decimal:
    """What a line costs: the unit amount times the quantity, rounded to the fen."""
    return (amount * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class QuantityField(models.DecimalField):
    """A decimal quantity read back without its trailing zeros, so "1.5 m" and "×2" print
    as written on every page (the column keeps two decimals)."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else quantity_plain(value)


class ChargeLine(models.Model):
    MAX_QUANTITY = Decimal("999")

    """A line of what the customer pays. A free line (in warranty, a part under its own
    component warranty, a waived revisit) has amount 0, `list_price` shows what it would have
    cost and `free_reason` (a `tickets.warranty.FreeReason` code, with `free_detail`) why."""

    MAX_QUANTITY = Decimal("999")

    class Kind(models.TextChoices):
        CALL_OUT = "call_out", _("Call-out fee")
        LABOUR = "labour", _("Labour")
        PART = "part", _("Part")
        MATERIAL = "material", _("Material")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="charge_lines",
        verbose_name=_("ticket"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    # Parts and fees count whole units; a material sold by the metre may be 1.5 (m).
    quantity = QuantityField(
        _("quantity"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_QUANTITY)],
    )
    # A material's unit (a `tickets.models.FeeItem.Unit` code, shown translated); empty
    # for fees and parts, which count pieces.
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    list_price = models.DecimalField(_("list price (CNY)"), max_digits=10, decimal_places=2)
    # Per unit: the line costs amount × quantity (`total`).
    amount = models.DecimalField(_("amount (CNY)"), max_digits=10, decimal_places=2)
    free = models.BooleanField(_("free"), default=False)
    free_reason = models.CharField(_("why free"), max_length=30, blank=True)
    free_detail = models.JSONField(_("why free: details"), default=dict, blank=True)
    # e.g. "part_usage:12": which record created the line
    source = models.CharField(max_length=60, blank=True, verbose_name=_("source"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("charge line")
        verbose_name_plural = _("charge lines")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0) & models.Q(list_price__gte=0),
                name="chargeline_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0) & models.Q(quantity__lte=999),
                name="chargeline_quantity_range",
            ),
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=models.Q(kind__in=["call_out", "labour"]),
                name="uniq_chargeline_base_kind",
            ),
            models.UniqueConstraint(
                fields=["ticket", "source"],
                condition=~models.Q(source=""),
                name="uniq_chargeline_source",
            ),
        ]

    def __str__(self):
        return f"{self.description}: {self.amount}"

    @property
    def total(self) -> Decimal:
        return amount_times(self.amount, self.quantity)


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


class ServiceReport(models.Model):
    """The signed service report. Immutable: never updated (the model refuses, and a database
    trigger refuses an UPDATE); a correction is a new version linked to the previous one."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="service_reports",
        verbose_name=_("ticket"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name=_("previous"),
    )
    content = models.JSONField(_("content"))
    content_sha256 = models.CharField(max_length=64, verbose_name=_("content SHA-256"))
    signature = models.FileField(_("signature"), upload_to="signatures/%Y/%m/", blank=True)
    reason = models.TextField(_("reason for correction"), blank=True, **bounded(text_limits.REASON))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "version"], name="uniq_report_version")
        ]

    def __str__(self):
        return f"{self.ticket_id} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A signed service report cannot change; issue a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A signed service report cannot be deleted.")

    @property
    def intact(self) -> bool:
        return content_hash(self.content) == self.content_sha256


class ChecklistRecord(models.Model):
    """The results of the service type's on-site checklist on one ticket (the commissioning
    checklist of an installation, a cleaning's steps, an inspection's points): per item
    code, "ok" or "problem" with a note. Recorded again, it replaces the results; each
    recording is also an event."""

    class Result(models.TextChoices):
        OK = "ok", _("OK")
        PROBLEM = "problem", _("Problem")

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="checklist_record"
    )
    service_type = models.CharField(_("service type"), max_length=30)
    # [{"code", "label_zh_hans", "label_en", "result", "note"}] in the type's order
    results = models.JSONField(_("results"), default=list)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("on-site checklist")
        verbose_name_plural = _("on-site checklists")

    def __str__(self):
        return f"{self.ticket_id}: {self.service_type}"

    @property
    def problems(self) -> list[str]:
        return [r["code"] for r in self.results if r.get("result") == self.Result.PROBLEM]

    @property
    def codes(self) -> set[str]:
        return {r["code"] for r in self.results}


class OneStopCheck(models.Model):
    """一站式通检: another appliance of the household, of the brand, that the engineer
    checked on this visit, with the result. A problem opens a linked repair ticket."""

    class Result(models.TextChoices):
        OK = "ok", _("Working normally")
        ADVICE = "advice", _("Working; advice given")
        PROBLEM = "problem", _("Problem found: repair needed")

    NOTE_MAX = 500

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="one_stop_checks"
    )
    appliance = models.ForeignKey(
        "tickets.Appliance", on_delete=models.PROTECT, related_name="one_stop_checks"
    )
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True)
    repair_ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="one_stop_origin",
        verbose_name=_("repair ticket opened"),
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("one-stop check")
        verbose_name_plural = _("one-stop checks")
        ordering = ["created_at", "id"]
        constraints = [
            # One result per appliance per visit ticket: a retried submit changes nothing.
            models.UniqueConstraint(
                fields=["ticket", "appliance"], name="uniq_one_stop_check_per_appliance"
            )
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.appliance_id} {self.result}"


class ServiceReportFile(models.Model):
    """A report version's PDF, rendered on its first download and then served as stored: a
    signed version never changes, so neither does its document (tickets.onsite.report_files)."""

    class Copy(models.TextChoices):
        STAFF = "staff", _("staff copy")
        CUSTOMER = "customer", _("customer copy")

    report = models.ForeignKey(ServiceReport, on_delete=models.PROTECT, related_name="files")
    copy = models.CharField(_("copy"), max_length=10, choices=Copy.choices)
    pdf = models.FileField(_("PDF"), upload_to="reports/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("service report PDF")
        verbose_name_plural = _("service report PDFs")
        constraints = [
            models.UniqueConstraint(fields=["report", "copy"], name="uniq_report_file_copy")
        ]

    def __str__(self):
        return f"{self.report} {self.copy}"
