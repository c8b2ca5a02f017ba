"""A dispatcher's manual assignment, and the confirmation it needs when the chosen
engineer breaks rules of the automatic dispatch."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets.errors import Conflict, DomainError, NotFound
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.services import ticket_transition

from .. import matching
from ..models import Assignment, EndCode
from ..rules import rule_labels
from .assignments import _create_assignment, _end, excluded_engineers


class OverrideNeeded(DomainError):
    """A manual choice breaks matching rules the dispatcher has not confirmed."""

    default_code = "confirmation_required"

    def __init__(self, message, *, rules: list[str]):
        super().__init__(message, field="confirm_rules")
        self.rules = rules


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
