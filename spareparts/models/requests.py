from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.languages import in_language


class Purpose(models.TextChoices):
    JOB = "job", _("For a job")
    REFILL = "refill", _("Van refill")


class WarrantyScope(models.TextChoices):
    ANY = "any", _("Any")
    IN = "in", _("In warranty")
    OUT = "out", _("Out of warranty")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve automatically")
    HOLD = "hold", _("Hold for the parts manager")


class ApprovalRule(models.Model):
    """One line of the auto-approval table. Rules are tried by position; the first whose
    conditions all hold decides. No rule matching holds the request."""

    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    name_zh_hans = models.CharField(
        _("name (Chinese)"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the one name above is shown in every language."),
    )
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, blank=True, help_text=_("Empty: any")
    )
    warranty = models.CharField(
        _("warranty"), max_length=5, choices=WarrantyScope.choices, default=WarrantyScope.ANY
    )
    max_unit_price = models.DecimalField(
        _("unit price up to (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    max_quantity = models.PositiveSmallIntegerField(_("quantity up to"), null=True, blank=True)
    min_engineer_level = models.PositiveSmallIntegerField(
        _("engineer level at least"), null=True, blank=True
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")

    def __str__(self):
        return f"{self.position}. {self.display_name}"

    @property
    def display_name(self) -> str:
        """The name in the active language (one language at a time)."""
        return in_language(self.name_zh_hans or self.name, self.name)


class SourceReason(models.TextChoices):
    OWN_VAN = "own_van", _("In your van")
    OWN_STORE = "own_store", _("At your service point's store")
    REGIONAL = "regional", _("Nearest regional warehouse with stock, %(km)s km away")
    CENTRAL = "central", _("Central warehouse: no stock nearer")


class PartRequest(models.Model):
    """An engineer asks for a part, for a job or to refill the van. Sourcing picks where it
    comes from and reserves it there; the approval table or a parts manager decides."""

    class Status(models.TextChoices):
        HELD = "held", _("Waiting for the parts manager")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    engineer = models.ForeignKey(
        "engineers.Engineer",
        on_delete=models.PROTECT,
        related_name="part_requests",
        verbose_name=_("engineer"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="part_requests",
        verbose_name=_("ticket"),
    )
    part = models.ForeignKey(
        "spareparts.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    source = models.ForeignKey(
        "spareparts.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("source")
    )
    destination = models.ForeignKey(
        "spareparts.Location",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("destination"),
    )
    source_reason = models.CharField(
        _("why this source"), max_length=10, choices=SourceReason.choices
    )
    source_data = models.JSONField(default=dict, blank=True, verbose_name=_("source details"))
    reservation = models.ForeignKey(
        "spareparts.LedgerEntry",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reservation"),
    )
    rule = models.ForeignKey(
        ApprovalRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule applied"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    request_key = models.CharField(max_length=64, verbose_name=_("request key"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("part request")
        verbose_name_plural = _("part requests")
        constraints = [
            models.UniqueConstraint(
                fields=["engineer", "request_key"], name="uniq_part_request_key"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="part_request_qty_pos"),
            models.CheckConstraint(
                condition=~Q(purpose="job") | Q(ticket__isnull=False),
                name="part_request_job_has_ticket",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], name="part_request_held_idx", condition=Q(status="held")
            )
        ]

    def __str__(self):
        return f"{self.part_id} ×{self.quantity} → {self.destination_id}"

    @property
    def travels(self) -> bool:
        return self.source_id != self.destination_id

    @property
    def source_reason_text(self) -> str:
        label = str(SourceReason(self.source_reason).label)
        text = label % self.source_data if "%(" in label else label
        if self.source_data.get("late"):
            # No source with stock could get it there before the job's SLA deadline.
            late = _("It cannot arrive before the SLA deadline: no source can.")
            text = f"{text}. {late}"
        return text


class Transfer(models.Model):
    """Stock moving between two locations: leaves the source when dispatched (in transit),
    arrives at the destination when received (a scan there)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_TRANSIT = "in_transit", _("Dispatched, in transit")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    source = models.ForeignKey(
        "spareparts.Location",
        on_delete=models.PROTECT,
        related_name="transfers_out",
        verbose_name=_("source"),
    )
    destination = models.ForeignKey(
        "spareparts.Location",
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name=_("destination"),
    )
    part = models.ForeignKey(
        "spareparts.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    # A planned transfer holds its quantity reserved at the source until dispatch; it
    # stays reserved at the destination for the job it travels for.
    reserve_on_receipt = models.BooleanField(default=False, verbose_name=_("reserve on receipt"))
    request = models.ForeignKey(
        PartRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
        verbose_name=_("request"),
    )
    serials = ArrayField(
        models.CharField(max_length=64), default=list, blank=True, verbose_name=_("serials")
    )
    eta = models.DateTimeField(_("expected"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )

    class Meta:
        ordering = ["eta", "id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="transfer_qty_pos"),
            models.CheckConstraint(
                condition=~Q(source=models.F("destination")), name="transfer_two_ends"
            ),
        ]
        indexes = [
            models.Index(
                fields=["eta"],
                name="transfer_open_idx",
                condition=Q(status__in=["planned", "in_transit"]),
            )
        ]

    def __str__(self):
        return f"{self.part_id} ×{self.quantity}: {self.source_id} → {self.destination_id}"

    @property
    def open(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.IN_TRANSIT)
