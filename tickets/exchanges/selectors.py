"""Reads of returns and exchanges: the approvals queue, one proposal, a ticket's panel."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tickets.errors import NotFound
from tickets.models import Ticket
from tickets.onsite import catalog
from tickets.selectors import ticket_queryset_for_user

from .models import ExchangeProposal, ProposalState, RejectReason
from .rules import outcome_reason_text
from .services import may_approve


def proposals_pending() -> QuerySet[ExchangeProposal]:
    return (
        ExchangeProposal.objects.filter(state=ProposalState.PROPOSED)
        .select_related("ticket", "ticket__appliance", "ticket__customer", "rule", "proposed_by")
        .order_by("proposed_at", "id")
    )


def proposal_get_for_user(*, user, proposal_id: int) -> ExchangeProposal:
    """Approvers see every proposal; the desk those of the tickets it may see."""
    qs = ExchangeProposal.objects.select_related(
        "ticket", "ticket__appliance", "ticket__customer", "rule", "proposed_by", "decided_by"
    )
    if not may_approve(user):
        qs = qs.filter(ticket__in=ticket_queryset_for_user(user))
    try:
        return qs.get(pk=proposal_id)
    except (ExchangeProposal.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Proposal not found.")) from None


def proposal_display(proposal: ExchangeProposal) -> ExchangeProposal:
    """Labels of the codes stored on a proposal, in the reader's language."""
    category = proposal.ticket.appliance.category
    proposal.why = outcome_reason_text(
        proposal.evaluation.get("reason", ""), proposal.evaluation.get("params")
    )
    proposal.fault_label = catalog.fault_label(category, proposal.fault)
    proposal.cause_label = catalog.cause_label(category, proposal.cause)
    if proposal.reject_reason:
        proposal.reject_label = str(RejectReason(proposal.reject_reason).label)
    return proposal


def ticket_proposals(ticket: Ticket) -> list[ExchangeProposal]:
    return [
        proposal_display(p)
        for p in ExchangeProposal.objects.filter(ticket=ticket).select_related(
            "ticket__appliance", "rule", "proposed_by", "decided_by"
        )
    ]
