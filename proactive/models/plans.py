"""Maintenance and inspection plans (定期保养, 巡检): a plan on an appliance generates one
ticket per period. A `PlanVisit` is one period's visit; the constraint on (plan, period)
decides which of several raced beat runs makes the ticket."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

PLAN_KINDS = ("maintenance", "inspection")


class Booking(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment in the customer's preferred window")
    CALL = "call", _("The desk calls the customer to book")


class Window(models.TextChoices):
    MORNING = "morning", _("Morning (9:00-12:00)")
    AFTERNOON = "afternoon", _("Afternoon (13:00-17:00)")
    EVENING = "evening", _("Evening (18:00-20:00)")


# (start hour, end hour) of each preferred window, local time.
WINDOW_HOURS = {Window.MORNING: (9, 12), Window.AFTERNOON: (13, 17), Window.EVENING: (18, 20)}


class ServicePlan(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("plan state", "Active")
        ENDED = "ended", pgettext_lazy("plan state", "Ended")

    customer = models.ForeignKey(
        "tickets.Customer",
        on_delete=models.PROTECT,
        related_name="service_plans",
        verbose_name=_("customer"),
    )
    appliance = models.ForeignKey(
        "tickets.Appliance",
        on_delete=models.PROTECT,
        related_name="service_plans",
        verbose_name=_("appliance"),
    )
    service_type = models.ForeignKey(
        "tickets.ServiceType",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
        limit_choices_to={"kind__in": PLAN_KINDS},
    )
    interval_months = models.PositiveSmallIntegerField(
        _("every (months)"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    next_due = models.DateField(_("next visit due"))
    booking = models.CharField(
        _("booking"), max_length=20, choices=Booking.choices, default=Booking.APPOINTMENT
    )
    window = models.CharField(
        _("preferred window"), max_length=20, choices=Window.choices, default=Window.MORNING
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")
        indexes = [
            # The beat's look-up: active plans in due order.
            models.Index(
                fields=["next_due", "id"],
                name="plan_active_due_idx",
                condition=models.Q(state="active"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval_months__gte=1, interval_months__lte=60),
                name="plan_interval_range",
            )
        ]

    def __str__(self):
        return f"{self.service_type_id} / {self.appliance_id} / {self.interval_months}"


class PlanVisit(models.Model):
    """One period of a plan: the ticket made for it, and, when the desk books by phone,
    the call to book it."""

    class CallState(models.TextChoices):
        NONE = "", _("Booked as an appointment")
        TO_CALL = "to_call", _("To call to book")
        BOOKED = "booked", _("Booked by phone")

    plan = models.ForeignKey(
        ServicePlan, on_delete=models.PROTECT, related_name="visits", verbose_name=_("plan")
    )
    period = models.DateField(_("due date of the period"))
    # Null only inside the transaction that claims the period and then opens the ticket.
    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        related_name="plan_visit",
        verbose_name=_("ticket"),
    )
    call_state = models.CharField(
        _("booking call"), max_length=10, choices=CallState.choices, blank=True
    )
    booked_start = models.DateTimeField(_("booked from"), null=True, blank=True)
    booked_end = models.DateTimeField(_("booked until"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("plan visit")
        verbose_name_plural = _("plan visits")
        constraints = [
            models.UniqueConstraint(fields=["plan", "period"], name="uniq_plan_period"),
        ]
        indexes = [
            models.Index(
                fields=["period", "id"],
                name="planvisit_to_call_idx",
                condition=models.Q(call_state="to_call"),
            )
        ]

    def __str__(self):
        return f"{self.plan_id} @ {self.period}"
