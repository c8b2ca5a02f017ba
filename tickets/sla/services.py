"""SLA writes: clocks follow the ticket's own transitions and events; the sweep acts on
what is due; escalations walk their chain until acknowledged.

Lock order: a ticket's row (held by `ticket_transition` when the hooks run) before its
clocks. The sweep locks clocks with SKIP LOCKED and never waits for a ticket, so the two
cannot deadlock; work that needs the ticket (re-dispatch) goes through the task outbox.
"""

import datetime as dt
import logging
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .. import hooks, masterdata
from ..choices import Priority
from ..errors import DomainError, PermissionDenied
from ..inserts import insert_later
from ..lifecycle import Status
from ..messaging import send_email, send_sms
from ..models import ServiceArea, Ticket, TicketEvent
from ..roles import Role, has_role
from ..services import ticket_event_record, ticket_events_record_many
from . import calendar as cal
from .models import (
    ClockKind,
    EscalationLevel,
    ServiceCalendar,
    SlaClock,
    SlaEscalation,
    SlaNotification,
    SlaPolicy,
)

log = logging.getLogger(__name__)
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


# --- policy lookup and clock arithmetic ------------------------------------------------


def policy_for(*, priority: str, area_type: str) -> SlaPolicy | None:
    return masterdata.sla_policy(priority=priority, area_type=area_type)


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
    policy = policy or policy_for(priority=ticket.priority, area_type=_area_type(ticket))
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
    policy = policy_for(priority=ticket.priority, area_type=_area_type(ticket))
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


# --- reacting to the ticket --------------------------------------------------------------


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


def _start_service_clocks(ticket: Ticket, now: dt.datetime) -> None:
    """Arrival and completion, from the moment the ticket can be dispatched. An appointment
    must be kept by the end of the customer's preferred window."""
    fixed = (
        ticket.preferred_end
        if ticket.priority == Priority.APPOINTMENT and ticket.preferred_end
        else None
    )
    clocks_start_new(
        ticket=ticket,
        now=now,
        starts=[{"kind": K.ARRIVAL, "fixed_due": fixed}, {"kind": K.COMPLETION}],
    )


def on_ticket_transition(*, ticket, from_status, to_status, event, actor) -> None:
    """Registered with tickets.hooks; runs inside ticket_transition with the ticket locked."""
    now = event.created_at
    data = event.data or {}
    if from_status == Status.WAITING_FOR_PARTS:
        for clock in _lock_open(ticket, PAUSABLE):
            clock_resume(clock=clock, now=now)

    if to_status == Status.AWAITING_DISPATCH and from_status == Status.NEW:
        _start_service_clocks(ticket, now)  # just opened: no clocks to cancel or look for
    elif to_status == Status.AWAITING_DISPATCH:
        for clock in _lock_open(ticket, (K.ACCEPT, K.CONTACT)):
            clock_cancel(clock=clock, now=now)  # the next assignment starts new ones
        if from_status == Status.RESOLVED_REMOTELY:
            for clock in _lock_open(ticket, (K.CHECK_BACK,)):
                clock_meet(clock=clock, now=now, ticket=ticket)  # the check-back found it not fixed
        started = SlaClock.objects.filter(ticket=ticket, kind=K.ARRIVAL).exclude(
            state=SlaClock.State.CANCELLED
        )
        if not started.exists():
            _start_service_clocks(ticket, now)
    elif to_status == Status.ASSIGNED:
        # Each assignment is a new cycle: its accept and contact clocks cannot exist yet.
        cycle = _assignment_cycle(ticket)
        clocks_start_new(
            ticket=ticket,
            now=now,
            starts=[{"kind": K.ACCEPT, "cycle": cycle}, {"kind": K.CONTACT, "cycle": cycle}],
        )
    elif to_status == Status.ACCEPTED and from_status == Status.ASSIGNED:
        for clock in _lock_open(ticket, (K.ACCEPT,)):
            clock_meet(clock=clock, now=now, ticket=ticket)
    elif to_status == Status.SCHEDULED:
        window_end = _parse_when(data.get("window_end"))
        consented = ticket.priority == Priority.APPOINTMENT or data.get("customer_consent")
        for clock in _lock_open(ticket, PAUSABLE):
            if clock.kind == K.ARRIVAL and window_end and consented:
                clock_move_deadline(clock=clock, due_at=window_end, now=now)
            elif clock.state == SlaClock.State.PAUSED:
                clock_resume(clock=clock, now=now)
    elif to_status in (Status.EN_ROUTE, Status.ON_SITE):
        for clock in _lock_open(ticket, PAUSABLE, state=SlaClock.State.PAUSED):
            clock_resume(clock=clock, now=now)
        if to_status == Status.ON_SITE:
            for clock in _lock_open(ticket, (K.ARRIVAL,)):
                clock_meet(clock=clock, now=now, ticket=ticket)
            # Checked in after a breach: the lateness is still recorded for compensation.
            for clock in SlaClock.objects.select_for_update().filter(
                ticket=ticket, kind=K.ARRIVAL, state=SlaClock.State.BREACHED, late_seconds=None
            ):
                late = int((now - clock.due_at).total_seconds())
                clock.late_seconds = late
                clock.save(update_fields=["late_seconds"])
                _record_late_arrival(clock=clock, ticket=ticket, now=now, late=late)
    elif to_status == Status.WAITING_FOR_PARTS:
        reason = event.reason or _("Waiting for parts")
        for clock in _lock_open(ticket, PAUSABLE):
            clock_pause(clock=clock, now=now, reason=reason)
    elif to_status == Status.COMPLETED:
        for clock in _lock_open(ticket, (K.COMPLETION, K.ARRIVAL)):
            clock_meet(clock=clock, now=now, ticket=ticket)
        clock_start(ticket=ticket, kind=K.CALLBACK, now=now)
    elif to_status == Status.RESOLVED_REMOTELY:
        for clock in _lock_open(ticket, (K.ACCEPT, K.CONTACT, K.ARRIVAL, K.COMPLETION)):
            clock_cancel(clock=clock, now=now)
        clock_start(ticket=ticket, kind=K.CHECK_BACK, now=now)
    elif to_status == Status.CALLBACK_DONE:
        for clock in _lock_open(ticket, (K.CALLBACK,)):
            clock_meet(clock=clock, now=now, ticket=ticket)

    if to_status in Status.terminal():
        for clock in _lock_open(ticket, TICKET_BOUND):
            clock_cancel(clock=clock, now=now)


def on_ticket_event(*, ticket, event, actor) -> None:
    """Registered with tickets.hooks: non-status facts that meet, pause or move clocks."""
    now = event.created_at
    data = event.data or {}
    kind = event.kind
    if kind == EV_CALL:
        if data.get("outcome") != "reached":
            return  # no answer, wrong number: the promise still stands
        for clock in _lock_open(ticket, (K.CONTACT, K.CHECK_BACK)):
            clock_meet(clock=clock, now=now, ticket=ticket)
    elif kind == EV_CHECK_BACK:
        for clock in _lock_open(ticket, (K.CHECK_BACK,)):
            clock_meet(clock=clock, now=now, ticket=ticket)
    elif kind == EV_POSTPONED:
        reason = (data.get("reason") or event.reason or _("Customer asked for a later date"))[:255]
        until = _parse_when(data.get("until"))
        for clock in _lock_open(ticket, PAUSABLE):
            clock_pause(clock=clock, now=now, reason=reason, resume_at=until)
    elif kind == EV_RESCHEDULED:
        window_end = _parse_when(data.get("window_end"))
        if window_end is None or data.get("customer_consent") is False:
            return  # without the customer's consent the promise does not move
        for clock in _lock_open(ticket, (K.ARRIVAL,)):
            clock_move_deadline(clock=clock, due_at=window_end, now=now)
    elif kind == EV_COMPLAINT_OPENED:
        ref = str(data.get("complaint_id") or data.get("ref") or event.pk)
        policy = policy_for(priority=ticket.priority, area_type=_area_type(ticket))
        for clock_kind in (K.COMPLAINT_RESPONSE, K.COMPLAINT_RESOLUTION):
            clock_start(ticket=ticket, kind=clock_kind, now=now, ref=ref, policy=policy)
    elif kind in (EV_COMPLAINT_RESPONDED, EV_COMPLAINT_RESOLVED):
        ref = str(data.get("complaint_id") or data.get("ref") or "")
        kinds = (
            (K.COMPLAINT_RESPONSE,)
            if kind == EV_COMPLAINT_RESPONDED
            else (K.COMPLAINT_RESPONSE, K.COMPLAINT_RESOLUTION)
        )
        filters = {"ref": ref} if ref else {}
        for clock in _lock_open(ticket, kinds, **filters):
            clock_meet(clock=clock, now=now, ticket=ticket)


# --- priority / area change ----------------------------------------------------------------


def sla_recompute_for_ticket(*, ticket: Ticket, actor=None, reason: str = "") -> list[dict]:
    """Re-read the policy for the ticket's current priority and area type and recompute its
    open clocks, keeping the time already used and the pauses already taken.
    Call while holding the ticket's row lock."""
    now = timezone.now()
    masterdata.recheck()  # rare and deliberate: use a policy edited a moment ago
    policy = policy_for(priority=ticket.priority, area_type=_area_type(ticket))
    changes = []
    for clock in _lock_open(ticket, list(ClockKind.values)):
        target = _target(policy, clock.kind)
        if target is None:
            continue
        old_due = clock.due_at
        if clock.target_seconds is None:
            if ticket.priority == Priority.APPOINTMENT:
                continue  # the agreed window still stands
            # A fixed window becomes a budget: wall time since the start minus pauses.
            clock.used_seconds = max(
                0.0, (now - clock.started_at).total_seconds() - clock.paused_seconds
            )
        elif clock.state == SlaClock.State.RUNNING:
            clock.used_seconds += _used_in_segment(clock, now)
        clock.segment_started_at = now
        clock.policy = policy
        clock.calendar = policy.calendar if target.service_hours_only else None
        clock.target_seconds = target.minutes * 60
        clock.warn_ratio = policy.warn_ratio
        if clock.state == SlaClock.State.RUNNING:
            _compute_due(clock, _schedule(clock.calendar_id))
            if clock.used_seconds >= clock.target_seconds:
                # More time used than the new target allows: breached now, at the recompute
                # (the sweep records it with this deadline), not at a deadline in the past.
                clock.due_at = clock.warn_at = now
        clock.save()
        changes.append(
            {
                "clock_id": clock.pk,
                "kind": clock.kind,
                "used_seconds": clock.used_seconds,
                "old_due_at": old_due.isoformat() if old_due else None,
                "new_due_at": clock.due_at.isoformat() if clock.due_at else None,
            }
        )
    ticket_event_record(
        ticket=ticket,
        kind="sla_recomputed",
        actor=actor,
        reason=reason,
        data={"policy": policy.pk if policy else None, "clocks": changes},
    )
    return changes


def ticket_change_priority(*, ticket: Ticket, priority: str, actor, reason: str) -> Ticket:
    """Change the priority (e.g. a leak turns out to touch the wiring) and recompute the
    running clocks. Desk roles and supervisors; the reason is required."""
    if actor is not None and not has_role(
        actor, Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN
    ):
        raise PermissionDenied(_("Your role may not change a ticket's priority."))
    if priority not in Priority.values:
        raise DomainError(_("Unknown priority."), field="priority")
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the change."), field="reason")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.priority == priority:
            return locked
        old = locked.priority
        locked.priority = priority
        locked.save(update_fields=["priority", "updated_at"])
        ticket_event_record(
            ticket=locked,
            kind="priority_changed",
            actor=actor,
            reason=reason.strip(),
            data={"from": old, "to": priority},
        )
        sla_recompute_for_ticket(ticket=locked, actor=actor, reason=reason.strip())
    ticket.priority = priority
    return ticket


def ticket_change_area(*, ticket: Ticket, area: ServiceArea, actor, reason: str) -> Ticket:
    """The job is in another area (maybe of another type): recompute the clocks."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the change."), field="reason")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        old = locked.area_id
        locked.area = area
        locked.save(update_fields=["area", "updated_at"])
        ticket_event_record(
            ticket=locked,
            kind="area_changed",
            actor=actor,
            reason=reason.strip(),
            data={"from": old, "to": area.pk},
        )
        sla_recompute_for_ticket(ticket=locked, actor=actor, reason=reason.strip())
    ticket.area = area
    return ticket


def calendar_recompute_clocks(*, calendar_id: int, batch: int = 500) -> int:
    """A schedule or holiday edit: move the deadlines of the running clocks that count in
    that calendar. Bounded batches, each clock locked (SKIP LOCKED: one in use now is
    recomputed by the next run)."""
    masterdata.recheck()  # the edit that asked for this committed just now
    schedule = _schedule(calendar_id)
    done, last_id = 0, 0
    while True:
        with transaction.atomic():
            clocks = list(
                SlaClock.objects.select_for_update(skip_locked=True)
                .filter(
                    calendar_id=calendar_id,
                    state=SlaClock.State.RUNNING,
                    target_seconds__isnull=False,
                    pk__gt=last_id,
                )
                .order_by("pk")[:batch]
            )
            for clock in clocks:
                _compute_due(clock, schedule)
                clock.save(update_fields=["due_at", "warn_at"])
        done += len(clocks)
        if len(clocks) < batch:
            return done
        last_id = clocks[-1].pk


# --- who hears about it ------------------------------------------------------------------


def _engineer_user_id(ticket_id: int) -> int | None:
    event = (
        TicketEvent.objects.filter(ticket_id=ticket_id, kind="status", to_status=Status.ASSIGNED)
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    value = (event or {}).get("engineer_user_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _role_users(role: str, area_id: int) -> list[int]:
    """Users of a role for an area: those of the call centres covering it, plus those with
    no call centre (the national desk). Supervisors and admins see everything."""
    User = get_user_model()
    qs = User.objects.filter(is_active=True, groups__name=role)
    if role == Role.DISPATCHER:
        qs = qs.filter(
            Q(staff_profile__call_centre__areas=area_id)
            | Q(staff_profile__isnull=True)
            | Q(staff_profile__call_centre__isnull=True)
        )
    return list(qs.values_list("pk", flat=True).distinct())


def _owners(clock: SlaClock, area_id: int) -> list[int]:
    users = set()
    if clock.kind in (K.ACCEPT, K.CONTACT, K.ARRIVAL, K.COMPLETION):
        engineer = _engineer_user_id(clock.ticket_id)
        if engineer:
            users.add(engineer)
        users.update(_role_users(Role.DISPATCHER, area_id))
    elif clock.kind in (K.CHECK_BACK, K.CALLBACK):
        users.update(_role_users(Role.AGENT, area_id))
    else:
        users.update(_role_users(Role.SUPERVISOR, area_id))
    return sorted(users)


def _staff_hours() -> cal.Schedule | None:
    """The staff's working hours (the default calendar), or None: no quiet hours."""
    calendar_id = (
        ServiceCalendar.objects.filter(is_default=True).values_list("pk", flat=True).first()
    )
    schedule = _schedule(calendar_id)
    return schedule if schedule is not None and schedule.has_hours else None


def _holds(clock: SlaClock, ticket: Ticket, *, warning: bool) -> bool:
    """What the clock's policy says waits for working hours (no policy: all but emergencies)."""
    policy = clock.policy if clock.policy_id else None
    if policy is None:
        return ticket.priority != Priority.EMERGENCY
    return policy.hold_warnings if warning else policy.hold_escalations


def _not_before(
    *,
    now: dt.datetime,
    clock: SlaClock,
    ticket: Ticket,
    staff: cal.Schedule | None,
    warning: bool,
) -> dt.datetime:
    """When a notification may go. Outside working hours, what the policy holds waits for
    the staff; a warning is never held past the deadline it warns about: it waits only if
    the staff are back the policy's notice before the deadline, otherwise it goes now."""
    if staff is None or not _holds(clock, ticket, warning=warning):
        return now
    opening = staff.next_open(now)
    if opening <= now:
        return now
    if warning and clock.due_at is not None:
        minutes = clock.policy.warning_notice_minutes if clock.policy_id else 60
        if opening + dt.timedelta(minutes=minutes) > clock.due_at:
            return now
    return opening


def _notifications(
    *, clock: SlaClock, ticket: Ticket, users, purpose: str, body: str, now, not_before
) -> list[SlaNotification]:
    return [
        SlaNotification(
            clock=clock,
            ticket=ticket,
            user_id=user_id,
            purpose=purpose,
            body=body,
            not_before=not_before,
            created_at=now,
        )
        for user_id in users
    ]


# --- the sweep ---------------------------------------------------------------------------

SWEEP_BATCH = 500


def _breach_batch(now: dt.datetime, batch: int) -> int:
    with transaction.atomic():
        ids = list(
            SlaClock.objects.select_for_update(skip_locked=True)
            .filter(state=SlaClock.State.RUNNING, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return 0
        # Conditional: only still-running clocks turn breached, so a retry changes nothing.
        # The breach happened at the deadline; `now` is only when the sweep noticed it.
        SlaClock.objects.filter(pk__in=ids, state=SlaClock.State.RUNNING).update(
            state=SlaClock.State.BREACHED, breached_at=F("due_at"), breach_noticed_at=now
        )
        clocks = list(
            SlaClock.objects.filter(
                pk__in=ids, state=SlaClock.State.BREACHED, breach_noticed_at=now
            ).values("pk", "ticket_id", "kind", "due_at", "policy_id", "cycle")
        )
        levels = _first_delays({c["policy_id"] for c in clocks})
        ticket_events_record_many(
            events=[
                {
                    "ticket_id": c["ticket_id"],
                    "kind": "sla_breached",
                    "data": {
                        "clock_id": c["pk"],
                        "clock": c["kind"],
                        "due_at": c["due_at"].isoformat(),
                        "breached_at": c["due_at"].isoformat(),
                        "lag_seconds": round((now - c["due_at"]).total_seconds(), 3),
                    },
                }
                for c in clocks
            ],
            created_at=now,
        )
        # Levels count from the breach: after an outage the ones already due fire at once.
        SlaEscalation.objects.bulk_create(
            [
                SlaEscalation(
                    clock_id=c["pk"],
                    ticket_id=c["ticket_id"],
                    created_at=now,
                    next_level_at=(
                        c["due_at"] + dt.timedelta(minutes=levels[c["policy_id"]])
                        if c["policy_id"] in levels
                        else None
                    ),
                )
                for c in clocks
            ],
            ignore_conflicts=True,
        )
        return len(ids)


def _first_delays(policy_ids) -> dict[int, int]:
    out: dict[int, int] = {}
    for level in EscalationLevel.objects.filter(policy_id__in=policy_ids).order_by("level"):
        out.setdefault(level.policy_id, level.delay_minutes)
    return out


def _warn_batch(now: dt.datetime, batch: int) -> int:
    with transaction.atomic():
        clocks = list(
            SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=SlaClock.State.RUNNING, warned_at__isnull=True, warn_at__lte=now)
            .select_related("ticket", "policy")
            .order_by("warn_at")[:batch]
        )
        if not clocks:
            return 0
        SlaClock.objects.filter(pk__in=[c.pk for c in clocks], warned_at__isnull=True).update(
            warned_at=now
        )
        staff = _staff_hours()
        events, notes = [], []
        for clock in clocks:
            ticket = clock.ticket
            events.append(
                {
                    "ticket": ticket,
                    "kind": "sla_warning",
                    "data": {
                        "clock_id": clock.pk,
                        "clock": clock.kind,
                        "due_at": clock.due_at.isoformat(),
                    },
                }
            )
            body = _("Ticket %(number)s: “%(clock)s” is due at %(due)s.") % {
                "number": ticket.number,
                "clock": clock.get_kind_display(),
                "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
            }
            notes += _notifications(
                clock=clock,
                ticket=ticket,
                users=_owners(clock, ticket.area_id),
                purpose="sla_warning",
                body=body,
                now=now,
                not_before=_not_before(
                    now=now, clock=clock, ticket=ticket, staff=staff, warning=True
                ),
            )
        ticket_events_record_many(events=events, created_at=now)
        # Unique per clock, purpose and person: sent once.
        SlaNotification.objects.bulk_create(notes, ignore_conflicts=True)
        return len(clocks)


def _escalate_batch(now: dt.datetime, batch: int) -> int:
    """Fire every level whose time (counted from the breach) has come, in bulk: after an
    outage each level already due fires once now, and the later ones keep their schedule."""
    with transaction.atomic():
        escalations = list(
            SlaEscalation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(acknowledged_at__isnull=True, next_level_at__lte=now)
            .select_related("clock__policy", "ticket")
            .order_by("next_level_at")[:batch]
        )
        if not escalations:
            return 0
        policy_ids = {e.clock.policy_id for e in escalations}
        chain: dict[int, list[EscalationLevel]] = {}
        for level in EscalationLevel.objects.filter(policy_id__in=policy_ids).order_by("level"):
            chain.setdefault(level.policy_id, []).append(level)
        recipients: dict[tuple, list[int]] = {}
        staff = _staff_hours()
        notes, events = [], []
        for esc in escalations:
            levels = chain.get(esc.clock.policy_id, [])
            breached = esc.clock.breached_at or esc.created_at
            not_before = _not_before(
                now=now, clock=esc.clock, ticket=esc.ticket, staff=staff, warning=False
            )
            while esc.level < len(levels):
                level = levels[esc.level]
                if breached + dt.timedelta(minutes=level.delay_minutes) > now:
                    break
                key = (level.role, esc.ticket.area_id)
                if key not in recipients:
                    recipients[key] = _role_users(level.role, esc.ticket.area_id)
                body = _(
                    "Escalation level %(level)s: ticket %(number)s breached “%(clock)s” "
                    "(due %(due)s). Please acknowledge on the live board."
                ) % {
                    "level": level.level,
                    "number": esc.ticket.number,
                    "clock": esc.clock.get_kind_display(),
                    "due": timezone.localtime(esc.clock.due_at).strftime("%Y-%m-%d %H:%M"),
                }
                notes += _notifications(
                    clock=esc.clock,
                    ticket=esc.ticket,
                    users=recipients[key],
                    purpose=f"escalation_l{level.level}",
                    body=body,
                    now=now,
                    not_before=not_before,
                )
                events.append(
                    {
                        "ticket": esc.ticket,
                        "kind": "sla_escalated",
                        "data": {
                            "clock_id": esc.clock_id,
                            "level": level.level,
                            "role": level.role,
                        },
                    }
                )
                esc.level += 1
            nxt = levels[esc.level] if esc.level < len(levels) else None
            esc.next_level_at = breached + dt.timedelta(minutes=nxt.delay_minutes) if nxt else None
        SlaEscalation.objects.bulk_update(escalations, ["level", "next_level_at"])
        ticket_events_record_many(events=events, created_at=now)
        # Unique per clock, purpose and person: a notification is created once.
        SlaNotification.objects.bulk_create(notes, ignore_conflicts=True)
        return len(escalations)


def _followup_batch(now: dt.datetime, batch: int) -> int:
    """Breached accept/contact clocks hand their ticket back to dispatch. The ticket row is
    claimed with SKIP LOCKED (a ticket busy in a transition is retried next sweep), so this
    never waits on a lock that a transition holding the ticket might pair with a clock."""
    done = 0
    with transaction.atomic():
        clocks = list(
            SlaClock.objects.select_for_update(skip_locked=True)
            .filter(
                state=SlaClock.State.BREACHED,
                followed_up_at__isnull=True,
                kind__in=(K.ACCEPT, K.CONTACT),
            )
            .order_by("breached_at")[:batch]
        )
        for clock in clocks:
            ticket = Ticket.objects.select_for_update(skip_locked=True).filter(pk=clock.ticket_id)
            ticket = ticket.first()
            if ticket is None:
                continue
            with transaction.atomic():  # a failing re-dispatcher does not undo the batch
                try:
                    _redispatch(clock=clock, ticket=ticket)
                except Exception:
                    log.exception("re-dispatch after breach failed for clock %s", clock.pk)
                    continue
            SlaClock.objects.filter(pk=clock.pk).update(followed_up_at=now)
            done += 1
    # The loop goes on while batches come back full, skipped (busy) tickets included.
    return len(clocks) if done else 0


def _resume_batch(now: dt.datetime, batch: int) -> int:
    with transaction.atomic():
        clocks = list(
            SlaClock.objects.select_for_update(skip_locked=True)
            .filter(state=SlaClock.State.PAUSED, resume_at__lte=now)
            .order_by("resume_at")[:batch]
        )
        for clock in clocks:
            clock_resume(clock=clock, now=now)
        return len(clocks)


def _deliver_batch(now: dt.datetime, batch: int) -> int:
    with transaction.atomic():
        notes = list(
            SlaNotification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at__isnull=True, not_before__lte=now)
            .select_related("user__staff_profile", "ticket")
            .order_by("not_before")[:batch]
        )
        for note in notes:
            profile = getattr(note.user, "staff_profile", None)
            if profile is not None and profile.phone:
                send_sms(
                    to=profile.phone,
                    body=note.body,
                    purpose=note.purpose,
                    ticket=note.ticket,
                )
            else:
                send_email(
                    to=note.user.email or note.user.get_username(),
                    subject=note.body[:120],
                    body=note.body,
                    purpose=note.purpose,
                    ticket=note.ticket,
                )
        if notes:
            SlaNotification.objects.filter(pk__in=[n.pk for n in notes]).update(sent_at=now)
        return len(notes)


def _pending(now: dt.datetime) -> tuple[bool, ...]:
    """One round trip: is anything due for each sweep step? Each probe is an index lookup
    on a partial index, so an idle sweep costs well under a millisecond of database time."""
    clock = SlaClock._meta.db_table
    esc = SlaEscalation._meta.db_table
    note = SlaNotification._meta.db_table
    sql = f"""
        SELECT
          EXISTS (SELECT 1 FROM {clock} WHERE state = 'running' AND due_at <= %(now)s),
          EXISTS (SELECT 1 FROM {esc}
                  WHERE acknowledged_at IS NULL AND next_level_at IS NOT NULL
                    AND next_level_at <= %(now)s),
          EXISTS (SELECT 1 FROM {clock}
                  WHERE state = 'running' AND warned_at IS NULL AND warn_at <= %(now)s),
          EXISTS (SELECT 1 FROM {clock}
                  WHERE state = 'breached' AND followed_up_at IS NULL
                    AND kind IN ('accept', 'contact')),
          EXISTS (SELECT 1 FROM {clock}
                  WHERE state = 'paused' AND resume_at IS NOT NULL AND resume_at <= %(now)s),
          EXISTS (SELECT 1 FROM {note} WHERE sent_at IS NULL AND not_before <= %(now)s)
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, {"now": now})
        return tuple(cursor.fetchone())


def sla_sweep(
    *,
    now: dt.datetime | None = None,
    batch: int = SWEEP_BATCH,
    max_batches: int = 40,
    budget_s: float = 2.0,
) -> dict:
    """One pass over everything due: breaches first (oldest due first), then escalation
    levels, warnings, resumptions and held notifications. Safe with any number of
    concurrent sweeps: rows are claimed with SKIP LOCKED and changed conditionally."""
    steps = (
        ("breached", _breach_batch),
        ("escalated", _escalate_batch),
        ("warned", _warn_batch),
        ("handed_back", _followup_batch),
        ("resumed", _resume_batch),
        ("notified", _deliver_batch),
    )
    counts = dict.fromkeys((name for name, _step in steps), 0)
    pending = _pending(now or timezone.now())
    acted = False
    deadline = time.monotonic() + budget_s
    for (name, step), has_work in zip(steps, pending, strict=True):
        # Idle, the probe is all a sweep costs. Once a step acts, the later ones run too:
        # a breach makes an escalation level due, a warning makes a notification due.
        if not (has_work or acted):
            continue
        total = 0
        for _i in range(max_batches):
            # Breaches always run to the end; the follow-up steps yield to the next sweep
            # once the time budget is spent, so a worker is soon free to record breaches.
            if name != "breached" and time.monotonic() > deadline:
                break
            when = now or timezone.now()
            n = step(when, batch)
            total += n
            if n < batch:
                break
        counts[name] = total
        acted = acted or total > 0
    return counts


def _redispatch(*, clock: SlaClock, ticket: Ticket) -> bool:
    """Call holding the ticket's row lock. Only while the ticket is still with that
    assignment and before arrival; otherwise there is nothing to take back."""
    if ticket.status not in PRE_ARRIVAL or _assignment_cycle(ticket) != clock.cycle:
        return False
    if clock.kind == K.ACCEPT and ticket.status != Status.ASSIGNED:
        return False
    reason = _("SLA breached: “%(clock)s” was due at %(due)s.") % {
        "clock": clock.get_kind_display(),
        "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    hooks.redispatch(ticket=ticket, reason=reason, actor=None)
    return True


def sla_redispatch_breached(*, clock_id: int) -> bool:
    """Hand a breached accept/contact clock's ticket back to dispatch now (the sweep does
    this by itself; this is for a task or a support shell). Idempotent."""
    with transaction.atomic():
        clock = SlaClock.objects.select_for_update().filter(pk=clock_id).first()
        if clock is None or clock.state != SlaClock.State.BREACHED or clock.followed_up_at:
            return False
        ticket = Ticket.objects.select_for_update().get(pk=clock.ticket_id)
        handed_back = _redispatch(clock=clock, ticket=ticket)
        SlaClock.objects.filter(pk=clock.pk).update(followed_up_at=timezone.now())
        return handed_back


# --- acknowledging an escalation -----------------------------------------------------------


def escalation_acknowledge(*, escalation: SlaEscalation, actor, note: str) -> SlaEscalation:
    """Stop the chain: someone owns the breach now. A note is required."""
    if not has_role(actor, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("Your role may not acknowledge escalations."))
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Write what is being done about it."), field="note")
    now = timezone.now()
    with transaction.atomic():
        updated = SlaEscalation.objects.filter(
            pk=escalation.pk, acknowledged_at__isnull=True
        ).update(acknowledged_at=now, acknowledged_by=actor, note=note, next_level_at=None)
        if updated:
            ticket_event_record(
                ticket=escalation.ticket,
                kind="sla_escalation_acknowledged",
                actor=actor,
                reason=note,
                data={"clock_id": escalation.clock_id, "escalation_id": escalation.pk},
            )
    escalation.refresh_from_db()
    return escalation
