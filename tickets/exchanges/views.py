"""Desk pages of returns and exchanges: the proposal on the staff ticket page, the
approvals queue and the approver's page."""

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
from .forms import ApproveForm, ProposeForm, RejectForm
from .models import ProposalState, RemedyKind
from .panel import ticket_panel
from .rules import cause_choices, fault_choices, rules_evaluate

desk_only = role_required(*STAFF_DESK_ROLES)
approvers_only = role_required(*services.APPROVER_ROLES)
desk_or_approver = role_required(*STAFF_DESK_ROLES, *services.APPROVER_ROLES)


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404 from None


def _proposal_submitted(request, ticket) -> tuple[ProposeForm, bool]:
    """The proposal posted from the desk or the engineer's phone, through the one service:
    (the form, with its errors, and whether it was proposed). A refusal of the actor's role
    is raised as `PermissionDenied` carrying the form (`exc.form`)."""
    outcomes = rules_evaluate(ticket=ticket, fault="", cause="")
    form = ProposeForm(
        request.POST,
        rules=[o.rule for o in outcomes],
        faults=fault_choices(ticket),
        causes=cause_choices(ticket),
    )
    if not form.is_valid():
        return form, False
    try:
        services.exchange_propose(
            ticket=ticket,
            rule_code=form.cleaned_data["rule"],
            fault=form.cleaned_data["fault"],
            cause=form.cleaned_data["cause"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except PermissionDenied as exc:
        form_add_domain_error(form, exc)
        exc.form = form
        raise
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return form, False
    messages.success(request, _("Proposed; an approver decides."))
    return form, True


@require_POST
@desk_or_approver
def propose(request, ticket_id: int):
    from tickets.views import _detail_context

    ticket = _get(ticket_selectors.ticket_get_for_user, user=request.user, ticket_id=ticket_id)
    try:
        form, done = _proposal_submitted(request, ticket)
    except PermissionDenied:
        raise HttpForbidden from None
    if done:
        return redirect("ticket_detail", ticket_id=ticket.pk)
    context = _detail_context(request, ticket)
    context.update(ticket_panel(request, ticket, form))
    context["open_action"] = "exchange_form"
    return render(request, "tickets/ticket_detail.html", context, status=422)


def engineer_propose(request, ticket_id: int):
    """The engineer's phone page: the same rules, reasons and service as the desk's."""
    from tickets.onsite.views import engineer_job

    @engineer_job
    def view(request, ticket):
        form = None
        if request.method == "POST":
            try:
                form, done = _proposal_submitted(request, ticket)
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
        return render(request, "exchanges/engineer.html", context, status=status)

    if request.method not in ("GET", "POST"):
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["GET", "POST"])
    return view(request, ticket_id)


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
