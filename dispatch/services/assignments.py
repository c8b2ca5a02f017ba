"""Creating, accepting and ending assignments: the records every other dispatch write
builds on."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets.errors import Conflict, NotFound
from tickets.lifecycle import Status
from tickets.messaging import send_sms
from tickets.models import Ticket
from tickets.services import ticket_transition
from tickets.sla import targets

from .. import matching
from ..models import Appointment, Assignment, QueueEntry


def already_assigned() -> Conflict:
    return Conflict(_("This ticket is already assigned."), code="already_assigned")


def excluded_engineers(ticket_id: int) -> set[int]:
    """Engineers the ticket was taken from (declined, timed out, taken off it): never
    offered it again automatically."""
    return set(
        Assignment.objects.filter(ticket_id=ticket_id, state__in=Assignment.TAKEN_FROM).values_list(
            "engineer_id", flat=True
        )
    )


def new_job_sms_text(*, ticket: Ticket, accept_due: dt.datetime | None) -> str:
    """The engineer's "new job" SMS, with the accept deadline of the ticket's SLA policy."""
    target = targets.accept_target(ticket)
    if accept_due is None or target is None:
        return _("New job %(number)s: please accept it.") % {"number": ticket.number}
    return _("New job %(number)s: please accept within %(minutes)s minutes (by %(time)s).") % {
        "number": ticket.number,
        "minutes": int(target.total_seconds() // 60),
        "time": f"{timezone.localtime(accept_due):%H:%M}",
    }


def _counts(engineer: Engineer, now: dt.datetime) -> tuple[int, int]:
    return matching.workloads([engineer.pk], now).get(engineer.pk, (0, 0, False))[:2]


def _create_assignment(
    *,
    ticket: Ticket,
    engineer: Engineer,
    actor,
    candidates: list,
    stage: str,
    score: float | None,
    manual: bool = False,
    reason: str = "",
    now: dt.datetime,
    had_queue_entry: bool = True,
    overridden: list[str] | None = None,
) -> Assignment:
    """Call holding the ticket's and the engineer's row locks, capacity already checked.
    The accept deadline is the accept clock's (tickets.sla.targets), as the SLA sweep
    enforces it."""
    accept_due = targets.accept_due_at(ticket, assigned_at=now)
    # The partial unique index backs the ticket lock: a second live row is an IntegrityError,
    # which the caller turns into "already assigned".
    assignment = Assignment.objects.create(
        ticket=ticket,
        engineer=engineer,
        created_at=now,
        accept_due_at=accept_due,
        candidates=candidates,
        stage=stage,
        score=score,
        manual=manual,
        manual_reason=reason if manual else "",
        overridden_rules=overridden or [],
        assigned_by=actor,
    )
    data = {
        "engineer_user_id": engineer.user_id,
        "engineer_name": engineer.display_name,
        "assignment_id": assignment.pk,
        "manual": manual,
        "stage": stage,
    }
    if overridden:
        data["overridden_rules"] = overridden
    ticket_transition(ticket=ticket, to=Status.ASSIGNED, actor=actor, reason=reason, data=data)
    if had_queue_entry:
        QueueEntry.objects.filter(ticket=ticket).delete()
    if engineer.phone:
        send_sms(
            to=engineer.phone,
            purpose="new_job",
            ticket=ticket,
            body=new_job_sms_text(ticket=ticket, accept_due=accept_due),
        )
    return assignment


def _end(assignment: Assignment, state: str, reason: str, now: dt.datetime, code: str = "") -> None:
    assignment.state = state
    assignment.ended_at = now
    assignment.end_reason = reason
    assignment.end_code = code
    assignment.call_retry_due_at = None
    assignment.save(
        update_fields=["state", "ended_at", "end_reason", "end_code", "call_retry_due_at"]
    )
    Appointment.objects.filter(assignment=assignment, state=Appointment.State.BOOKED).update(
        state=Appointment.State.CANCELLED
    )


def _engineer_assignment(
    *, engineer: Engineer, ticket_id: int, states
) -> tuple[Ticket, Assignment]:
    """Lock the ticket and the engineer's live assignment on it; NotFound for a job that is
    not (or no longer) theirs."""
    try:
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "address")
            .get(pk=ticket_id)
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Job not found.")) from None
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .filter(ticket=ticket, engineer=engineer, state__in=states)
        .first()
    )
    if assignment is None:
        raise NotFound(_("Job not found."))
    return ticket, assignment


def assignment_accept(*, engineer: Engineer, ticket_id: int) -> Assignment:
    """The engineer takes the job. Accepting twice is harmless."""
    now = timezone.now()
    with transaction.atomic():
        ticket, assignment = _engineer_assignment(
            engineer=engineer, ticket_id=ticket_id, states=Assignment.LIVE
        )
        if assignment.state == Assignment.State.ACCEPTED:
            return assignment
        assignment.state = Assignment.State.ACCEPTED
        assignment.accepted_at = now
        assignment.save(update_fields=["state", "accepted_at"])
        ticket_transition(
            ticket=ticket,
            to=Status.ACCEPTED,
            actor=engineer.user,
            data={"assignment_id": assignment.pk, "engineer_user_id": engineer.user_id},
        )
    return assignment
