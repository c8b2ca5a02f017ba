"""The sweep acts on what is due: breaches first (oldest due first), then escalation levels,
warnings, hand-backs to dispatch, resumptions and held notifications.

Lock order: a ticket's row (held by `ticket_transition` when the hooks run) before its
clocks. The sweep locks clocks with SKIP LOCKED and never waits for a ticket, so the two
cannot deadlock; work that needs the ticket (re-dispatch) goes through the task outbox.
"""

import datetime as dt
import logging
import time

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import hooks
from ...lifecycle import Status
from ...models import Ticket
from ...services import ticket_events_record_many
from ..models import (
    SlaClock,
    SlaEscalation,
    SlaNotification,
)
from .clocks import PRE_ARRIVAL, K, _assignment_cycle, clock_resume
from .escalation import _escalate_batch, _first_delays
from .notifications import _deliver_batch, _not_before, _notifications, _owners, _staff_hours

log = logging.getLogger(__name__)
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
    # A code and its facts, put into words when shown (tickets.timeline).
    hooks.redispatch(
        ticket=ticket,
        reason="",
        actor=None,
        data={
            "reason_code": "sla_breached",
            "sla_clock": clock.kind,
            "sla_due_at": clock.due_at.isoformat(),
        },
    )
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
