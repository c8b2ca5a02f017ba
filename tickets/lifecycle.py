"""The ticket's whole lifecycle: every status and every allowed move, in one table.

Each move lists the roles allowed to make it. `Role.SYSTEM` is the product itself
(Celery tasks, automatic dispatch, the SLA sweep). Supervisors and admins may make
any move a desk role may make. Only `tickets.services.ticket_transition` applies a move.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class Status(models.TextChoices):
    NEW = "new", _("New")
    AWAITING_FEE_ACCEPTANCE = "awaiting_fee_acceptance", _("Awaiting fee acceptance")
    AWAITING_DISPATCH = "awaiting_dispatch", _("Awaiting dispatch")
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    SCHEDULED = "scheduled", _("Scheduled")
    EN_ROUTE = "en_route", _("On the way")
    ON_SITE = "on_site", _("On site")
    WAITING_FOR_PARTS = "waiting_for_parts", _("Waiting for parts")
    CARRIED_IN = "carried_in", _("Carried in for repair")
    COMPLETED = "completed", _("Completed")
    RESOLVED_REMOTELY = "resolved_remotely", _("Resolved remotely")
    CALLBACK_DONE = "callback_done", _("Callback done")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def terminal(cls) -> tuple[str, ...]:
        return (cls.CLOSED, cls.CANCELLED)


class CloseReason(models.TextChoices):
    """Why a ticket ended: stored as the code in `Ticket.close_reason` by the closing apps
    (a cancellation stores the agent's own words)."""

    RESOLVED_REMOTELY = "resolved_remotely", _("Resolved by phone, confirmed at the check-back")
    CUSTOMER_WILL_CALL = "customer_will_call", _("Resolved by phone; the customer will call back")
    CHECK_BACK_UNREACHABLE = (
        "check_back_unreachable",
        _("Resolved by phone; customer unreachable at the check-back"),
    )
    CALLBACK_DONE = "callback_done", _("Completed, follow-up callback done")
    CALLBACK_UNREACHABLE = (
        "callback_unreachable",
        _("Completed, customer unreachable at the follow-up"),
    )
    CALLBACK_SKIPPED = "callback_skipped", _("Completed, follow-up not needed")


def close_reason_label(code: str) -> str:
    """The label of a close reason code; free text (a cancellation's reason) as it is."""
    try:
        return str(CloseReason(code).label)
    except ValueError:
        return code


S = Status
DESK = {Role.AGENT, Role.DISPATCHER}
DISPATCH = {Role.DISPATCHER, Role.SYSTEM}
ENG = {Role.ENGINEER}
SYS = {Role.SYSTEM}

# from-status -> {to-status: roles allowed}
TRANSITIONS: dict[str, dict[str, set[str]]] = {
    S.NEW: {
        S.AWAITING_FEE_ACCEPTANCE: DESK | SYS | {Role.PARTNER},
        S.AWAITING_DISPATCH: DESK | SYS | {Role.PARTNER},
        S.RESOLVED_REMOTELY: DESK,
        S.CANCELLED: DESK | SYS | {Role.PARTNER},
    },
    S.AWAITING_FEE_ACCEPTANCE: {
        S.AWAITING_DISPATCH: DESK | SYS,  # system: a free revisit needs no fee acceptance
        S.RESOLVED_REMOTELY: DESK,
        S.CANCELLED: DESK | SYS,
    },
    S.AWAITING_DISPATCH: {
        S.ASSIGNED: DISPATCH,
        S.RESOLVED_REMOTELY: DESK,
        S.CANCELLED: DESK,
    },
    S.ASSIGNED: {
        S.ACCEPTED: ENG,
        # declined, accept timeout, breached contact clock, dispatcher reassignment
        S.AWAITING_DISPATCH: DISPATCH | ENG,
        S.CANCELLED: DESK,
    },
    S.ACCEPTED: {
        S.SCHEDULED: ENG,
        S.EN_ROUTE: ENG,
        S.AWAITING_DISPATCH: DISPATCH,
        S.CANCELLED: DESK,
    },
    S.SCHEDULED: {
        S.EN_ROUTE: ENG,
        S.ON_SITE: ENG,
        S.AWAITING_DISPATCH: DISPATCH,
        S.CANCELLED: DESK,
    },
    S.EN_ROUTE: {
        S.ON_SITE: ENG,
        S.SCHEDULED: ENG,  # delayed: a new window agreed with the customer
        S.AWAITING_DISPATCH: DISPATCH,
        S.CANCELLED: DESK,
    },
    S.ON_SITE: {
        S.COMPLETED: ENG,
        S.WAITING_FOR_PARTS: ENG,
        S.CARRIED_IN: ENG,
        S.SCHEDULED: ENG,  # second visit needed, new window agreed
        S.AWAITING_DISPATCH: ENG | DISPATCH,  # needs a senior engineer
    },
    S.WAITING_FOR_PARTS: {
        S.SCHEDULED: ENG | DISPATCH,  # parts arrived, visit booked
        # parts arrived, engineer to book a visit (the parts manager may release it too)
        S.ACCEPTED: SYS | {Role.DISPATCHER, Role.WAREHOUSE},
        S.ON_SITE: ENG,
        S.AWAITING_DISPATCH: DISPATCH,
        S.CANCELLED: DESK,
    },
    S.CARRIED_IN: {
        S.COMPLETED: ENG,
    },
    S.COMPLETED: {
        S.CALLBACK_DONE: DESK | SYS,
        S.CLOSED: DESK | SYS,
    },
    S.RESOLVED_REMOTELY: {
        S.CLOSED: DESK | SYS,
        S.AWAITING_DISPATCH: DESK,  # the check-back found it not fixed
    },
    S.CALLBACK_DONE: {
        S.CLOSED: DESK | SYS,
    },
    S.CLOSED: {},
    S.CANCELLED: {},
}

SUPERVISING = {Role.SUPERVISOR, Role.ADMIN}


def allowed_roles(from_status: str, to_status: str) -> set[str] | None:
    """Roles that may make the move, or None when the move does not exist."""
    roles = TRANSITIONS.get(from_status, {}).get(to_status)
    if roles is None:
        return None
    if roles & (DESK | {Role.DISPATCHER}):
        return roles | SUPERVISING
    return roles


def next_statuses(from_status: str) -> list[str]:
    return list(TRANSITIONS.get(from_status, {}))
