"""What a ticket's SLA policy promises, for the apps that show or act on a deadline.

The accept deadline is enforced by the accept clock (the SLA sweep takes the job back when
it breaches); the engineer's "accept by" time, the assignment SMS and the dispatcher's
queue read it from here, so what people are told is what is enforced.
"""

import datetime as dt

from .. import masterdata
from . import calendar as cal
from .models import ClockKind


def _policy_target(ticket, kind: str):
    area = masterdata.area_by_id(ticket.area_id)
    if area is None:
        return None, None
    policy = masterdata.sla_policy(
        priority=ticket.priority, area_type=area.area_type, service_type=ticket.service_type_id
    )
    if policy is None:
        return None, None
    return policy, policy.targets_by_kind.get(kind)


def accept_target(ticket) -> dt.timedelta | None:
    """The time the engineer has to accept an assignment of this ticket; None when the
    ticket's policy sets no accept target (no accept clock runs then)."""
    _policy, target = _policy_target(ticket, ClockKind.ACCEPT)
    return None if target is None else dt.timedelta(minutes=target.minutes)


def accept_due_at(ticket, *, assigned_at: dt.datetime) -> dt.datetime | None:
    """When an assignment made at `assigned_at` must be accepted: the accept clock's due
    time, counted in service hours when the target says so."""
    policy, target = _policy_target(ticket, ClockKind.ACCEPT)
    if target is None:
        return None
    schedule = None
    if target.service_hours_only and policy.calendar_id is not None:
        schedule = masterdata.schedule(policy.calendar_id)
    return cal.add(schedule, assigned_at, target.minutes * 60)
