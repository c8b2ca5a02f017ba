"""Follow-up callbacks, check-backs, surveys and customer ratings, free revisits and the
"nothing left hanging" list.

A `Callback` is one call the desk owes a customer: the check-back after phone guidance, the
48-hour follow-up (回访) after a completed job, or a supervisor's deep callback after a low
score. Every try is a `CallAttempt` (kept as evidence that the clock was honoured). One
`Survey` per job whatever the channel: the first complete answer wins (a constraint).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "CallbackPolicy",
    "Callback",
    "CallAttempt",
    "Survey",
    "Revisit",
    "HangingTicket",
    "SweepRun",
    "ApiReplay",
]


class CallbackPolicy(models.Model):
    """How the desk follows up: one row (a data migration creates it; supervisors edit it in
    the admin). The callback's own deadline is the SLA policy's `callback` target."""

    class SmsLinks(models.TextChoices):
        PRIVATE_LINK = "private_link", _("Private link in the SMS")
        FIXED_ADDRESS = "fixed_address", _("Fixed address and a short code")

    max_attempts = models.PositiveSmallIntegerField(
        _("call attempts before unreachable"), default=3, validators=[MinValueValidator(1)]
    )
    retry_minutes = models.PositiveIntegerField(_("minutes between attempts"), default=120)
    window_hours = models.PositiveIntegerField(
        _("hours after completion to reach the customer"), default=48
    )
    survey_gap_days = models.PositiveSmallIntegerField(
        _("survey a customer at most once in (days)"), default=7
    )
    low_score_below = models.PositiveSmallIntegerField(
        _("a score below this opens a deep callback"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    deep_callback_hours = models.PositiveIntegerField(_("deep callback due in (hours)"), default=24)
    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat fault window (days)"), default=30
    )
    stuck_days = models.PositiveSmallIntegerField(
        _("a ticket is left hanging after (days in one status)"), default=3
    )
    sms_links = models.CharField(
        _("customer SMS carry"),
        max_length=20,
        choices=SmsLinks.choices,
        default=SmsLinks.PRIVATE_LINK,
        help_text=_(
            "Some SMS providers accept only fixed, registered links: then the SMS carries the "
            "fixed rating address and a short code the customer types there."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("callback policy")
        verbose_name_plural = _("callback policy")

    def __str__(self):
        return str(_("Callback policy"))


class CallbackQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=Callback.State.OPEN)

    def due(self, now):
        """Open and callable now (a retry waits for its time)."""
        return self.open().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


class Callback(models.Model):
    class Kind(models.TextChoices):
        CHECK_BACK = "check_back", _("Check-back after phone guidance")
        FOLLOW_UP = "follow_up", _("Follow-up callback")
        DEEP = "deep", _("Deep callback (low score)")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("callback state", "Open")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Unreachable")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled")

    class Result(models.TextChoices):
        FIXED = "fixed", _("Fixed")
        NOT_FIXED = "not_fixed", _("Not fixed")
        WILL_CALL_BACK = "will_call_back", _("Customer will call back")
        SURVEYED = "surveyed", _("Survey answered")
        ALREADY_RATED = "already_rated", _("Already rated by the customer")
        APOLOGISED = "apologised", _("Apologised")
        REVISIT_BOOKED = "revisit_booked", _("Revisit booked")
        COMPENSATION = "compensation", _("Compensation offered")
        COMPLAINT_OPENED = "complaint_opened", _("Complaint opened")

    class SkipReason(models.TextChoices):
        RECENTLY_SURVEYED = "recently_surveyed", _("Customer surveyed in the last days")
        ALREADY_RATED = "already_rated", _("Customer already rated the job")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="callbacks",
        verbose_name=_("ticket"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    # Copied from the ticket so the queue filters by area without a join.
    area = models.ForeignKey(
        "tickets.ServiceArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    due_at = models.DateTimeField(_("due at"))
    # The end of the window in which attempts count (48 h after completion).
    window_ends_at = models.DateTimeField(_("attempts until"), null=True, blank=True)
    # A retry waits until then; null: callable now.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    retry_marked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("retry marked at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, blank=True)
    skip_reason = models.CharField(
        _("skipped because"), max_length=30, choices=SkipReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deep_callbacks",
        verbose_name=_("source"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CallbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [
            # The agents' queue: open calls in due order (filtered by kind and area as read).
            models.Index(
                fields=["due_at", "id"],
                name="callback_open_due_idx",
                condition=Q(state="open"),
            ),
            models.Index(
                fields=["area", "due_at", "id"],
                name="callback_open_area_idx",
                condition=Q(state="open"),
            ),
            # The supervisors' deep callbacks: few among many.
            models.Index(
                fields=["due_at", "id"],
                name="callback_open_deep_idx",
                condition=Q(state="open", kind="deep"),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="callback_retry_idx",
                condition=Q(state="open", retry_marked_at__isnull=True)
                & Q(next_attempt_at__isnull=False),
            ),
            models.Index(
                fields=["closed_at"],
                name="callback_closed_idx",
                condition=Q(kind="follow_up") & ~Q(state="open"),
            ),
            models.Index(fields=["ticket", "kind"], name="callback_ticket_idx"),
        ]
        constraints = [
            # A job has one follow-up and at most one deep callback, however many completion
            # handlers race; a ticket has one open check-back at a time.
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                name="uniq_followup_deep_callback",
                condition=Q(kind__in=["follow_up", "deep"]),
            ),
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                name="uniq_open_check_back",
                condition=Q(kind="check_back", state="open"),
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class CallAttempt(models.Model):
    """One try to reach the customer: the evidence that the clock was honoured."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        WRONG_NUMBER = "wrong_number", _("Wrong or invalid number")

    callback = models.ForeignKey(
        Callback, on_delete=models.PROTECT, related_name="call_attempts", verbose_name=_("callback")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["callback", "number"], name="uniq_call_attempt")
        ]

    def __str__(self):
        return f"{self.callback_id} #{self.number} {self.outcome}"


class Survey(models.Model):
    """The customer's answer about one job, from whichever channel came first."""

    class Channel(models.TextChoices):
        AGENT_CALL = "agent_call", _("Agent's call")
        TRACKING_PAGE = "tracking_page", _("Tracking page")
        QR_CODE = "qr_code", _("QR code on the service report")
        SMS_CODE = "sms_code", _("Rating page with the SMS code")
        API = "api", _("API")

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="survey", verbose_name=_("ticket")
    )
    callback = models.ForeignKey(
        Callback,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("callback"),
    )
    customer = models.ForeignKey(
        "tickets.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    speed = models.PositiveSmallIntegerField(
        _("speed"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    attitude = models.PositiveSmallIntegerField(
        _("engineer's attitude"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    quality = models.PositiveSmallIntegerField(
        _("fix quality"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    fixed = models.BooleanField(_("is it fixed?"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [
            models.Index(fields=["customer", "created_at"], name="survey_customer_idx"),
            models.Index(fields=["created_at"], name="survey_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(speed__gte=1, speed__lte=5)
                & Q(attitude__gte=1, attitude__lte=5)
                & Q(quality__gte=1, quality__lte=5),
                name="survey_scores_1_to_5",
            )
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.speed}/{self.attitude}/{self.quality}"

    @property
    def lowest(self) -> int:
        return min(self.speed, self.attitude, self.quality)


class Revisit(models.Model):
    """A free second visit for a repeat fault, linked to the first job and charged back to
    its engineer and service point (KPIs and settlement read this)."""

    class Reason(models.TextChoices):
        NOT_FIXED = "not_fixed", _("Customer says it is not fixed")
        REPEAT_FAULT = "repeat_fault", _("Same fault again within the repeat window")

    original = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="revisit_link",
        verbose_name=_("original ticket"),
    )
    revisit = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="revisit_of",
        verbose_name=_("revisit"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    fault_family = models.CharField(_("fault family"), max_length=40, blank=True)
    chargeback_engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("charged back to engineer"),
    )
    chargeback_service_point = models.ForeignKey(
        "engineers.ServicePoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("charged back to service point"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("free revisit")
        verbose_name_plural = _("free revisits")

    def __str__(self):
        return f"{self.original_id} → {self.revisit_id}"


class HangingTicket(models.Model):
    """A ticket found by the daily sweep in one status beyond the policy's limit."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    status = models.CharField(_("status"), max_length=30)
    since = models.DateTimeField(_("in this status since"))
    found_on = models.DateField(_("found on"))
    area = models.ForeignKey(
        "tickets.ServiceArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )

    class Meta:
        verbose_name = _("ticket left hanging")
        verbose_name_plural = _("tickets left hanging")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "found_on"], name="uniq_hanging_per_day")
        ]
        indexes = [models.Index(fields=["found_on", "since"], name="hanging_found_idx")]

    def __str__(self):
        return f"{self.ticket_id} {self.status}"


class SweepRun(models.Model):
    """A once-a-day sweep claims its day by inserting this row (the constraint decides)."""

    name = models.CharField(max_length=40, verbose_name=_("name"))
    day = models.DateField(verbose_name=_("day"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="uniq_sweep_run")]

    def __str__(self):
        return f"{self.name} {self.day}"


class ApiReplay(models.Model):
    """An API write's Idempotency-Key and the answer it got: a retry gets the same answer.
    `scope` is the caller (a user, or the ticket for the customer's own rating)."""

    scope = models.CharField(max_length=80, verbose_name=_("scope"))
    key = models.CharField(max_length=255, verbose_name=_("key"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request fingerprint"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    body = models.JSONField(default=dict, verbose_name=_("body"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("API replay")
        verbose_name_plural = _("API replays")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="uniq_callbacks_api_replay")
        ]

    def __str__(self):
        return f"{self.scope} {self.key}"
