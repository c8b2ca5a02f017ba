"""Assignments of tickets to engineers, their appointments and the dispatcher's queue."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engineers.models import Engineer
from tickets import text_limits
from tickets.models import Ticket
from tickets.text_limits import bounded


class AssignmentQuerySet(models.QuerySet):
    def live(self):
        return self.filter(state__in=Assignment.LIVE)


class EndCode(models.TextChoices):
    """Why an assignment ended before the job was done: its engineer is never offered the
    ticket again automatically (a dispatcher may still pick them by hand)."""

    DECLINED = "declined", _("Declined by the engineer")
    ACCEPT_TIMEOUT = "accept_timeout", _("Not accepted in time")
    CONTACT_BREACH = "contact_breach", _("Customer not called in time")
    VEHICLE_BREAKDOWN = "vehicle_breakdown", _("Engineer's vehicle broke down")
    ENGINEER_UNAVAILABLE = "engineer_unavailable", _("Engineer unwell or unavailable")
    ENGINEER_UNREACHABLE = "engineer_unreachable", _("Engineer cannot be reached")
    CUSTOMER_REQUEST = "customer_request", _("Customer asked for another engineer")
    REASSIGNED = "reassigned", _("Reassigned by hand")
    HANDED_BACK = "handed_back", _("Handed back from the job (e.g. needs a senior engineer)")
    OTHER = "other", _("Other reason")


# What a dispatcher may give as the reason for taking a job back.
TAKE_BACK_REASONS = [
    EndCode.VEHICLE_BREAKDOWN,
    EndCode.ENGINEER_UNAVAILABLE,
    EndCode.ENGINEER_UNREACHABLE,
    EndCode.CUSTOMER_REQUEST,
    EndCode.OTHER,
]


class Assignment(models.Model):
    """One engineer holding (or having held) one ticket. At most one live row per ticket."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Waiting for the engineer to accept")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        TIMED_OUT = "timed_out", _("Not accepted or contacted in time")
        REASSIGNED = "reassigned", _("Reassigned")
        ENDED = "ended", _("Ended")

    LIVE = (State.ACTIVE, State.ACCEPTED)
    # Ended before the job was done: the job was taken from this engineer.
    TAKEN_FROM = (State.DECLINED, State.TIMED_OUT, State.REASSIGNED)

    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("ticket")
    )
    engineer = models.ForeignKey(
        Engineer, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("engineer")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True, **bounded(text_limits.REASON))
    end_code = models.CharField(
        _("why it ended (code)"), max_length=30, choices=EndCode.choices, blank=True
    )
    # The matching's explanation: every candidate considered, why each was passed over or
    # where it ranked (see dispatch.matching for the shape).
    candidates = models.JSONField(_("candidates considered"), default=list, blank=True)
    stage = models.CharField(_("search stage"), max_length=30, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    manual = models.BooleanField(_("manual"), default=False)
    manual_reason = models.TextField(
        _("reason for manual assignment"), blank=True, **bounded(text_limits.REASON)
    )
    # Matching rules the dispatcher knowingly overrode (codes of dispatch.rules.Rule).
    overridden_rules = models.JSONField(_("rules overridden"), default=list, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    # "No answer" when calling the customer: when the engineer should call again.
    call_retry_due_at = models.DateTimeField(_("call again at"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(state__in=["active", "accepted"]),
                name="one_live_assignment_per_ticket",
            ),
        ]
        indexes = [
            models.Index(fields=["engineer", "state"], name="assignment_engineer_state_idx"),
            models.Index(fields=["engineer", "created_at"], name="assignment_engineer_day_idx"),
            models.Index(
                fields=["accept_due_at"],
                name="assignment_accept_due_idx",
                condition=models.Q(state="active"),
            ),
            models.Index(
                fields=["call_retry_due_at"],
                name="assignment_call_retry_idx",
                condition=models.Q(state="accepted", call_retry_due_at__isnull=False),
            ),
            models.Index(fields=["created_at"], name="assignment_created_idx"),
        ]

    def __str__(self):
        return f"{self.ticket_id} → {self.engineer_id} ({self.get_state_display()})"

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE

    @property
    def accept_minutes(self) -> int | None:
        """The minutes the engineer was given to accept (the SLA policy's accept target)."""
        if self.accept_due_at is None:
            return None
        return int((self.accept_due_at - self.created_at).total_seconds() // 60)

    @property
    def overridden_labels(self) -> list[str]:
        from .rules import rule_labels

        return rule_labels(self.overridden_rules)


class Appointment(models.Model):
    """A visit window booked with the customer. A reschedule cancels the old row; the
    engineer's check-in marks it visited, so a second visit can be booked."""

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        VISITED = "visited", _("Visited")
        CANCELLED = "cancelled", _("Cancelled")

    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("assignment"),
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("ticket")
    )
    engineer = models.ForeignKey(
        Engineer, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("engineer")
    )
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window until"))
    # Where the visit is, for the travel time to and from the engineer's other jobs.
    lat = models.FloatField(null=True, blank=True, verbose_name=_("latitude"))
    lng = models.FloatField(null=True, blank=True, verbose_name=_("longitude"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.BOOKED, verbose_name=_("state")
    )
    customer_consent = models.BooleanField(_("customer agreed"), default=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["window_start"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")),
                name="appointment_window_positive",
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(state="booked"),
                name="one_booked_appointment_per_assignment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["engineer", "window_start"],
                name="appointment_engineer_idx",
                condition=models.Q(state="booked"),
            )
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.window_start:%Y-%m-%d %H:%M}"


class QueueEntry(models.Model):
    """Why a ticket is still waiting for an engineer, for the dispatcher's queue and the sweep."""

    class Reason(models.TextChoices):
        NO_SKILL = "no_skill_within_reach", _("No engineer with the skill within reach")
        NO_CERTIFICATION = "no_certification", _("No engineer with the certification needed")
        ALL_AT_CAPACITY = "all_at_capacity", _("Every engineer in reach is at capacity")
        OFF_SHIFT = "off_shift", _("No engineer in reach is on shift for the window")
        CLASHES = "appointment_clash", _("Every engineer in reach has a clashing appointment")
        DECLINED = "all_declined", _("Every engineer in reach declined or timed out")
        NO_LOCATION = "no_location", _("The customer's address has no location")
        RETURNED = "returned", _("Returned by the engineer")

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="dispatch_queue", verbose_name=_("ticket")
    )
    reason = models.CharField(_("reason"), max_length=40, choices=Reason.choices, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    returned_reason = models.TextField(
        _("returned because"), blank=True, **bounded(text_limits.REASON)
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("dispatch queue entry")
        verbose_name_plural = _("dispatch queue")
        indexes = [models.Index(fields=["next_attempt_at"], name="queue_next_attempt_idx")]

    def __str__(self):
        return f"{self.ticket_id}: {self.reason}"
