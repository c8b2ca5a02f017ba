"""Desk pages of returns and exchanges: the proposal on the staff ticket page, the
approvals queue and the approver's page. The engineer proposes from the phone
(engineers/phone/exchanges.py), through the same `proposal_submitted`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets import selectors as ticket_selectors
from tickets.errors import DomainError, NotFound, PermissionDenied
from tickets.forms import form_add_domain_error
from tickets.permissions import role_required
from tickets.roles import STAFF_DESK_ROLES

from . import selectors, services
from .forms import ApproveForm, RejectForm
from .models import ProposalState, RemedyKind
from .panel import ticket_panel
from .proposing import proposal_submitted

desk_only = role_required(*STAFF_DESK_ROLES)
approvers_only = role_required(*services.APPROVER_ROLES)
desk_or_approver = role_required(*STAFF_DESK_ROLES, *services.APPROVER_ROLES)


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404 from None


@require_POST
@desk_or_approver
def propose(request, ticket_id: int):
    from tickets.views import _detail_context

    ticket = _get(ticket_selectors.ticket_get_for_user, user=request.user, ticket_id=ticket_id)
    try:
        form, done = proposal_submitted(request, ticket)
    except PermissionDenied:
        raise HttpForbidden from None
    if done:
        return redirect("ticket_detail", ticket_id=ticket.pk)
    context = _detail_context(request, ticket)
    context.update(ticket_panel(request, ticket, form))
    context["open_action"] = "exchange_form"
    return render(request, "tickets/ticket_detail.html", context, status=422)


@require_GET
@approvers_only
def approvals(request):
    rows = [selectors.proposal_display(p) for p in selectors.proposals_pending()[:200]]
    return render(request, "exchanges/approvals.html", {"proposals": rows})


def _proposal_page(request, proposal, *, approve_form=None, reject_form=None, status=200):
    selectors.proposal_display(proposal)
    return render(
        request,
        "exchanges/proposal.html",
        {
            "proposal": proposal,
            "ticket": proposal.ticket,
            "is_exchange": proposal.kind == RemedyKind.EXCHANGE,
            "can_decide": proposal.state == ProposalState.PROPOSED
            and services.may_approve(request.user)
            and proposal.proposed_by_id != request.user.pk,
            "approve_form": approve_form or ApproveForm(),
            "reject_form": reject_form or RejectForm(),
        },
        status=status,
    )


@require_GET
@desk_or_approver
def proposal_page(request, proposal_id: int):
    proposal = _get(selectors.proposal_get_for_user, user=request.user, proposal_id=proposal_id)
    return _proposal_page(request, proposal)


def _decide(request, proposal_id: int, form_class, key: str, apply, done: str):
    proposal = _get(selectors.proposal_get_for_user, user=request.user, proposal_id=proposal_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            apply(proposal, form.cleaned_data)
        except PermissionDenied:
            raise HttpForbidden from None
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("exchange_proposal", proposal_id=proposal.pk)
    return _proposal_page(request, proposal, status=422, **{key: form})


@require_POST
@approvers_only
def approve(request, proposal_id: int):
    return _decide(
        request,
        proposal_id,
        ApproveForm,
        "approve_form",
        lambda p, d: services.exchange_approve(
            proposal=p,
            actor=request.user,
            new_serial=d["new_serial"],
            new_model=d["new_model"],
            note=d["note"],
        ),
        _("Approved: the appliance records are updated."),
    )


@require_POST
@approvers_only
def reject(request, proposal_id: int):
    return _decide(
        request,
        proposal_id,
        RejectForm,
        "reject_form",
        lambda p, d: services.exchange_reject(
            proposal=p, actor=request.user, reason=d["reason"], note=d["note"]
        ),
        _("Rejected: the ticket goes on as a repair."),
    )
