"""The parts desk: requests waiting for a decision, transfers in flight, jobs waiting for
parts (release), alerts, stock by location with search, and the serial/batch trace.
Parts managers see everything; a service point's manager their store; a dispatcher the
jobs waiting for parts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.errors import DomainError
from tickets.models import Ticket
from tickets.roles import has_role

from .access import RELEASING_ROLES, is_parts_manager, locations_for_user
from .forms import DecisionForm, DispatchForm, StoreReturnForm
from .models import LocationKind, PartRequest, Stock, Transfer
from .replenishment import replenishment_suggestions
from .selectors import (
    held_requests,
    incoming_transfers,
    jobs_waiting_for_parts,
    open_alerts,
    parts_expected_at,
    returns_overdue,
    serial_trace,
    stock_for_locations,
    transfers_in_flight,
)
from .services import (
    job_release,
    part_request_decide,
    transfer_dispatch,
    transfer_plan,
    transfer_receive,
)
from .services.returns import old_part_return_scan


def _desk_user(request):
    user = request.user
    if not user.is_authenticated:
        return None
    if has_role(user, *RELEASING_ROLES) or user.managed_service_points.exists():
        return user
    raise DjangoPermissionDenied


@require_GET
def desk(request):
    from django.contrib.auth.views import redirect_to_login

    user = _desk_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    manager = is_parts_manager(user)
    locations = locations_for_user(user)
    query = request.GET.get("q", "")[:60]
    trace_code = request.GET.get("trace", "")[:64]
    if manager:
        transfers = transfers_in_flight()
    else:
        transfers = [t for loc in locations for t in incoming_transfers(location=loc)]
    waiting = []
    if has_role(user, *RELEASING_ROLES):
        waiting = [(t, parts_expected_at(ticket=t)) for t in jobs_waiting_for_parts()]
    ctx = {
        "manager": manager,
        "held": held_requests() if manager else [],
        "transfers": transfers,
        "waiting": waiting,
        "alerts": open_alerts() if manager else [],
        "stock": stock_for_locations(locations=locations, query=query)
        if query or not manager
        else [],
        "query": query,
        "trace": serial_trace(trace_code) if trace_code and manager else None,
        "trace_code": trace_code,
        "stores": [loc for loc in locations if loc.kind == LocationKind.STORE][:50]
        if not manager
        else [],
        "overdue": returns_overdue(
            service_point=None if manager else user.managed_service_points.first()
        )
        if locations
        else [],
        "suggestions": replenishment_suggestions(locations=locations)[:100],
        "decision_form": DecisionForm(),
        "dispatch_form": DispatchForm(),
    }
    return render(request, "spareparts/desk.html", ctx)


def _done(request, exc: DomainError | None, ok: str):
    if exc is not None:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("parts_desk")


@require_POST
def desk_decide(request, request_id):
    if not is_parts_manager(request.user):
        raise DjangoPermissionDenied
    part_request = get_object_or_404(PartRequest, pk=request_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _done(request, DomainError(_("Choose approve or reject.")), "")
    try:
        part_request_decide(
            request=part_request,
            actor=request.user,
            approve=form.cleaned_data["approve"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return _done(request, exc, "")
    return _done(request, None, _("Decision recorded."))


@require_POST
def desk_dispatch(request, transfer_id):
    _desk_user(request) or _forbid()
    transfer = get_object_or_404(Transfer, pk=transfer_id)
    form = DispatchForm(request.POST)
    serials = form.cleaned_data["serials"] if form.is_valid() else []
    try:
        transfer_dispatch(transfer=transfer, actor=request.user, serials=serials)
    except DomainError as exc:
        return _done(request, exc, "")
    return _done(request, None, _("Dispatched."))


@require_POST
def desk_receive(request, transfer_id):
    _desk_user(request) or _forbid()
    transfer = get_object_or_404(Transfer, pk=transfer_id)
    try:
        transfer_receive(transfer=transfer, actor=request.user)
    except DomainError as exc:
        return _done(request, exc, "")
    return _done(request, None, _("Received."))


@require_POST
def desk_release(request, ticket_id):
    if not has_role(request.user, *RELEASING_ROLES):
        raise DjangoPermissionDenied
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    try:
        job_release(ticket=ticket, actor=request.user)
    except DomainError as exc:
        return _done(request, exc, "")
    return _done(
        request, None, _("%(number)s released to its engineer.") % {"number": ticket.number}
    )


@require_POST
def desk_return(request):
    """A service point's keeper scans an old part in."""
    _desk_user(request) or _forbid()
    form = StoreReturnForm(request.POST)
    if not form.is_valid():
        return _done(request, DomainError(_("Scan or type the old part's serial.")), "")
    location = locations_for_user(request.user).filter(pk=form.cleaned_data["location"]).first()
    if location is None:
        raise DjangoPermissionDenied
    try:
        matched = old_part_return_scan(
            location=location, serial=form.cleaned_data["serial"], actor=request.user
        )
    except DomainError as exc:
        return _done(request, exc, "")
    return _done(
        request,
        None,
        _("Old part %(serial)s returned for %(number)s.")
        % {"serial": matched.returned_serial, "number": matched.ticket.number},
    )


@require_POST
def desk_replenish(request, stock_id):
    """Plan the suggested top-up transfer from the parent location."""
    if not is_parts_manager(request.user):
        raise DjangoPermissionDenied
    stock = get_object_or_404(Stock.objects.select_related("location"), pk=stock_id)
    suggestion = next(
        (
            s
            for s in replenishment_suggestions(locations=[stock.location])
            if s.part.pk == stock.part_id
        ),
        None,
    )
    if suggestion is None or suggestion.source is None:
        return _done(request, DomainError(_("Nothing to transfer: buy it or wait.")), "")
    try:
        transfer_plan(
            source=suggestion.source,
            destination=stock.location,
            part=suggestion.part,
            quantity=suggestion.quantity,
            actor=request.user,
        )
    except DomainError as exc:
        return _done(request, exc, "")
    return _done(request, None, _("Transfer planned."))


def _forbid():
    raise DjangoPermissionDenied
