"""A job leaving its engineer for the next one: declined, timed out or breached (the
tickets redispatcher), or taken back by a dispatcher. Never back to that engineer."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets.errors import Conflict, DomainError, NotFound
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.services import ticket_transition

from ..models import TAKE_BACK_REASONS, Assignment, EndCode
from .assignments import _end, _engineer_assignment
from .automatic import _try_next


def ticket_redispatch(
    *,
    ticket,
    reason: str,
    actor=None,
    state: str | None = None,
    find_next: bool = True,
    code: str = "",
    data: dict | None = None,
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
        data = dict(data or {})
        if current is not None:
            if not code and actor is None:
                active = current.state == Assignment.State.ACTIVE
                code = EndCode.ACCEPT_TIMEOUT if active else EndCode.CONTACT_BREACH
            code = code or EndCode.REASSIGNED
            _end(current, state, reason, now, code=code)
            data.update(
                assignment_id=current.pk,
                engineer_user_id=current.engineer.user_id,
                reason_code=code,
            )
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
    detail = (detail or "").strip()[:500]
    if reason_code == EndCode.OTHER and not detail:
        raise DomainError(_("Say why the job is taken back."), field="detail")
    # The code's words are shown from end_code; only what the dispatcher typed is stored.
    reason = detail
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
    ticket_redispatch(ticket=ticket, reason=reason, actor=actor, find_next=False, data=data)


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
