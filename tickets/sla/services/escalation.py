"""A breach walks its escalation chain, each level counted from the breach, until someone
acknowledges it."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import text_limits
from ...errors import DomainError, PermissionDenied
from ...roles import Role, has_role
from ...services import ticket_event_record, ticket_events_record_many
from ...text_limits import text_check
from ..models import (
    EscalationLevel,
    SlaEscalation,
    SlaNotification,
)
from .notifications import _not_before, _notifications, _role_users, _staff_hours


def _first_delays(policy_ids) -> dict[int, int]:
    out: dict[int, int] = {}
    for level in EscalationLevel.objects.filter(policy_id__in=policy_ids).order_by("level"):
        out.setdefault(level.policy_id, level.delay_minutes)
    return out


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


def escalation_acknowledge(*, escalation: SlaEscalation, actor, note: str) -> SlaEscalation:
    """Stop the chain: someone owns the breach now. A note is required."""
    if not has_role(actor, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("Your role may not acknowledge escalations."))
    note = text_check(note, field="note", limit=text_limits.NOTE)
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
