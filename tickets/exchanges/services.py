"""Proposing, approving and rejecting a return or exchange (退换货). The ticket page, the
approvals queue and the engineer's page call these; every step is a ticket event."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError, PermissionDenied
from tickets.event_kinds import EventKind
from tickets.models import Appliance, ApplianceState, Ticket
from tickets.onsite import catalog
from tickets.onsite.selectors import assigned_engineer_user_id
from tickets.roles import STAFF_DESK_ROLES, Role, has_role
from tickets.services import ticket_event_record

from .models import ExchangeProposal, NewWarrantyFrom, ProposalState, RejectReason, RemedyKind
from .rules import rules_evaluate

APPROVER_ROLES = (Role.SUPERVISOR, Role.QUALITY, Role.ADMIN)
NOTE_MAX = 500


def may_propose(*, actor, ticket: Ticket) -> bool:
    """The desk, or the engineer the job is assigned to."""
    if has_role(actor, *STAFF_DESK_ROLES):
        return True
    return has_role(actor, Role.ENGINEER) and assigned_engineer_user_id(ticket) == actor.pk


def may_approve(actor) -> bool:
    return has_role(actor, *APPROVER_ROLES)


def _note(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > NOTE_MAX:
        raise DomainError(_("At most %(n)s characters.") % {"n": NOTE_MAX}, field=field)
    return value


def exchange_propose(
    *, ticket: Ticket, rule_code: str, fault: str, cause: str, actor, note: str = ""
) -> ExchangeProposal:
    """Propose the remedy of a rule that applies to the ticket's fault; an approver
    decides. One proposal at a time per ticket (a constraint: two clicks propose once)."""
    if not may_propose(actor=actor, ticket=ticket):
        raise PermissionDenied(_("You may not propose a return or exchange on this ticket."))
    category = ticket.appliance.category
    if fault not in {c for c, _l, _f in catalog.faults_for(category)}:
        raise DomainError(_("Choose the fault from the list."), field="fault")
    if cause not in {c for c, _l in catalog.causes_for(category)}:
        raise DomainError(_("Choose the cause from the list."), field="cause")
    note = _note(note, "note")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().select_related("appliance").get(pk=ticket.pk)
        if not locked.is_open:
            raise DomainError(_("The ticket is closed."), field="rule")
        if locked.appliance.state != ApplianceState.IN_USE:
            raise DomainError(_("This appliance was returned or exchanged."), field="rule")
        outcome = next(
            (
                o
                for o in rules_evaluate(ticket=locked, fault=fault, cause=cause)
                if o.rule.code == rule_code
            ),
            None,
        )
        if outcome is None:
            raise DomainError(_("Choose a rule from the list."), field="rule")
        if not outcome.applies:
            raise DomainError(
                _("This rule does not apply: %(why)s") % {"why": outcome.text}, field="rule"
            )
        evaluation = {"reason": outcome.reason, "params": outcome.params}
        try:
            with transaction.atomic():
                proposal = ExchangeProposal.objects.create(
                    ticket=locked,
                    rule=outcome.rule,
                    kind=outcome.rule.kind,
                    fault=fault,
                    cause=cause,
                    evaluation=evaluation,
                    note=note,
                    proposed_by=actor,
                    old_serial=locked.appliance.serial_number,
                )
        except IntegrityError:
            raise DomainError(
                _("This ticket already has a return or exchange proposed or approved."),
                field="rule",
            ) from None
        ticket_event_record(
            ticket=locked,
            kind=EventKind.EXCHANGE_PROPOSED,
            actor=actor,
            reason=note,
            data={
                "proposal_id": proposal.pk,
                "rule": outcome.rule.code,
                "remedy": proposal.kind,
                "why": evaluation,
            },
        )
    return proposal


def _locked_pending(proposal: ExchangeProposal, actor) -> ExchangeProposal:
    if not may_approve(actor):
        raise PermissionDenied(_("Only a supervisor or quality assurance decides."))
    Ticket.objects.select_for_update().only("id").get(pk=proposal.ticket_id)
    locked = (
        ExchangeProposal.objects.select_for_update()
        .select_related("ticket", "ticket__appliance", "rule")
        .get(pk=proposal.pk)
    )
    if locked.state != ProposalState.PROPOSED:
        raise DomainError(_("This proposal was already decided."), field="decision")
    if locked.proposed_by_id == actor.pk:
        raise PermissionDenied(_("Someone else must approve your own proposal."))
    return locked


def exchange_approve(
    *,
    proposal: ExchangeProposal,
    actor,
    new_serial: str = "",
    new_model: str = "",
    note: str = "",
) -> ExchangeProposal:
    """Approve: the old unit is marked returned or exchanged; for an exchange the new unit
    (its serial scanned or typed) is registered to the customer with its warranty from the
    date the rule says, and the old unit's extended warranty contracts move to it."""
    from tickets.extended_warranty.services import contracts_follow_exchange

    note = _note(note, "note")
    new_serial = (new_serial or "").strip().upper()
    new_model = (new_model or "").strip()
    if len(new_serial) > 64:
        raise DomainError(_("At most 64 characters."), field="new_serial")
    if len(new_model) > 64:
        raise DomainError(_("At most 64 characters."), field="new_model")
    with transaction.atomic():
        locked = _locked_pending(proposal, actor)
        ticket = locked.ticket
        old = Appliance.objects.select_for_update().get(pk=ticket.appliance_id)
        today = timezone.localdate()
        new = None
        if locked.kind == RemedyKind.EXCHANGE:
            if not new_serial:
                raise DomainError(_("Enter the new unit's serial number."), field="new_serial")
            if new_serial == old.serial_number:
                raise DomainError(
                    _("The new unit needs its own serial number."), field="new_serial"
                )
            starts = (
                old.purchase_date
                if locked.rule.new_warranty_from == NewWarrantyFrom.ORIGINAL_PURCHASE
                else today
            )
            try:
                with transaction.atomic():
                    new = Appliance.objects.create(
                        customer_id=old.customer_id,
                        category=old.category,
                        brand=old.brand,
                        model_number=new_model or old.model_number,
                        serial_number=new_serial,
                        purchase_date=starts,
                        purchase_channel=old.purchase_channel,
                        replaces=old,
                    )
            except IntegrityError:
                raise DomainError(
                    _("Another appliance has this serial number."), field="new_serial"
                ) from None
            old.state = ApplianceState.EXCHANGED
        else:
            old.state = ApplianceState.RETURNED
        old.save(update_fields=["state"])
        moved = contracts_follow_exchange(old=old, new=new)
        locked.state = ProposalState.APPROVED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.new_serial = new.serial_number if new else ""
        locked.new_appliance = new
        locked.save()
        ticket_event_record(
            ticket=ticket,
            kind=EventKind.EXCHANGE_APPROVED,
            actor=actor,
            reason=note,
            data={
                "proposal_id": locked.pk,
                "remedy": locked.kind,
                "old_serial": locked.old_serial,
                "new_serial": locked.new_serial,
                "new_appliance_id": new.pk if new else None,
                "warranty_from": new.purchase_date.isoformat() if new else None,
                "extended_warranties": moved,
            },
        )
    return locked


def exchange_reject(
    *, proposal: ExchangeProposal, actor, reason: str, note: str = ""
) -> ExchangeProposal:
    """Reject with a reason code: the ticket goes on as a repair."""
    if reason not in RejectReason.values:
        raise DomainError(_("Choose a reason from the list."), field="reason")
    note = _note(note, "note")
    with transaction.atomic():
        locked = _locked_pending(proposal, actor)
        locked.state = ProposalState.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.reject_reason = reason
        locked.decision_note = note
        locked.save()
        ticket_event_record(
            ticket=locked.ticket,
            kind=EventKind.EXCHANGE_REJECTED,
            actor=actor,
            reason=note,
            data={"proposal_id": locked.pk, "reject_reason": reason},
        )
    return locked
