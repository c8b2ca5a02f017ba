from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.choices import ApplianceCategory
from tickets.languages import in_language


class Tracking(models.TextChoices):
    SERIAL = "serial", _("Serial number per unit")
    BATCH = "batch", _("Batch number")


class Part(models.Model):
    """A catalogue entry: original parts and certified alternatives, with price and warranty."""

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(
        _("name (English)"),
        max_length=200,
        blank=True,
        help_text=_("Empty: the one name above is shown in every language."),
    )
    category = models.CharField(
        _("appliance category"), max_length=20, choices=ApplianceCategory.choices, blank=True
    )
    # Model numbers this part fits, e.g. ["BCD-470WDPG", "BCD-*"]; empty means any model.
    compatible_models = models.JSONField(_("compatible models"), default=list, blank=True)
    is_original = models.BooleanField(
        _("original part"),
        default=True,
        help_text=_("Unticked: a certified alternative part."),
    )
    price = models.DecimalField(
        _("price (CNY)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=12)
    tracking = models.CharField(
        _("tracked by"), max_length=10, choices=Tracking.choices, default=Tracking.BATCH
    )
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    # This SKU may be fitted instead of those (a certified alternative, a newer revision).
    substitutes = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="substituted_by",
        verbose_name=_("may replace"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("part")
        verbose_name_plural = _("parts catalogue")
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="part_price_non_negative")
        ]

    def __str__(self):
        return f"{self.sku} {self.display_name}"

    @property
    def display_name(self) -> str:
        """The name in the active language (tickets.languages: one language at a time)."""
        return in_language(self.name, self.name_en or self.name)

    @property
    def serialized(self) -> bool:
        return self.tracking == Tracking.SERIAL

    def fits(self, model_number: str) -> bool:
        if not self.compatible_models:
            return True
        model_number = (model_number or "").upper()
        for pattern in self.compatible_models:
            pattern = pattern.upper()
            if pattern.endswith("*") and model_number.startswith(pattern[:-1]):
                return True
            if pattern == model_number:
                return True
        return False


class PartUsage(models.Model):
    """A part fitted on a ticket, traceable to the engineer and the part's serial or batch.
    The engineer's van stock is consumed when the job completes (`consumed_at`)."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="part_usages",
        verbose_name=_("ticket"),
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="usages", verbose_name=_("part")
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("engineer"),
    )
    serial_or_batch = models.CharField(_("serial or batch number"), max_length=64)
    scanned = models.BooleanField(_("scanned with the camera"), default=False)
    old_part_serial = models.CharField(_("old part's serial"), max_length=64, blank=True)
    # Snapshots of the catalogue at the time of use: later price changes do not rewrite history.
    is_original = models.BooleanField(_("original part"))
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"))
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    request_key = models.CharField(max_length=64, verbose_name=_("request key"))
    consumed_at = models.DateTimeField(_("consumed from stock at"), null=True, blank=True)
    # Genuine-part check for serialized parts: the serial was received by the network.
    genuine = models.BooleanField(_("serial known to the network"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "request_key"], name="uniq_partusage_request"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="partusage_qty_pos"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="partusage_unconsumed_idx",
                condition=models.Q(consumed_at__isnull=True),
            ),
            models.Index(fields=["serial_or_batch"], name="partusage_serial_idx"),
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.part.sku} {self.serial_or_batch}"

    @property
    def consumed(self) -> bool:
        return self.consumed_at is not None
