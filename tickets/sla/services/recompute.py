"""A ticket's priority or area changes, or a calendar is edited: the running clocks are
recomputed, keeping the time already used and the pauses already taken."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import masterdata
from ...choices import Priority
from ...errors import DomainError, PermissionDenied
from ...models import ServiceArea, Ticket
from ...roles import Role, has_role
from ...services import ticket_event_record
from ..models import (
    ClockKind,
    SlaClock,
)
from .clocks import (
    _compute_due,
    _lock_open,
    _schedule,
    _target,
    _used_in_segment,
    ticket_policy,
)


def sla_recompute_for_ticket(*, ticket: Ticket, actor=None, reason: str = "") -> list[dict]:
    """Re-read the policy for the ticket's current priority and area type and recompute its
    open clocks, keeping the time already used and the pauses already taken.
    Call while holding the ticket's row lock."""
    now = timezone.now()
    masterdata.recheck()  # rare and deliberate: use a policy edited a moment ago
    policy = ticket_policy(ticket)
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
            now = timezone.now()
            for clock in clocks:
                _compute_due(clock, schedule)
                if clock.due_at < now:  # more hours now count: breached at this recompute
                    clock.due_at = now
                clock.save(update_fields=["due_at", "warn_at"])
        done += len(clocks)
        if len(clocks) < batch:
            return done
        last_id = clocks[-1].pk
