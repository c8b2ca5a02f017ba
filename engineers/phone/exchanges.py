"""The engineer proposes a return or exchange (三包) from the phone: the same rules, reasons
and service as the desk's proposal (tickets/exchanges/proposing.py)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tickets.errors import PermissionDenied
from tickets.exchanges.panel import ticket_panel
from tickets.exchanges.proposing import proposal_submitted

from .access import own_job


@require_http_methods(["GET", "POST"])
@own_job
def engineer_propose(request, ticket):
    form = None
    if request.method == "POST":
        try:
            form, done = proposal_submitted(request, ticket)
        except PermissionDenied as exc:
            form, done = exc.form, False
        if done:
            return redirect("exchange_engineer", ticket_id=ticket.pk)
    context = {
        "ticket": ticket,
        "exchange_action": request.path,
        "open_action": "exchange_form",
        **ticket_panel(request, ticket, form),
    }
    status = 422 if form is not None else 200
    return render(request, "engineers/exchanges/propose.html", context, status=status)
