import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Stock(models.Model):
    """On hand and reserved of one SKU at one location: the running sum of its ledger rows,
    updated in the same transaction as each row. The database refuses a negative."""

    location = models.ForeignKey(
        "spareparts.Location",
        on_delete=models.PROTECT,
        related_name="stock",
        verbose_name=_("location"),
    )
    part = models.ForeignKey(
        "spareparts.Part", on_delete=models.PROTECT, related_name="stock", verbose_name=_("part")
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    min_qty = models.PositiveIntegerField(_("minimum"), null=True, blank=True)
    max_qty = models.PositiveIntegerField(_("maximum"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["location", "part"]
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["location", "part"], name="uniq_stock_location_part"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved")), name="stock_on_hand_covers_reserved"
            ),
            models.CheckConstraint(
                condition=Q(min_qty__isnull=True)
                | Q(max_qty__isnull=True)
                | Q(max_qty__gte=F("min_qty")),
                name="stock_max_at_least_min",
            ),
        ]
        indexes = [models.Index(fields=["part", "location"], name="stock_part_location_idx")]

    def __str__(self):
        return f"{self.location_id}/{self.part_id}: {self.on_hand} ({self.reserved})"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class LedgerKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    RESERVE = "reserve", _("Reserve")
    RELEASE = "release", _("Release")
    CONSUME = "consume", _("Consume")
    RETURN = "return", _("Return")
    ADJUST = "adjust", _("Adjustment")


class AdjustReason(models.TextChoices):
    COUNT = "count", _("Stock count difference")
    DAMAGED = "damaged", _("Damaged")
    LOST = "lost", _("Lost")
    FOUND = "found", _("Found")
    OPENING = "opening", _("Opening balance")


class LedgerEntry(models.Model):
    """One stock movement. Never updated or deleted: the database refuses it (a trigger)."""

    kind = models.CharField(_("kind"), max_length=15, choices=LedgerKind.choices)
    location = models.ForeignKey(
        "spareparts.Location",
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("location"),
    )
    part = models.ForeignKey(
        "spareparts.Part", on_delete=models.PROTECT, related_name="ledger", verbose_name=_("part")
    )
    on_hand_delta = models.IntegerField(_("on-hand change"))
    reserved_delta = models.IntegerField(_("reserved change"))
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    batch = models.CharField(_("batch"), max_length=64, blank=True)
    serials = ArrayField(
        models.CharField(max_length=64), default=list, blank=True, verbose_name=_("serials")
    )
    reason = models.CharField(_("reason"), max_length=10, choices=AdjustReason.choices, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    transfer = models.ForeignKey(
        "spareparts.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transfer"),
    )
    # A scanner's or client's key for a receipt: a retried receipt is answered, not booked
    # twice (unique per actor).
    request_key = models.CharField(max_length=64, blank=True, verbose_name=_("request key"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("stock ledger")
        triggers = [
            pgtrigger.Protect(
                name="ledger_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="adjust") | (~Q(reason="") & Q(approver__isnull=False)),
                name="ledger_adjust_reason_approver",
            ),
            models.CheckConstraint(
                condition=~Q(kind="receipt") | ~Q(supplier=""), name="ledger_receipt_supplier"
            ),
            models.UniqueConstraint(
                fields=["actor", "request_key"],
                condition=~Q(request_key=""),
                name="uniq_ledger_request_key",
            ),
        ]
        indexes = [
            models.Index(fields=["location", "part"], name="ledger_location_part_idx"),
            models.Index(fields=["batch"], name="ledger_batch_idx", condition=~Q(batch="")),
            GinIndex(fields=["serials"], name="ledger_serials_gin"),
        ]

    def __str__(self):
        return f"{self.kind} {self.part_id}@{self.location_id} {self.on_hand_delta:+d}"


class Alert(models.Model):
    """Something a parts manager must look at. One open alert per kind and subject."""

    class Kind(models.TextChoices):
        LOW_STOCK = "low_stock", _("Low stock")
        SERIAL_UNKNOWN = "serial_unknown", _("Serial unknown to the network")
        SERIAL_REUSED = "serial_reused", _("Serial already fitted on another job")
        VAN_SHORTFALL = "van_shortfall", _("Fitted part missing from the van's stock")
        OLD_PART_DUPLICATE = "old_part_duplicate", _("Old part returned twice")
        OLD_PART_UNMATCHED = "old_part_unmatched", _("Old part returned that no new part expects")
        OLD_PART_OVERDUE = "old_part_overdue", _("Old part not returned in time")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    location = models.ForeignKey(
        "spareparts.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    part = models.ForeignKey(
        "spareparts.Part",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("part"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    subject = models.CharField(max_length=120, verbose_name=_("subject"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="uniq_open_alert",
            )
        ]

    def __str__(self):
        return f"{self.kind}: {self.subject}"


class SerialUnit(models.Model):
    """One serialized unit the network received: what the genuine-part check looks up.
    The (part, serial) constraint makes the same serial impossible to receive twice."""

    part = models.ForeignKey(
        "spareparts.Part", on_delete=models.PROTECT, related_name="units", verbose_name=_("part")
    )
    serial = models.CharField(_("serial"), max_length=64)
    batch = models.CharField(_("batch"), max_length=64, blank=True)
    supplier = models.CharField(_("supplier"), max_length=100)
    received_at = models.DateTimeField(_("received at"))
    receipt = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("receipt")
    )
    fitted_on = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fitted on"),
    )
    fitted_at = models.DateTimeField(_("fitted at"), null=True, blank=True)

    class Meta:
        ordering = ["part", "serial"]
        verbose_name = _("serialized unit")
        verbose_name_plural = _("serialized units")
        constraints = [
            models.UniqueConstraint(fields=["part", "serial"], name="uniq_serial_per_part")
        ]
        indexes = [models.Index(fields=["serial"], name="serialunit_serial_idx")]

    def __str__(self):
        return f"{self.part_id}:{self.serial}"
