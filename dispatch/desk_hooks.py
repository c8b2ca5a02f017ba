"""What dispatch gives the desk's ticket page through tickets.hooks: who holds the job and
its booked visit, and moving that visit when the customer asks."""

from .models import Appointment, Assignment
from .services import appointment_reschedule


def engineer_summary(*, ticket) -> dict | None:
    """The live assignment's engineer and the visit booked on it (two queries at most)."""
    assignment = (
        Assignment.objects.filter(ticket_id=ticket.pk, state__in=Assignment.LIVE)
        .select_related("engineer__user", "engineer__service_point")
        .first()
    )
    if assignment is None:
        return None
    engineer = assignment.engineer
    user = engineer.user
    visit = (
        Appointment.objects.filter(assignment=assignment, state=Appointment.State.BOOKED)
        .only("window_start", "window_end")
        .first()
    )
    return {
        "name": user.get_full_name() or user.first_name or user.get_username(),
        "username": user.get_username(),
        "phone": engineer.phone,
        "service_point": engineer.service_point.name,
        "accepted": assignment.state == Assignment.State.ACCEPTED,
        "window_start": visit.window_start if visit else None,
        "window_end": visit.window_end if visit else None,
    }


def visit_reschedule(*, ticket, window_start, window_end, customer_consent, actor, reason=""):
    """The desk moves the booked visit (the customer is on the phone and agreed)."""
    return appointment_reschedule(
        ticket_id=ticket.pk,
        window_start=window_start,
        window_end=window_end,
        customer_consent=customer_consent,
        actor=actor,
        reason=reason,
    )
