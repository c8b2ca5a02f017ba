"""What the staff ticket page and the engineer's phone page show of returns and exchanges."""

from tickets.models import ServiceKind

from . import selectors, services
from .forms import ProposeForm
from .models import ProposalState
from .rules import cause_choices, fault_choices, latest_diagnosis, rules_evaluate

# The kinds of work that may end in a return or an exchange.
PROPOSING_KINDS = (ServiceKind.REPAIR, ServiceKind.RETURN_ASSESSMENT)


def _may_end_in_exchange(ticket) -> bool:
    return ticket.service_type.kind in PROPOSING_KINDS


def ticket_panel(request, ticket, form: ProposeForm | None = None) -> dict:
    """What the staff ticket page shows of returns and exchanges (see ticket_detail.html)."""
    proposals = selectors.ticket_proposals(ticket)
    open_one = next(
        (p for p in proposals if p.state in (ProposalState.PROPOSED, ProposalState.APPROVED)),
        None,
    )
    can_propose = (
        ticket.is_open
        and open_one is None
        and _may_end_in_exchange(ticket)
        and services.may_propose(actor=request.user, ticket=ticket)
    )
    outcomes = []
    if can_propose:
        diagnosis = latest_diagnosis(ticket)
        faults, causes = fault_choices(ticket), cause_choices(ticket)
        fault = diagnosis.fault if diagnosis else (faults[0][0] if faults else "")
        cause = diagnosis.cause if diagnosis else "defect"
        if form is not None and form.is_bound:
            fault = form.data.get("fault", fault)
            cause = form.data.get("cause", cause)
        outcomes = rules_evaluate(ticket=ticket, fault=fault, cause=cause)
        if form is None:
            applicable = [o.rule.code for o in outcomes if o.applies]
            form = ProposeForm(
                initial={
                    "fault": fault,
                    "cause": cause,
                    "rule": applicable[0] if applicable else None,
                },
                rules=[o.rule for o in outcomes],
                faults=faults,
                causes=causes,
            )
    return {
        "exchange_proposals": proposals,
        "exchange_can_propose": can_propose,
        "exchange_outcomes": outcomes,
        "exchange_form": form,
    }
