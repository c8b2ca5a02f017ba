"""Visits: booking (from the job list or through the `visit_booker` hook), rescheduling
with the customer's consent, "on my way"."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets import customer_links
from tickets.booking import booking_window_check
from tickets.errors import Conflict, DomainError, NotFound
from tickets.lifecycle import Status
from tickets.messaging import send_sms
from tickets.models import Ticket
from tickets.services import ticket_event_record, ticket_transition

from .. import matching
from ..models import Appointment, Assignment
from .assignments import _engineer_assignment


def _local(when: dt.datetime) -> str:
    return date_format(timezone.localtime(when), "Y-m-d H:i")


def _window_text(start: dt.datetime, end: dt.datetime) -> str:
    return f"{_local(start)}–{timezone.localtime(end):%H:%M}"


def _check_window(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    if start is None or end is None:
        raise DomainError(_("Give the start and the end of the window."), field="window_start")
    booking_window_check(start, end, now=now)
    if end - start > dt.timedelta(hours=8):
        raise DomainError(_("A window cannot be longer than 8 hours."), field="window_end")


def _refuse_clash(*, engineer, ticket, start, end) -> None:
    appt, travel = matching.clash_for(
        engineer.pk,
        start=start,
        end=end,
        lat=ticket.address.lat,
        lng=ticket.address.lng,
        exclude_ticket_id=ticket.pk,
    )
    if appt is not None:
        raise DomainError(
            _(
                "Clashes with %(number)s booked %(window)s (%(travel)s minutes' travel "
                "between the two)."
            )
            % {
                "number": appt.ticket.number,
                "window": _window_text(appt.window_start, appt.window_end),
                "travel": travel,
            },
            field="window_start",
            code="clash",
        )


def _book(
    *,
    ticket: Ticket,
    assignment: Assignment,
    engineer: Engineer,
    window_start: dt.datetime,
    window_end: dt.datetime,
    actor,
    data: dict | None = None,
) -> Appointment:
    """Call holding the ticket's row lock, the window checked. Refuses a clash with the
    engineer's other visits (travel included), books, moves the ticket to "scheduled"
    unless it is there already, and texts the customer."""
    Engineer.objects.select_for_update().filter(pk=engineer.pk).first()
    _refuse_clash(engineer=engineer, ticket=ticket, start=window_start, end=window_end)
    appt = Appointment.objects.create(
        assignment=assignment,
        ticket=ticket,
        engineer=engineer,
        window_start=window_start,
        window_end=window_end,
        lat=ticket.address.lat,
        lng=ticket.address.lng,
        created_by=actor,
    )
    if ticket.status != Status.SCHEDULED:
        ticket_transition(
            ticket=ticket,
            to=Status.SCHEDULED,
            actor=actor,
            data={
                "window_start": window_start.astimezone(dt.UTC).isoformat(),
                "window_end": window_end.astimezone(dt.UTC).isoformat(),
                "assignment_id": assignment.pk,
                "engineer_user_id": engineer.user_id,
                "appointment_id": appt.pk,
                **(data or {}),
            },
        )
    send_sms(
        to=ticket.customer.mobile,
        purpose="visit_booked",
        ticket=ticket,
        body=_("Your repair %(number)s: %(name)s will visit %(window)s.")
        % {
            "number": ticket.number,
            "name": engineer.display_name,
            "window": _window_text(window_start, window_end),
        },
    )
    return appt


def appointment_book(
    *, engineer: Engineer, ticket_id: int, window_start: dt.datetime, window_end: dt.datetime
) -> Appointment:
    """Book the visit agreed with the customer. A window that clashes with the engineer's
    other visits (travel included) is refused, naming the clash."""
    now = timezone.now()
    _check_window(window_start, window_end, now)
    with transaction.atomic():
        ticket, assignment = _engineer_assignment(
            engineer=engineer, ticket_id=ticket_id, states=Assignment.LIVE
        )
        booked = assignment.appointments.filter(state=Appointment.State.BOOKED).first()
        if booked is not None:
            if (booked.window_start, booked.window_end) == (window_start, window_end):
                return booked  # the same form sent twice
            raise Conflict(
                _("A visit is already booked: reschedule it instead."), field="window_start"
            )
        if ticket.status != Status.ACCEPTED:
            raise Conflict(_("Accept the job before booking the visit."), field="window_start")
        return _book(
            ticket=ticket,
            assignment=assignment,
            engineer=engineer,
            window_start=window_start,
            window_end=window_end,
            actor=engineer.user,
        )


# Where a visit can be booked: a first visit once accepted; on site (a second visit is
# needed); waiting for parts (they arrived); scheduled by the caller just before booking.
VISIT_BOOKABLE = (Status.ACCEPTED, Status.ON_SITE, Status.WAITING_FOR_PARTS, Status.SCHEDULED)


def visit_book(
    *, ticket, engineer_user, window_start: dt.datetime, window_end: dt.datetime
) -> Appointment:
    """The `visit_booker` of tickets.hooks: book a visit wherever it is agreed (the job list,
    an on-site second visit, "parts arrived"), with the same checks as `appointment_book`.
    A ticket that already had its visit gets a new appointment (the earlier one counts as
    visited). Moves the ticket to "scheduled" unless the caller already did. Twice with the
    same window returns the same appointment."""
    engineer = Engineer.objects.filter(user=engineer_user).select_related("user").first()
    if engineer is None:
        raise NotFound(_("Job not found."))
    now = timezone.now()
    _check_window(window_start, window_end, now)
    with transaction.atomic():
        locked, assignment = _engineer_assignment(
            engineer=engineer, ticket_id=ticket.pk, states=Assignment.LIVE
        )
        if locked.status not in VISIT_BOOKABLE:
            raise Conflict(_("This job cannot have a visit booked now."), field="window_start")
        booked = assignment.appointments.filter(state=Appointment.State.BOOKED).first()
        if booked is not None:
            if (booked.window_start, booked.window_end) == (window_start, window_end):
                return booked
            if locked.status not in (Status.ON_SITE, Status.WAITING_FOR_PARTS):
                raise Conflict(
                    _("A visit is already booked: reschedule it instead."), field="window_start"
                )
            booked.state = Appointment.State.VISITED  # the engineer was there
            booked.save(update_fields=["state"])
        data = {}
        if locked.status == Status.ON_SITE:
            data = {"second_visit": True}
        elif locked.status == Status.WAITING_FOR_PARTS:
            data = {"parts_arrived": True}
        appt = _book(
            ticket=locked,
            assignment=assignment,
            engineer=engineer,
            window_start=window_start,
            window_end=window_end,
            actor=engineer_user,
            data=data,
        )
    ticket.status = locked.status
    return appt


def appointment_reschedule(
    *,
    ticket_id: int,
    window_start: dt.datetime,
    window_end: dt.datetime,
    customer_consent: bool,
    actor,
    reason: str = "",
    engineer: Engineer | None = None,
) -> Appointment:
    """Move the booked visit. Needs the customer's consent (recorded on the event); the
    customer gets an SMS. `engineer` limits it to that engineer's own job; a dispatcher
    passes None."""
    if not customer_consent:
        raise DomainError(
            _("A visit can only be moved with the customer's consent."), field="customer_consent"
        )
    now = timezone.now()
    _check_window(window_start, window_end, now)
    with transaction.atomic():
        if engineer is not None:
            ticket, assignment = _engineer_assignment(
                engineer=engineer, ticket_id=ticket_id, states=Assignment.LIVE
            )
        else:
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("customer", "address")
                .get(pk=ticket_id)
            )
            assignment = (
                Assignment.objects.select_for_update(of=("self",))
                .filter(ticket=ticket)
                .live()
                .select_related("engineer__user")
                .first()
            )
            if assignment is None:
                raise Conflict(_("This ticket has no engineer."), field="window_start")
        booked = assignment.appointments.filter(state=Appointment.State.BOOKED).first()
        if booked is None or ticket.status not in (Status.SCHEDULED, Status.EN_ROUTE):
            raise Conflict(_("No visit is booked yet: book one first."), field="window_start")
        if (booked.window_start, booked.window_end) == (window_start, window_end):
            return booked  # unchanged, or the same form sent twice
        eng = assignment.engineer
        Engineer.objects.select_for_update().filter(pk=eng.pk).first()
        _refuse_clash(engineer=eng, ticket=ticket, start=window_start, end=window_end)
        booked.state = Appointment.State.CANCELLED
        booked.save(update_fields=["state"])
        appt = Appointment.objects.create(
            assignment=assignment,
            ticket=ticket,
            engineer=eng,
            window_start=window_start,
            window_end=window_end,
            lat=ticket.address.lat,
            lng=ticket.address.lng,
            customer_consent=True,
            created_by=actor,
        )
        data = {
            "window_start": window_start.astimezone(dt.UTC).isoformat(),
            "window_end": window_end.astimezone(dt.UTC).isoformat(),
            "previous_window_start": booked.window_start.astimezone(dt.UTC).isoformat(),
            "previous_window_end": booked.window_end.astimezone(dt.UTC).isoformat(),
            "customer_consent": True,
            "assignment_id": assignment.pk,
            "engineer_user_id": eng.user_id,
        }
        if ticket.status == Status.EN_ROUTE:
            ticket_transition(
                ticket=ticket, to=Status.SCHEDULED, actor=actor, reason=reason, data=data
            )
        ticket_event_record(
            ticket=ticket, kind="rescheduled", actor=actor, reason=reason, data=data
        )
        send_sms(
            to=ticket.customer.mobile,
            purpose="visit_rescheduled",
            ticket=ticket,
            body=_("Your repair %(number)s: the visit is moved to %(window)s, as agreed.")
            % {"number": ticket.number, "window": _window_text(window_start, window_end)}
            + " "
            + customer_links.tracking_pointer(ticket),
        )
    return appt


def engineer_on_my_way(*, engineer: Engineer, ticket_id: int, eta_minutes: int):
    """ "On my way": the customer's link shows the estimated arrival. Twice is harmless."""
    try:
        eta_minutes = int(eta_minutes)
    except (TypeError, ValueError):
        eta_minutes = 0
    if not 1 <= eta_minutes <= 600:
        raise DomainError(_("Give the minutes until you arrive (1 to 600)."), field="eta_minutes")
    now = timezone.now()
    with transaction.atomic():
        ticket, assignment = _engineer_assignment(
            engineer=engineer, ticket_id=ticket_id, states=[Assignment.State.ACCEPTED]
        )
        if ticket.status == Status.EN_ROUTE:
            return None
        if ticket.status not in (Status.SCHEDULED, Status.ACCEPTED):
            raise Conflict(_("This job is not waiting for your visit."), field="eta_minutes")
        eta = now + dt.timedelta(minutes=eta_minutes)
        event = ticket_transition(
            ticket=ticket,
            to=Status.EN_ROUTE,
            actor=engineer.user,
            data={
                "eta": eta.astimezone(dt.UTC).isoformat(),
                "assignment_id": assignment.pk,
                "engineer_user_id": engineer.user_id,
            },
        )
        send_sms(
            to=ticket.customer.mobile,
            purpose="on_the_way",
            ticket=ticket,
            body=_("Your repair %(number)s: %(name)s is on the way, arriving about %(eta)s.")
            % {
                "number": ticket.number,
                "name": engineer.display_name,
                "eta": f"{timezone.localtime(eta):%H:%M}",
            },
        )
    return event
