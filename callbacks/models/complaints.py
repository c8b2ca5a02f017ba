"""Complaints (ISO 10002 steps) and quality-assurance reviews.

A complaint's steps and their allowed moves are one table (`COMPLAINT_MOVES` in
callbacks.services.complaints); every step is an append-only `ComplaintStep` row. Its two
clocks (first response, solution) are SLA clocks of the ticket (tickets.sla), started and met
by the complaint's ticket events, so they warn, breach and escalate like every other clock.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tickets import text_limits
from tickets.text_limits import bounded

__all__ = [
    "ComplaintSource",
    "ComplaintCategory",
    "Remedy",
    "Severity",
    "RootCause",
    "Complaint",
    "ComplaintStep",
    "ComplaintApiKey",
    "QualitySampleRun",
    "QualityReview",
]


class ComplaintSource(models.TextChoices):
    AGENT = "agent", _("Agent console")
    CALLBACK = "callback", _("Follow-up callback")
    CUSTOMER = "customer", _("Customer's page")
    API = "api", _("Partner API")
    QA = "qa", _("Quality review")


class ComplaintCategory(models.TextChoices):
    ATTITUDE = "attitude", _("Engineer's attitude")
    LATENESS = "lateness", _("Late or missed visit")
    REPAIR_QUALITY = "repair_quality", _("Repair not fixed or poorly done")
    CHARGES = "charges", _("Charges")
    PARTS = "parts", _("Spare parts")
    PRODUCT = "product", _("Product quality")
    OTHER = "other", _("Other")


class Remedy(models.TextChoices):
    REVISIT = "revisit", _("Repair again")
    REPLACEMENT = "replacement", _("Replace the appliance")
    REFUND = "refund", _("Refund of charges")
    COMPENSATION = "compensation", _("Compensation")
    APOLOGY = "apology", _("An apology")
    EXPLANATION = "explanation", _("An explanation")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class RootCause(models.TextChoices):
    ENGINEER_CONDUCT = "engineer_conduct", _("Engineer's conduct")
    WORKMANSHIP = "workmanship", _("Workmanship")
    LATE_ARRIVAL = "late_arrival", _("Late arrival or missed appointment")
    PART_DEFECT = "part_defect", _("Defective spare part")
    PART_SHORTAGE = "part_shortage", _("Spare part not available")
    PRODUCT_DEFECT = "product_defect", _("Product defect")
    CHARGING_ERROR = "charging_error", _("Charging error")
    COMMUNICATION = "communication", _("Poor communication")
    NOT_SUBSTANTIATED = "not_substantiated", _("Not substantiated")
    OTHER = "other", _("Other")


class Complaint(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("complaint", "Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ASSESSED = "assessed", _("Assessed")
        INVESTIGATING = "investigating", _("Under investigation")
        RESPONDED = "responded", _("Responded to")
        ACCEPTED = "accepted", _("Accepted by the customer")
        REJECTED = "rejected", _("Not accepted by the customer")
        CLOSED = "closed", _("Closed")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("ticket"),
    )
    engineer = models.ForeignKey(
        "engineers.Engineer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("engineer"),
    )
    service_point = models.ForeignKey(
        "engineers.ServicePoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("service point"),
    )
    # Free text until the spare-parts app offers batches to link to.
    part_batch = models.CharField(_("part batch"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=ComplaintSource.choices)
    # Who opened it from where, e.g. "callback:12", "qa_review:5": a retried open finds it.
    source_ref = models.CharField(max_length=64, blank=True, verbose_name=_("source ref"))
    category = models.CharField(
        _("about"), max_length=20, choices=ComplaintCategory.choices, default="other"
    )
    remedy_wanted = models.CharField(
        _("remedy the customer wants"), max_length=20, choices=Remedy.choices
    )
    description = models.TextField(_("what the customer says"), **bounded(2000))
    state = models.CharField(
        _("step"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    safety_risk = models.BooleanField(_("safety risk"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quality-assurance owner"),
    )
    findings = models.TextField(_("investigation findings"), blank=True, **bounded(4000))
    response = models.TextField(_("response to the customer"), blank=True, **bounded(2000))
    remedy_offered = models.CharField(
        _("remedy offered"), max_length=20, choices=Remedy.choices, blank=True
    )
    root_cause = models.CharField(
        _("root cause"), max_length=30, choices=RootCause.choices, blank=True
    )
    quality_review = models.ForeignKey(
        "callbacks.QualityReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrective_actions",
        verbose_name=_("quality review"),
    )
    cycle = models.PositiveSmallIntegerField(
        default=1, help_text=_("1 + times reopened"), verbose_name=_("cycle")
    )
    # When the current cycle began (received, or last reopened): older clocks are history.
    cycle_started_at = models.DateTimeField(
        default=timezone.now, verbose_name=_("cycle started at")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(
        pgettext_lazy("complaint", "received at"), default=timezone.now
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set once each, by the sweep, when the clock's breach was handed to the owner.
    response_escalated_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("response escalated at")
    )
    solution_escalated_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("solution escalated at")
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="complaint_state_idx"),
            models.Index(fields=["ticket"], name="complaint_ticket_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_ref"], condition=~models.Q(source_ref=""), name="uniq_complaint_ref"
            ),
            # The customer's page: a double submit cannot open two complaints.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(source="customer") & ~models.Q(state="closed"),
                name="one_open_customer_complaint",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"CP-{self.pk:06d}" if self.pk else "CP-new"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED


class ComplaintStep(models.Model):
    """One step of a complaint (received, acknowledged, ..., closed, reopened, escalated):
    append-only, refused by the model and by a database trigger."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="steps", verbose_name=_("complaint")
    )
    step = models.CharField(_("step"), max_length=20)
    from_state = models.CharField(max_length=20, blank=True, verbose_name=_("from state"))
    to_state = models.CharField(max_length=20, blank=True, verbose_name=_("to state"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("by"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True, **bounded(text_limits.NOTE))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"], name="complaintstep_idx")]
        triggers = [
            pgtrigger.Protect(
                name="complaintstep_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self):
        return f"{self.complaint_id}: {self.step}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Complaint steps are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Complaint steps are append-only.")


class ComplaintApiKey(models.Model):
    """An API write's Idempotency-Key, per client: a retry answers with the same complaint."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request fingerprint"))
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="+", verbose_name=_("complaint")
    )
    status_code = models.PositiveSmallIntegerField(default=200, verbose_name=_("status code"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("complaint API key")
        verbose_name_plural = _("complaint API keys")
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="uniq_complaint_api_key")
        ]

    def __str__(self):
        return self.key


class QualitySampleRun(models.Model):
    """One month's sample of completed jobs. Unique per month: a second run samples nothing."""

    month = models.DateField(_("month"), unique=True, help_text=_("first day of the month"))
    rate = models.DecimalField(_("share sampled"), max_digits=4, decimal_places=3)
    population = models.PositiveIntegerField(_("completed jobs"))
    sampled = models.PositiveIntegerField(_("sampled"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("quality sample")
        verbose_name_plural = _("quality samples")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class QualityReview(models.Model):
    """A sampled job's review. The checklist is computed when sampled (what the records
    show); the reviewer confirms or corrects each item and writes the findings."""

    class State(models.TextChoices):
        PENDING = "pending", _("To review")
        DONE = "done", _("Reviewed")

    class Result(models.TextChoices):
        PASSED = "passed", pgettext_lazy("quality review result", "Passed")
        FAILED = "failed", pgettext_lazy("quality review result", "Failed")

    run = models.ForeignKey(
        QualitySampleRun, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("run")
    )
    # A job is sampled at most once, whatever the month.
    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="quality_review",
        verbose_name=_("ticket"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    computed = models.JSONField(_("what the records show"), default=dict, blank=True)
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    findings = models.TextField(_("findings"), blank=True, **bounded(4000))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "created_at"], name="qareview_state_idx")]

    def __str__(self):
        return f"QA {self.ticket_id}"
