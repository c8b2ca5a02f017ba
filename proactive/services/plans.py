"""Maintenance and inspection plans: create and end them, generate each period's ticket
(the beat task), book a visit the desk calls for, and open a repair from a visit's
findings. Every ticket is opened through tickets.services.ticket_create."""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets import masterdata
from tickets.booking import booking_window_check
from tickets.choices import Channel, Priority
from tickets.errors import Conflict, DomainError, PermissionDenied
from tickets.event_kinds import EventKind
from tickets.models import Appliance, Customer, Ticket
from tickets.roles import STAFF_DESK_ROLES, has_role
from tickets.services import ticket_create, ticket_event_record
from tickets.warranty import add_months

from ..models import PLAN_KINDS, WINDOW_HOURS, Booking, PlanVisit, ServicePlan, Window

log = logging.getLogger(__name__)

# A period's ticket is opened this many days before its due date, so it can be booked.
LEAD_DAYS = 14
NOTE_MAX = 300
DESCRIPTION_MAX = 1000


def _require_desk(actor) -> None:
    if not has_role(actor, *STAFF_DESK_ROLES):
        raise PermissionDenied(_("Your role may not manage service plans."))


def plan_create(
    *,
    customer: Customer,
    appliance: Appliance,
    service_type: str,
    interval_months: int,
    first_due: dt.date,
    booking: str = Booking.APPOINTMENT,
    window: str = Window.MORNING,
    note: str = "",
    actor,
) -> ServicePlan:
    _require_desk(actor)
    if appliance.customer_id != customer.pk:
        raise DomainError(_("The appliance does not belong to this customer."), field="appliance")
    kind = masterdata.service_type(service_type)
    if kind is None or not kind.active or kind.kind not in PLAN_KINDS:
        raise DomainError(_("A plan is for maintenance or inspection."), field="service_type")
    if not isinstance(interval_months, int) or not 1 <= interval_months <= 60:
        raise DomainError(_("Give an interval of 1 to 60 months."), field="interval_months")
    if first_due < timezone.localdate():
        raise DomainError(_("The first visit cannot be in the past."), field="first_due")
    if booking not in Booking.values:
        raise DomainError(_("Unknown booking."), field="booking")
    if window not in Window.values:
        raise DomainError(_("Unknown window."), field="window")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("Keep the note under %(n)d characters.") % {"n": NOTE_MAX}, field="note"
        )
    return ServicePlan.objects.create(
        customer=customer,
        appliance=appliance,
        service_type_id=kind.code,
        interval_months=interval_months,
        next_due=first_due,
        booking=booking,
        window=window,
        note=note,
        created_by=actor,
    )


def plan_end(*, plan: ServicePlan, actor, reason: str = "") -> ServicePlan:
    _require_desk(actor)
    reason = (reason or "").strip()
    if len(reason) > NOTE_MAX:
        raise DomainError(
            _("Keep the reason under %(n)d characters.") % {"n": NOTE_MAX}, field="reason"
        )
    updated = ServicePlan.objects.filter(pk=plan.pk, state=ServicePlan.State.ACTIVE).update(
        state=ServicePlan.State.ENDED, ended_at=timezone.now(), end_reason=reason
    )
    if not updated:
        raise Conflict(_("This plan has already ended."), field="plan")
    plan.refresh_from_db()
    return plan


def window_on(day: dt.date, window: str) -> tuple[dt.datetime, dt.datetime]:
    start_hour, end_hour = WINDOW_HOURS[Window(window)]
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(day, dt.time(start_hour), tzinfo=tz),
        dt.datetime.combine(day, dt.time(end_hour), tzinfo=tz),
    )


def _visit_description(plan: ServicePlan, period: dt.date) -> str:
    """Written once into the ticket like an agent's text: in the operator's language, not
    whatever a beat worker has active."""
    kind = masterdata.service_type(plan.service_type_id)
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(type)s due %(date)s (plan every %(months)d months).") % {
            "type": kind.name if kind else plan.service_type_id,
            "date": period.isoformat(),
            "months": plan.interval_months,
        }


def visit_generate(*, plan: ServicePlan, period: dt.date) -> PlanVisit | None:
    """Open the ticket of one period, unless it is already open: the (plan, period)
    constraint decides between raced runs (the loser waits on the index, then skips).
    Returns the new visit, or None when another run made it."""
    with transaction.atomic():
        visit = PlanVisit(
            plan=plan,
            period=period,
            call_state=PlanVisit.CallState.TO_CALL if plan.booking == Booking.CALL else "",
        )
        try:
            with transaction.atomic():
                visit.save(force_insert=True)
        except IntegrityError:
            return None
        start = end = None
        priority = Priority.NORMAL
        if plan.booking == Booking.APPOINTMENT:
            start, end = window_on(period, plan.window)
            priority = Priority.APPOINTMENT
        visit.ticket = ticket_create(
            customer=plan.customer,
            appliance=plan.appliance,
            channel=Channel.HOTLINE,
            service_type=plan.service_type_id,
            priority=priority,
            preferred_start=start,
            preferred_end=end,
            fault_description=_visit_description(plan, period),
        )
        visit.save(update_fields=["ticket"])
        # Conditional: a raced run that lost already left next_due alone.
        ServicePlan.objects.filter(pk=plan.pk, next_due=period).update(
            next_due=add_months(period, plan.interval_months)
        )
    return visit


def plans_generate_due(*, today: dt.date | None = None) -> dict:
    """The beat task: each active plan due within the lead time gets its period's ticket,
    once. Catches up a plan several periods behind one period per run."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=LEAD_DAYS)
    made = skipped = failed = 0
    plans = ServicePlan.objects.filter(
        state=ServicePlan.State.ACTIVE, next_due__lte=horizon
    ).select_related("customer", "appliance")
    for plan in plans.order_by("next_due", "id")[:500]:
        try:
            visit = visit_generate(plan=plan, period=plan.next_due)
        except DomainError as exc:
            # The appliance or its customer can no longer get a ticket: left for the desk.
            log.warning("plan %s: no ticket for %s: %s", plan.pk, plan.next_due, exc)
            failed += 1
            continue
        if visit is None:
            skipped += 1
        else:
            made += 1
    return {"made": made, "skipped": skipped, "failed": failed}


def visit_book(*, visit: PlanVisit, start: dt.datetime, end: dt.datetime, actor) -> PlanVisit:
    """The desk called the customer and agreed a window: recorded on the visit and as the
    call on the ticket's history."""
    _require_desk(actor)
    booking_window_check(start, end, start_field="start", end_field="end")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=visit.ticket_id)
        locked = PlanVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.call_state != PlanVisit.CallState.TO_CALL:
            raise Conflict(_("This visit is already booked."), field="visit")
        locked.call_state = PlanVisit.CallState.BOOKED
        locked.booked_start, locked.booked_end, locked.booked_by = start, end, actor
        locked.save(update_fields=["call_state", "booked_start", "booked_end", "booked_by"])
        ticket_event_record(
            ticket=ticket,
            kind=EventKind.CUSTOMER_CALL,
            actor=actor,
            data={"window_start": start.isoformat(), "window_end": end.isoformat()},
        )
    return locked


def repair_from_visit(*, visit_ticket: Ticket, description: str, actor) -> Ticket:
    """A finding on a plan visit opens a repair ticket of the same appliance, linked to
    the visit (related_ticket)."""
    _require_desk(actor)
    if not PlanVisit.objects.filter(ticket=visit_ticket).exists():
        raise DomainError(_("This ticket is not a plan visit."), field="ticket")
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Describe what the visit found."), field="description")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(
            _("Keep the description under %(n)d characters.") % {"n": DESCRIPTION_MAX},
            field="description",
        )
    with transaction.atomic():
        return ticket_create(
            customer=visit_ticket.customer,
            appliance=visit_ticket.appliance,
            address=visit_ticket.address,
            channel=Channel.HOTLINE,
            service_type="repair",
            related_ticket=visit_ticket,
            fault_description=description,
            actor=actor,
        )
