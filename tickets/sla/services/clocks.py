"""Clock arithmetic and the moves of one clock: start, meet, pause, resume, cancel, move
the deadline. The policy decides the budget; the calendar how it is counted."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ... import masterdata
from ...inserts import insert_later
from ...lifecycle import Status
from ...models import Ticket, TicketEvent
from ...services import ticket_event_record
from .. import calendar as cal
from ..models import (
    ClockKind,
    SlaClock,
    SlaPolicy,
)

K = ClockKind
OPEN = (SlaClock.State.RUNNING, SlaClock.State.PAUSED)
# Clocks that a closed or cancelled ticket stops; complaints outlive the ticket.
TICKET_BOUND = (K.ACCEPT, K.CONTACT, K.ARRIVAL, K.COMPLETION, K.CHECK_BACK, K.CALLBACK)
PAUSABLE = (K.ARRIVAL, K.COMPLETION)
PRE_ARRIVAL = (Status.ASSIGNED, Status.ACCEPTED, Status.SCHEDULED, Status.EN_ROUTE)
# Event kinds other apps record; the data keys are listed in the report/README.
EV_CALL = "customer_call"
EV_POSTPONED = "customer_postponed"
EV_RESCHEDULED = "rescheduled"
EV_CHECK_BACK = "check_back_done"
EV_COMPLAINT_OPENED = "complaint_opened"
EV_COMPLAINT_RESPONDED = "complaint_responded"
EV_COMPLAINT_RESOLVED = "complaint_resolved"


def policy_for(*, priority: str, area_type: str, service_type: str = "repair") -> SlaPolicy | None:
    return masterdata.sla_policy(priority=priority, area_type=area_type, service_type=service_type)


def ticket_policy(ticket: Ticket) -> SlaPolicy | None:
    """The policy of the ticket's service type, priority and area type as they are now."""
    return policy_for(
        priority=ticket.priority, area_type=_area_type(ticket), service_type=ticket.service_type_id
    )


def _area_type(ticket: Ticket) -> str:
    return masterdata.area_by_id(ticket.area_id).area_type


def _target(policy: SlaPolicy | None, kind: str):
    if policy is None:
        return None
    by_kind = getattr(policy, "targets_by_kind", None)  # set on the cached policies
    if by_kind is None:
        by_kind = {target.kind: target for target in policy.targets.all()}
    return by_kind.get(kind)


def _schedule(calendar_id: int | None) -> cal.Schedule | None:
    return masterdata.schedule(calendar_id) if calendar_id is not None else None


def _compute_due(clock: SlaClock, schedule: cal.Schedule | None) -> None:
    """Set due_at and warn_at of a running clock from its budget (or fixed deadline)."""
    ratio = float(clock.warn_ratio)
    if clock.target_seconds is None:  # a fixed deadline: warn when `ratio` of it is gone
        span = max(0.0, (clock.due_at - clock.started_at).total_seconds())
        clock.warn_at = clock.started_at + dt.timedelta(seconds=span * ratio)
        return
    left = clock.target_seconds - clock.used_seconds
    clock.due_at = cal.add(schedule, clock.segment_started_at, max(0, left))
    warn_left = clock.target_seconds * ratio - clock.used_seconds
    clock.warn_at = (
        cal.add(schedule, clock.segment_started_at, warn_left)
        if warn_left > 0
        else clock.segment_started_at
    )


def _used_in_segment(clock: SlaClock, now: dt.datetime) -> float:
    return cal.elapsed(_schedule(clock.calendar_id), clock.segment_started_at, now)


def clock_start(
    *,
    ticket: Ticket,
    kind: str,
    now: dt.datetime,
    cycle: int = 1,
    ref: str = "",
    fixed_due: dt.datetime | None = None,
    policy: SlaPolicy | None = None,
) -> SlaClock | None:
    """Start a clock unless the same one is already live. No policy target, no clock."""
    live = SlaClock.objects.filter(ticket=ticket, kind=kind, cycle=cycle, ref=ref, state__in=OPEN)
    existing = live.first()
    if existing is not None:
        return existing
    policy = policy or ticket_policy(ticket)
    clock = _new_clock(
        ticket=ticket, kind=kind, now=now, cycle=cycle, ref=ref, fixed_due=fixed_due, policy=policy
    )
    if clock is not None:
        clock.save()
    return clock


def clocks_start_new(*, ticket: Ticket, now: dt.datetime, starts: list[dict]) -> None:
    """Start clocks that should not be live yet (a ticket just opened, an assignment cycle
    just begun) in one insert, without looking first. One that is live after all is left
    as it is (the live-clock constraint decides, ON CONFLICT DO NOTHING), as clock_start
    would. `starts`: clock_start's keyword arguments other than ticket, now and policy."""
    policy = ticket_policy(ticket)
    clocks = [_new_clock(ticket=ticket, now=now, policy=policy, **start) for start in starts]
    clocks = [c for c in clocks if c is not None]
    if clocks:
        insert_later(clocks, skip_conflicts=True)


def _new_clock(
    *, ticket, kind, now, cycle=1, ref="", fixed_due=None, policy=None
) -> SlaClock | None:
    target = _target(policy, kind)
    if target is None and fixed_due is None:
        return None
    calendar_id = policy.calendar_id if (target and target.service_hours_only) else None
    clock = SlaClock(
        ticket=ticket,
        kind=kind,
        cycle=cycle,
        ref=ref,
        policy=policy,
        calendar_id=calendar_id,
        target_seconds=None if fixed_due else target.minutes * 60,
        warn_ratio=policy.warn_ratio if policy else Decimal("0.75"),
        started_at=now,
        segment_started_at=now,
        due_at=fixed_due,
    )
    _compute_due(clock, _schedule(calendar_id))
    return clock


def _lock_open(ticket: Ticket, kinds, **filters) -> list[SlaClock]:
    return list(
        SlaClock.objects.select_for_update()
        .filter(ticket=ticket, kind__in=kinds, state__in=OPEN, **filters)
        .order_by("id")
    )


def clock_meet(*, clock: SlaClock, now: dt.datetime, ticket: Ticket | None = None) -> None:
    """Met: its evidence arrived. An arrival after the deadline records the lateness."""
    late = None
    if clock.due_at and now > clock.due_at and clock.state == SlaClock.State.RUNNING:
        late = int((now - clock.due_at).total_seconds())
    clock.state, clock.met_at, clock.late_seconds = SlaClock.State.MET, now, late
    clock.save(update_fields=["state", "met_at", "late_seconds"])
    if late and clock.kind == K.ARRIVAL:
        _record_late_arrival(clock=clock, ticket=ticket or clock.ticket, now=now, late=late)


def _record_late_arrival(*, clock: SlaClock, ticket: Ticket, now: dt.datetime, late: int) -> None:
    voucher = clock.policy.late_compensation_cny if clock.policy_id else Decimal("0")
    ticket_event_record(
        ticket=ticket,
        kind="late_arrival",
        data={
            "clock_id": clock.pk,
            "due_at": clock.due_at.isoformat(),
            "arrived_at": now.isoformat(),
            "late_minutes": round(late / 60),
            "compensation_cny": str(voucher),
        },
    )


def clock_cancel(*, clock: SlaClock, now: dt.datetime) -> None:
    clock.state, clock.cancelled_at = SlaClock.State.CANCELLED, now
    clock.save(update_fields=["state", "cancelled_at"])


def clock_pause(
    *, clock: SlaClock, now: dt.datetime, reason: str, resume_at: dt.datetime | None = None
) -> None:
    if clock.state != SlaClock.State.RUNNING:
        if clock.state == SlaClock.State.PAUSED and resume_at:
            clock.resume_at = resume_at
            clock.save(update_fields=["resume_at"])
        return
    if clock.target_seconds is not None:
        clock.used_seconds += _used_in_segment(clock, now)
    clock.state, clock.paused_at = SlaClock.State.PAUSED, now
    clock.pause_reason, clock.resume_at = reason[:255], resume_at
    clock.save(update_fields=["state", "used_seconds", "paused_at", "pause_reason", "resume_at"])


def clock_resume(*, clock: SlaClock, now: dt.datetime) -> None:
    if clock.state != SlaClock.State.PAUSED:
        return
    pause = now - clock.paused_at
    clock.paused_seconds += pause.total_seconds()
    if clock.target_seconds is None and clock.due_at:
        clock.due_at += pause  # a fixed deadline moves by the time paused
        clock.started_at += pause
    clock.state, clock.paused_at, clock.resume_at = SlaClock.State.RUNNING, None, None
    clock.segment_started_at = now
    _compute_due(clock, _schedule(clock.calendar_id))
    clock.save(
        update_fields=[
            "state",
            "paused_at",
            "resume_at",
            "paused_seconds",
            "segment_started_at",
            "due_at",
            "warn_at",
            "started_at",
        ]
    )


def clock_move_deadline(*, clock: SlaClock, due_at: dt.datetime, now: dt.datetime) -> None:
    """An agreed window (with the customer's consent) becomes the deadline."""
    if clock.state == SlaClock.State.PAUSED:
        clock_resume(clock=clock, now=now)
    clock.target_seconds, clock.due_at = None, due_at
    clock.started_at = min(clock.started_at, now)
    if due_at > now:
        clock.warned_at = None if clock.warn_at and clock.warn_at > now else clock.warned_at
    _compute_due(clock, None)
    clock.save(update_fields=["target_seconds", "due_at", "warn_at", "started_at", "warned_at"])


def _assignment_cycle(ticket: Ticket) -> int:
    return TicketEvent.objects.filter(
        ticket=ticket, kind="status", to_status=Status.ASSIGNED
    ).count()


def _parse_when(value) -> dt.datetime | None:
    if not value:
        return None
    when = parse_datetime(str(value))
    if when is None:
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when
