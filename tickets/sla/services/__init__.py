"""SLA writes, by topic: `clocks` (one clock's arithmetic and moves), `ticket_handlers`
(clocks follow the ticket's transitions and events), `recompute` (priority, area or
calendar changes), `notifications` (who hears, and when), `escalation` (the chain after a
breach) and `sweep` (acting on what is due). Callers import from here."""

from .clocks import (
    clock_cancel,
    clock_meet,
    clock_move_deadline,
    clock_pause,
    clock_resume,
    clock_start,
    clocks_start_new,
    policy_for,
)
from .escalation import escalation_acknowledge
from .recompute import (
    calendar_recompute_clocks,
    sla_recompute_for_ticket,
    ticket_change_area,
    ticket_change_priority,
)
from .sweep import SWEEP_BATCH, sla_redispatch_breached, sla_sweep
from .ticket_handlers import on_ticket_event, on_ticket_transition

__all__ = [
    "SWEEP_BATCH",
    "calendar_recompute_clocks",
    "clock_cancel",
    "clock_meet",
    "clock_move_deadline",
    "clock_pause",
    "clock_resume",
    "clock_start",
    "clocks_start_new",
    "escalation_acknowledge",
    "on_ticket_event",
    "on_ticket_transition",
    "policy_for",
    "sla_recompute_for_ticket",
    "sla_redispatch_breached",
    "sla_sweep",
    "ticket_change_area",
    "ticket_change_priority",
]
