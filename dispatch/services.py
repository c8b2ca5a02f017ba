"""Writes of dispatch: assigning, accepting, declining, re-dispatching, calls and visits.

Lock order everywhere: the ticket row first, then the engineer row. Capacity is counted
while holding the engineer's row lock, so two dispatches can never both fill the last slot;
the partial unique index `one_live_assignment_per_ticket` makes a second live assignment
of a ticket impossible whatever the code does.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets import masterdata
from tickets.errors import Conflict, DomainError, NotFound
from tickets.lifecycle import Status
from tickets.messaging import send_sms
from tickets.models import Ticket
from tickets.services import ticket_event_record, ticket_transition
from tickets.sla import targets

from . import matching
from .models import TAKE_BACK_REASONS, Appointment, Assignment, EndCode, FormSubmission, QueueEntry
from .rules import rule_labels

log = logging.getLogger(__name__)

CALL_RETRY_AFTER = dt.timedelta(minutes=getattr(settings, "DISPATCH_CALL_RETRY_MINUTES", 15))
QUEUE_RETRY_AFTER = dt.timedelta(minutes=5)
CALL_OUTCOMES = ("reached", "no_answer", "wrong_number")


def already_assigned() -> Conflict:
    return Conflict(_("This ticket is already assigned."), code="already_assigned")


def _local(when: dt.datetime) -> str:
    return date_format(timezone.localtime(when), "Y-m-d H:i")


def _window_text(start: dt.datetime, end: dt.datetime) -> str:
    return f"{_local(start)}–{timezone.localtime(end):%H:%M}"


class OverrideNeeded(DomainError):
    """A manual choice breaks matching rules the dispatcher has not confirmed."""

    default_code = "confirmation_required"

    def __init__(self, message, *, rules: list[str]):
        super().__init__(message, field="confirm_rules")
        self.rules = rules


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


class _Full(Exception):
    pass


def ticket_dispatch_auto(*, ticket_id: int, actor=None) -> Assignment | None:
    """Choose the best engineer and commit the assignment; None when nobody can take it
    (the ticket stays in the dispatcher's queue with the reason, recorded as an event).
    Raises Conflict("already assigned") when the ticket is no longer waiting."""
    now = timezone.now()
    try:
        ticket = Ticket.objects.select_related("address", "appliance", "dispatch_queue").get(
            pk=ticket_id
        )
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket not found.")) from None
    if ticket.status != Status.AWAITING_DISPATCH:
        raise already_assigned()
    # The area (its centroid and type) from the per-process master data: one join fewer to
    # plan on every decision, and the SLA clocks started on assignment read the same entry.
    Ticket.area.field.set_cached_value(ticket, masterdata.area_by_id(ticket.area_id))
    had_entry = getattr(ticket, "dispatch_queue", None) is not None
    result = matching.find_candidates(ticket, now=now)
    if not result.ranked:
        _queue_record(ticket_id=ticket_id, result=result, now=now, actor=actor)
        return None
    try:
        return _commit_best(ticket, result, actor, now, had_entry)
    except IntegrityError:
        raise already_assigned() from None


def _lock_row(model, pk: int, columns: str) -> tuple | None:
    """SELECT columns ... FOR UPDATE of one row: on the hot path of every dispatch, where the
    ORM's query building cost more than the statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {columns} FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE', [pk]
        )
        return cursor.fetchone()


def _lock_waiting(ticket_id: int) -> None:
    """Lock the ticket row (always the first lock taken) and check it is still waiting."""
    row = _lock_row(Ticket, ticket_id, "status")
    if row is None or row[0] != Status.AWAITING_DISPATCH:
        raise already_assigned()


def _commit_best(ticket, result, actor, now, had_entry) -> Assignment | None:
    """Commit the assignment to the best-ranked candidate who still has room.

    The first choice almost always still has room, so it is tried without a savepoint: if
    they filled up meanwhile the transaction rolls back, their row lock with it, and the
    others are tried in a second transaction, each in a savepoint that releases the lock
    of one who is full. Either way this never waits for an engineer while holding another's
    lock, so concurrent dispatches cannot deadlock on engineers."""
    snapshot = result.snapshot()
    first, *others = result.ranked
    try:
        with transaction.atomic():
            _lock_waiting(ticket.pk)
            return _assign_if_room(ticket, first, result, snapshot, actor, now, had_entry)
    except _Full:
        _mark_taken(snapshot, first)
    if others:
        with transaction.atomic():
            _lock_waiting(ticket.pk)
            for cand in others:
                try:
                    with transaction.atomic():
                        return _assign_if_room(
                            ticket, cand, result, snapshot, actor, now, had_entry
                        )
                except _Full:
                    _mark_taken(snapshot, cand)
    result.reason = QueueEntry.Reason.ALL_AT_CAPACITY
    _queue_record(ticket_id=ticket.pk, result=result, now=now, actor=actor, snapshot=snapshot)
    return None


def _mark_taken(snapshot: list[dict], cand: matching.Candidate) -> None:
    for entry in snapshot:
        if entry["engineer_id"] == cand.engineer.pk:
            entry["reasons"] = ["taken_meanwhile"]
            entry["eligible"] = False


def _assign_if_room(ticket, cand, result, snapshot, actor, now, had_entry) -> Assignment:
    """Call holding the ticket's row lock. Locks the engineer's row, counts their jobs
    under that lock (so two dispatches cannot both take the last slot) and assigns, or
    raises _Full. The matching already loaded the engineer and their user; only what a
    dispatcher may have changed since (capacity, phone) is read again."""
    engineer = cand.engineer
    fresh = _lock_row(Engineer, engineer.pk, "max_concurrent, max_per_day, phone")
    if fresh is None:
        raise _Full
    engineer.max_concurrent, engineer.max_per_day, engineer.phone = fresh
    live, today = _counts(engineer, now)
    if live >= engineer.max_concurrent or today >= engineer.max_per_day:
        raise _Full
    if result.need.customer_window:
        appt, _travel = matching.clash_for(
            engineer.pk,
            start=result.need.start,
            end=result.need.end,
            lat=result.need.lat,
            lng=result.need.lng,
            exclude_ticket_id=ticket.pk,
        )
        if appt is not None:
            raise _Full
    for entry in snapshot:
        if entry["engineer_id"] == engineer.pk:
            entry["chosen"] = True
    return _create_assignment(
        ticket=ticket,
        engineer=engineer,
        actor=actor,
        candidates=snapshot,
        stage=result.stage,
        score=cand.score,
        now=now,
        had_queue_entry=had_entry,
    )


def _queue_record(
    *, ticket_id: int, result: matching.Result, now, actor, snapshot: list[dict] | None = None
) -> None:
    """Nobody can take the ticket: keep it in the dispatcher's queue with the reason. The
    event is written when the reason changes, not on every sweep."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if ticket.status != Status.AWAITING_DISPATCH:
            return
        entry, _created = QueueEntry.objects.get_or_create(ticket=ticket)
        changed = entry.reason != result.reason
        entry.reason = result.reason
        entry.detail = _("%(n)s engineers considered") % {"n": len(result.considered)}
        entry.attempts += 1
        entry.last_attempt_at = now
        entry.next_attempt_at = now + QUEUE_RETRY_AFTER
        entry.save()
        if changed:
            ticket_event_record(
                ticket=ticket,
                kind="dispatch_failed",
                actor=actor,
                reason=str(QueueEntry.Reason(result.reason).label),
                data={
                    "reason_code": result.reason,
                    "considered": len(result.considered),
                    "candidates": (snapshot or result.snapshot())[:50],
                },
            )


def ticket_assign_manual(
    *, ticket_id: int, engineer_id: int, reason: str, actor, confirm_rules=()
) -> Assignment:
    """A dispatcher's choice, with a required reason. Takes the job from the current engineer
    when there is one (reassignment). An engineer the automatic dispatch would pass over
    (too far, no skill or certification, at capacity, off shift, clashing appointment, the
    job taken from them before) is assigned only when every broken rule is in
    `confirm_rules`; otherwise OverrideNeeded names them. The overridden rules are recorded
    on the assignment and its event."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the manual assignment."), field="reason")
    confirmed = {str(code) for code in confirm_rules or ()}
    now = timezone.now()
    with transaction.atomic():
        try:
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("address", "appliance", "area")
                .get(pk=ticket_id)
            )
        except Ticket.DoesNotExist:
            raise NotFound(_("Ticket not found.")) from None
        if not ticket.is_open:
            raise Conflict(_("This ticket is closed."), field="ticket")
        current = Assignment.objects.select_for_update().filter(ticket=ticket).live().first()
        if current is not None and current.engineer_id == int(engineer_id):
            raise Conflict(_("This engineer already has the job."), field="engineer")
        if current is None and ticket.status != Status.AWAITING_DISPATCH:
            raise Conflict(
                _("This ticket is not waiting for dispatch."), field="ticket", code="not_waiting"
            )
        try:
            engineer = (
                Engineer.objects.select_for_update(of=("self",))
                .select_related("user", "service_point")
                .get(pk=engineer_id, active=True)
            )
        except (Engineer.DoesNotExist, ValueError, TypeError):
            raise DomainError(_("Choose an active engineer."), field="engineer") from None
        checked = matching.check_engineer(ticket, engineer, now=now)
        broken = list(checked.reasons)
        if set(broken) - confirmed:
            raise OverrideNeeded(
                _(
                    "%(name)s does not meet these rules of the automatic dispatch: %(rules)s. "
                    "Confirm to assign anyway."
                )
                % {"name": engineer.display_name, "rules": "; ".join(rule_labels(broken))},
                rules=broken,
            )
        if current is not None:
            _end(current, Assignment.State.REASSIGNED, reason, now, code=EndCode.REASSIGNED)
            ticket_transition(
                ticket=ticket,
                to=Status.AWAITING_DISPATCH,
                actor=actor,
                reason=reason,
                data={
                    "assignment_id": current.pk,
                    "engineer_user_id": current.engineer.user_id,
                    "reason_code": EndCode.REASSIGNED,
                    "dispatched_inline": True,
                },
            )
        result = matching.find_candidates(ticket, exclude=excluded_engineers(ticket.pk), now=now)
        snapshot = result.snapshot()
        entry = next((c for c in snapshot if c["engineer_id"] == engineer.pk), None)
        if entry is None:
            entry = checked.as_dict()
            snapshot.insert(0, entry)
        entry["chosen"] = True
        entry["overridden"] = broken
        return _create_assignment(
            ticket=ticket,
            engineer=engineer,
            actor=actor,
            candidates=snapshot,
            stage="manual",
            score=entry.get("score"),
            manual=True,
            reason=reason,
            now=now,
            overridden=broken,
        )


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


def _try_next(ticket_id: int) -> Assignment | None:
    """After a job came back: offer it to the next candidate right away."""
    try:
        return ticket_dispatch_auto(ticket_id=ticket_id)
    except Conflict:
        return None


def ticket_redispatch(
    *,
    ticket,
    reason: str,
    actor=None,
    state: str | None = None,
    find_next: bool = True,
    code: str = "",
) -> Assignment | None:
    """Take the job from its engineer and find the next one (never that engineer again).
    With the system as actor (the SLA sweep, through the tickets redispatcher, when an
    accept or contact clock breaches) the engineer timed out. With `find_next` the next
    engineer is chosen here, so no auto-dispatch task is queued for it."""
    now = timezone.now()
    if state is None:
        state = Assignment.State.TIMED_OUT if actor is None else Assignment.State.REASSIGNED
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        current = Assignment.objects.select_for_update().filter(ticket=locked).live().first()
        data = {}
        if current is not None:
            if not code and actor is None:
                active = current.state == Assignment.State.ACTIVE
                code = EndCode.ACCEPT_TIMEOUT if active else EndCode.CONTACT_BREACH
            code = code or EndCode.REASSIGNED
            _end(current, state, reason, now, code=code)
            data = {
                "assignment_id": current.pk,
                "engineer_user_id": current.engineer.user_id,
                "reason_code": code,
            }
        if find_next:
            data["dispatched_inline"] = True
        if locked.status != Status.AWAITING_DISPATCH:
            ticket_transition(
                ticket=locked, to=Status.AWAITING_DISPATCH, actor=actor, reason=reason, data=data
            )
        nxt = _try_next(locked.pk) if find_next else None
    ticket.refresh_from_db()
    return nxt


def assignment_take_back(
    *, ticket_id: int, reason_code: str, detail: str = "", actor
) -> Assignment | None:
    """A dispatcher takes the job from its engineer (a broken-down van, an engineer off
    sick...) with a reason code, and dispatches it again at once to someone else. Returns
    the next assignment, or None when the ticket waits in the queue."""
    if reason_code not in TAKE_BACK_REASONS:
        raise DomainError(_("Choose why the job is taken back."), field="reason_code")
    detail = (detail or "").strip()
    if reason_code == EndCode.OTHER and not detail:
        raise DomainError(_("Say why the job is taken back."), field="detail")
    label = str(EndCode(reason_code).label)
    reason = f"{label}: {detail}" if detail else label
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound(_("Ticket not found."))
        if not Assignment.objects.filter(ticket=ticket).live().exists():
            raise Conflict(_("No engineer holds this job."), field="reason_code")
        return ticket_redispatch(
            ticket=ticket,
            reason=reason,
            actor=actor,
            state=Assignment.State.REASSIGNED,
            code=reason_code,
        )


def ticket_redispatch_hook(*, ticket, reason: str, actor=None, data: dict | None = None) -> None:
    """The redispatcher installed in tickets.hooks (the SLA sweep calls it on a breached
    accept or contact clock): take the job back now, holding the ticket's lock only briefly;
    the matching runs right after commit in the auto-dispatch task queued by the move to
    "awaiting dispatch" (never offering it again to the engineer who timed out)."""
    ticket_redispatch(ticket=ticket, reason=reason, actor=actor, find_next=False)


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


def assignment_decline(*, engineer: Engineer, ticket_id: int, reason: str) -> Assignment:
    """The engineer turns the job down with a reason; the next candidate gets it at once
    (here, so no auto-dispatch task is queued)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you decline the job."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        ticket, assignment = _engineer_assignment(
            engineer=engineer, ticket_id=ticket_id, states=[Assignment.State.ACTIVE]
        )
        _end(assignment, Assignment.State.DECLINED, reason, now, code=EndCode.DECLINED)
        ticket_transition(
            ticket=ticket,
            to=Status.AWAITING_DISPATCH,
            actor=engineer.user,
            reason=reason,
            data={
                "assignment_id": assignment.pk,
                "engineer_user_id": engineer.user_id,
                "declined": True,
                "reason_code": EndCode.DECLINED,
                "dispatched_inline": True,
            },
        )
        _try_next(ticket.pk)
    return assignment


def tickets_dispatch_waiting(*, now: dt.datetime | None = None, batch: int = 50) -> int:
    """The sweep: tickets still waiting whose next attempt is due (or never tried)."""
    from django.db.models import Q

    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(status=Status.AWAITING_DISPATCH)
        .filter(
            Q(dispatch_queue__isnull=True, updated_at__lte=now - dt.timedelta(minutes=1))
            | Q(dispatch_queue__next_attempt_at__lte=now)
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:batch]
    )
    assigned = 0
    for ticket_id in ids:
        try:
            if ticket_dispatch_auto(ticket_id=ticket_id) is not None:
                assigned += 1
        except Conflict:
            continue
    return assigned


def form_token_claim(*, token: str, user) -> bool:
    """Record a form's one-time token; False when it was already used (a resubmission).
    Call inside the transaction of the form's work so a failed attempt frees the token."""
    if not token:
        return True
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token[:64], user=user)
    except IntegrityError:
        return False
    return True


def customer_call_log(*, engineer: Engineer, ticket_id: int, outcome: str, note: str = ""):
    """The engineer's call to the customer. "reached" meets the contact clock; "no answer"
    sets a retry time (swept by beat) and texts the customer."""
    if outcome not in CALL_OUTCOMES:
        raise DomainError(_("Choose the outcome of the call."), field="outcome")
    now = timezone.now()
    with transaction.atomic():
        ticket, assignment = _engineer_assignment(
            engineer=engineer, ticket_id=ticket_id, states=Assignment.LIVE
        )
        if assignment.state != Assignment.State.ACCEPTED:
            raise Conflict(_("Accept the job before calling the customer."), field="outcome")
        data = {
            "outcome": outcome,
            "engineer_user_id": engineer.user_id,
            "assignment_id": assignment.pk,
        }
        if outcome == "no_answer":
            assignment.call_retry_due_at = now + CALL_RETRY_AFTER
            data["retry_at"] = assignment.call_retry_due_at.isoformat()
            send_sms(
                to=ticket.customer.mobile,
                purpose="call_missed",
                ticket=ticket,
                body=_(
                    "Our engineer %(name)s tried to call you about repair %(number)s and will "
                    "call again soon."
                )
                % {"name": engineer.display_name, "number": ticket.number},
            )
        else:
            assignment.call_retry_due_at = None
        assignment.save(update_fields=["call_retry_due_at"])
        return ticket_event_record(
            ticket=ticket, kind="customer_call", actor=engineer.user, reason=note, data=data
        )


def call_retries_due(*, now: dt.datetime | None = None, batch: int = 100) -> int:
    """ "No answer" retries that are due: remind the engineer (an event on the job, shown on
    their list, and an SMS when we have their number) and clear the retry time."""
    now = now or timezone.now()
    done = 0
    ids = list(
        Assignment.objects.filter(
            state=Assignment.State.ACCEPTED, call_retry_due_at__lte=now
        ).values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        with transaction.atomic():
            a = (
                Assignment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, call_retry_due_at__lte=now, state=Assignment.State.ACCEPTED)
                .select_related("ticket", "engineer__user")
                .first()
            )
            if a is None:
                continue
            a.call_retry_due_at = None
            a.save(update_fields=["call_retry_due_at"])
            ticket_event_record(
                ticket=a.ticket,
                kind="call_retry_due",
                data={"engineer_user_id": a.engineer.user_id, "assignment_id": a.pk},
            )
            if a.engineer.phone:
                send_sms(
                    to=a.engineer.phone,
                    purpose="call_retry",
                    ticket=a.ticket,
                    body=_("Call the customer of %(number)s again.") % {"number": a.ticket.number},
                )
            done += 1
    return done


def _check_window(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    if start is None or end is None:
        raise DomainError(_("Give the start and the end of the window."), field="window_start")
    if end <= start:
        raise DomainError(_("The window must end after it starts."), field="window_end")
    if end - start > dt.timedelta(hours=8):
        raise DomainError(_("A window cannot be longer than 8 hours."), field="window_end")
    if start < now - dt.timedelta(minutes=5):
        raise DomainError(_("The window cannot start in the past."), field="window_start")


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
            % {"number": ticket.number, "window": _window_text(window_start, window_end)},
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


# --- reactions to the ticket's life (registered in DispatchConfig.ready) ---------------------

ENDING = {
    Status.COMPLETED,
    Status.RESOLVED_REMOTELY,
    Status.CANCELLED,
    Status.CLOSED,
}


def on_ticket_transition(*, ticket, from_status, to_status, event, actor) -> None:
    """A ticket entering "awaiting dispatch" is dispatched automatically (after commit, by
    Celery) unless the service that moved it chooses the next engineer itself (data
    `dispatched_inline`); a visit starts when the engineer checks in; a ticket that is done
    frees its engineer."""
    from tickets.taskqueue import enqueue_task

    now = event.created_at
    if to_status == Status.AWAITING_DISPATCH:
        if from_status not in (Status.NEW, Status.AWAITING_FEE_ACCEPTANCE):
            # A live assignment our own services did not end (e.g. "needs a senior").
            for a in Assignment.objects.filter(ticket=ticket).live():
                _end(a, Assignment.State.REASSIGNED, event.reason, now, code=EndCode.HANDED_BACK)
            QueueEntry.objects.update_or_create(
                ticket=ticket,
                defaults={
                    "reason": QueueEntry.Reason.RETURNED,
                    "returned_reason": event.reason,
                    "next_attempt_at": now,
                },
            )
        if not (event.data or {}).get("dispatched_inline"):
            enqueue_task("dispatch.tasks.auto_dispatch", ticket_id=ticket.pk)
    elif to_status == Status.ON_SITE:
        # The booked visit took place: a second visit can be booked on the same assignment.
        Appointment.objects.filter(ticket=ticket, state=Appointment.State.BOOKED).update(
            state=Appointment.State.VISITED
        )
    elif to_status in ENDING:
        for a in Assignment.objects.filter(ticket=ticket).live():
            _end(a, Assignment.State.ENDED, event.reason or str(Status(to_status).label), now)
        QueueEntry.objects.filter(ticket=ticket).delete()
