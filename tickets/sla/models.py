"""SLA policies, service-hours calendars, persisted clocks, escalations and the task outbox.

Every deadline lives in Postgres; Celery only runs the sweep that acts on them.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import text_limits
from ..choices import AreaType, Priority
from ..languages import in_language
from ..roles import Role
from ..text_limits import bounded


class ClockKind(models.TextChoices):
    ACCEPT = "accept", _("Accept the assignment")
    CONTACT = "contact", _("Call the customer")
    ARRIVAL = "arrival", _("Arrive on site")
    COMPLETION = "completion", _("Complete the repair")
    CHECK_BACK = "check_back", _("Phone-guidance check-back")
    CALLBACK = "callback", _("Follow-up callback")
    COMPLAINT_RESPONSE = "complaint_response", _("Complaint first response")
    COMPLAINT_RESOLUTION = "complaint_resolution", _("Complaint resolution")


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone.")) from exc


class ServiceCalendar(models.Model):
    """Service hours: a weekly schedule (split shifts allowed) and holidays, in a time zone.

    The default calendar is also the staff's working hours: notifications outside them
    wait for the morning unless the ticket is an emergency."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_zh_hans = models.CharField(
        _("name (Chinese)"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the one name above is shown in every language."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    is_default = models.BooleanField(
        _("staff working hours"),
        default=False,
        help_text=_("Notifications outside these hours wait for the morning (not emergencies)."),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("service-hours calendar")
        verbose_name_plural = _("service-hours calendars")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language (one language at a time)."""
        return in_language(self.name_zh_hans or self.name, self.name)


class ServiceHours(models.Model):
    """One shift on one weekday; several rows on a day make a split shift."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(
        ServiceCalendar, on_delete=models.CASCADE, related_name="hours", verbose_name=_("calendar")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="hours_end_after_start"
            )
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(
        ServiceCalendar,
        on_delete=models.CASCADE,
        related_name="holidays",
        verbose_name=_("calendar"),
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="uniq_holiday")]

    def __str__(self):
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """The promise for one priority and area type. Targets per clock kind are rows below."""

    name = models.CharField(_("name"), max_length=100)
    name_zh_hans = models.CharField(
        _("name (Chinese)"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the one name above is shown in every language."),
    )
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices)
    area_type = models.CharField(_("area type"), max_length=10, choices=AreaType.choices)
    service_type = models.ForeignKey(
        "tickets.ServiceType",
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("service type"),
        help_text=_("Empty: the policy of every type without a policy of its own."),
    )
    calendar = models.ForeignKey(
        ServiceCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("service hours"),
        help_text=_("Used by targets that count in service hours."),
    )
    warn_ratio = models.DecimalField(
        _("warn at share of time used"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        # "75% of" is not a format directive:
        # xgettext:no-python-format
        help_text=_("For example 0.75: warn when 75% of the time is used."),
    )
    late_compensation_cny = models.DecimalField(
        _("late-arrival voucher (CNY)"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    # Outside the staff's working hours (the default calendar): what waits for the morning.
    hold_warnings = models.BooleanField(
        _("warnings wait for working hours"),
        default=True,
        help_text=_(
            "Outside working hours a warning waits for the staff only if they are back at "
            "least the notice below before its deadline; otherwise it goes at once."
        ),
    )
    warning_notice_minutes = models.PositiveIntegerField(
        _("least notice a held warning leaves (minutes)"), default=60
    )
    hold_escalations = models.BooleanField(
        _("breach escalations wait for working hours"),
        default=True,
        help_text=_("Otherwise a missed deadline is reported day and night."),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["service_type", "priority", "area_type"],
                name="uniq_sla_policy",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(warn_ratio__gt=0, warn_ratio__lt=1), name="sla_warn_ratio_range"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language (one language at a time)."""
        return in_language(self.name_zh_hans or self.name, self.name)


class SlaTarget(models.Model):
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("policy")
    )
    kind = models.CharField(_("clock"), max_length=30, choices=ClockKind.choices)
    minutes = models.PositiveIntegerField(
        _("minutes"),
        help_text=_("For an appointment's arrival: used only when no window is booked."),
    )
    service_hours_only = models.BooleanField(
        _("count in service hours only"), default=False, help_text=_("Otherwise around the clock.")
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [models.UniqueConstraint(fields=["policy", "kind"], name="uniq_sla_target")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.minutes} min"


class EscalationLevel(models.Model):
    """A breach walks these levels in order, each `delay_minutes` after the breach."""

    policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.CASCADE,
        related_name="escalation_levels",
        verbose_name=_("policy"),
    )
    level = models.PositiveSmallIntegerField(_("level"))
    role = models.CharField(
        _("notify role"),
        max_length=20,
        choices=[(r.value, r.label) for r in (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)],
    )
    delay_minutes = models.PositiveIntegerField(_("minutes after the breach"))

    class Meta:
        ordering = ["level"]
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="uniq_escalation_level")
        ]

    def __str__(self):
        return f"{self.level}: {self.role} +{self.delay_minutes} min"


class SlaClock(models.Model):
    """One running promise on a ticket.

    Time is a budget: `used_seconds` counted (in service hours where the target says so)
    until `segment_started_at`; while running, `due_at` is when the rest of the budget runs
    out. A pause adds the segment to `used_seconds`; a resume starts a new segment. A clock
    with a fixed deadline (an appointment window) has `target_seconds` null."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="sla_clocks",
        verbose_name=_("ticket"),
    )
    kind = models.CharField(_("clock"), max_length=30, choices=ClockKind.choices)
    ref = models.CharField(
        _("reference"), max_length=64, blank=True, help_text=_("e.g. the complaint")
    )
    cycle = models.PositiveIntegerField(
        default=1,
        help_text=_("Accept/contact: the assignment number on this ticket."),
        verbose_name=_("cycle"),
    )
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("policy")
    )
    calendar = models.ForeignKey(
        ServiceCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clocks",
        verbose_name=_("calendar"),
    )
    target_seconds = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("target seconds")
    )
    warn_ratio = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0.75"), verbose_name=_("warn ratio")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    segment_started_at = models.DateTimeField(verbose_name=_("segment started at"))
    used_seconds = models.FloatField(default=0, verbose_name=_("used seconds"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_seconds = models.FloatField(_("paused (s)"), default=0)
    pause_reason = models.CharField(_("pause reason"), max_length=255, blank=True)
    resume_at = models.DateTimeField(_("resume at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    # A breach happens at the deadline (breached_at = due_at, or the moment a recompute put
    # the deadline behind it); the sweep's noticing time is kept apart, as the observed lag.
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    breach_noticed_at = models.DateTimeField(_("breach noticed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    late_seconds = models.PositiveIntegerField(_("late by (s)"), null=True, blank=True)
    # A breached accept/contact clock takes the job back to dispatch: done by the sweep,
    # recorded here, so a lost message or a killed worker cannot skip it.
    followed_up_at = models.DateTimeField(_("handed back at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(fields=["ticket", "kind"], name="slaclock_ticket_idx"),
            # The sweep's two queries read only running clocks, in due order.
            models.Index(
                fields=["due_at"],
                name="slaclock_due_running_idx",
                condition=models.Q(state="running"),
            ),
            models.Index(
                fields=["warn_at"],
                name="slaclock_warn_running_idx",
                condition=models.Q(state="running", warned_at__isnull=True),
            ),
            models.Index(
                fields=["resume_at"],
                name="slaclock_resume_idx",
                condition=models.Q(state="paused", resume_at__isnull=False),
            ),
            models.Index(
                fields=["breached_at"],
                name="slaclock_followup_idx",
                condition=models.Q(
                    state="breached", followed_up_at__isnull=True, kind__in=["accept", "contact"]
                ),
            ),
        ]
        constraints = [
            # One live clock of a kind per ticket, assignment and reference.
            models.UniqueConstraint(
                fields=["ticket", "kind", "cycle", "ref"],
                name="uniq_live_clock",
                condition=models.Q(state__in=["running", "paused"]),
            )
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.get_kind_display()} {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.RUNNING, self.State.PAUSED)

    @property
    def breach_lag_seconds(self) -> float | None:
        """How long after the breach the sweep noticed it (an outage shows here)."""
        if self.breached_at is None or self.breach_noticed_at is None:
            return None
        return (self.breach_noticed_at - self.breached_at).total_seconds()

    def seconds_left(self, now: dt.datetime | None = None) -> int | None:
        if self.due_at is None:
            return None
        return int((self.due_at - (now or timezone.now())).total_seconds())


class SlaEscalation(models.Model):
    """A breach's walk up the chain; it stops when someone acknowledges it with a note."""

    clock = models.OneToOneField(
        SlaClock, on_delete=models.CASCADE, related_name="escalation", verbose_name=_("clock")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="sla_escalations",
        verbose_name=_("ticket"),
    )
    level = models.PositiveSmallIntegerField(_("levels notified"), default=0)
    next_level_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next level at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    note = models.TextField(_("note"), blank=True, **bounded(text_limits.NOTE))

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [
            models.Index(
                fields=["next_level_at"],
                name="slaesc_next_idx",
                condition=models.Q(acknowledged_at__isnull=True, next_level_at__isnull=False),
            ),
            models.Index(
                fields=["created_at"],
                name="slaesc_open_idx",
                condition=models.Q(acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.clock} L{self.level}"


class SlaNotification(models.Model):
    """A warning or escalation for one person; held until their working hours unless urgent,
    then handed to the message gateway (outbox). Unique per clock, purpose and person."""

    clock = models.ForeignKey(
        SlaClock, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("clock")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    purpose = models.CharField(max_length=40, verbose_name=_("purpose"))
    body = models.TextField(verbose_name=_("body"))
    not_before = models.DateTimeField(verbose_name=_("not before"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("SLA notification")
        verbose_name_plural = _("SLA notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "purpose", "user"], name="uniq_sla_notification"
            )
        ]
        indexes = [
            models.Index(
                fields=["not_before"],
                name="slanotif_pending_idx",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.purpose} → {self.user_id}"


class TaskOutbox(models.Model):
    """A Celery task written in the caller's transaction; the relay publishes it to Redis."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    kwargs = models.JSONField(default=dict, verbose_name=_("arguments"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=255, blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("task outbox")
        indexes = [
            models.Index(
                fields=["id"],
                name="taskoutbox_unsent_idx",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.name} {self.kwargs}"


__all__ = [
    "ClockKind",
    "ServiceCalendar",
    "ServiceHours",
    "Holiday",
    "SlaPolicy",
    "SlaTarget",
    "EscalationLevel",
    "SlaClock",
    "SlaEscalation",
    "SlaNotification",
    "TaskOutbox",
]
