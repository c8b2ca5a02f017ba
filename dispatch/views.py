"""The dispatcher's console: the queue, a ticket's dispatch view, manual assignment."""

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.errors import Conflict, DomainError, NotFound
from tickets.lifecycle import Status
from tickets.permissions import role_required
from tickets.roles import DISPATCHING_ROLES
from tickets.selectors import ticket_get_for_user

from . import day_view, forms, selectors, services
from .models import Appointment, QueueEntry
from .rules import rule_labels

dispatching = role_required(*DISPATCHING_ROLES)


def _ticket(request, ticket_id):
    try:
        return ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    except NotFound:
        raise Http404 from None


@dispatching
def dispatch_queue(request):
    waiting = selectors.dispatch_queue(user=request.user)
    returned = [
        t
        for t in waiting
        if getattr(t, "dispatch_queue", None) and t.dispatch_queue.returned_reason
    ]
    return render(
        request,
        "dispatch/queue.html",
        {
            "waiting": waiting,
            "returned": returned,
            "unaccepted": selectors.unaccepted_assignments(user=request.user),
            "share": selectors.manual_share_by_day(days=7),
            "reasons": dict(QueueEntry.Reason.choices),
            "now": timezone.now(),
        },
    )


def _explain(candidates: list[dict]) -> list[dict]:
    rows = []
    for c in candidates:
        c = dict(c)
        c["reason_labels"] = rule_labels(c.get("reasons", []))
        c["overridden_labels"] = rule_labels(c.get("overridden", []))
        rows.append(c)
    return sorted(rows, key=lambda c: (c.get("rank") is None, c.get("rank") or 0, c["distance_km"]))


def _ticket_page(
    request, ticket, *, assign_form=None, redispatch_form=None, reschedule_form=None, status=200
):
    history = selectors.assignment_history(ticket=ticket)
    for a in history:
        a.explained = _explain(a.candidates)
    failed = ticket.events.filter(kind="dispatch_failed").order_by("-created_at").first()
    engineers = selectors.engineers_for_manual(ticket=ticket, q=request.GET.get("q", ""))
    current = next((a for a in history if a.is_live), None)
    # The candidates of the latest matching: the live assignment's, else the failed attempt's.
    if current is not None:
        candidates = current.candidates
    elif failed is not None:
        candidates = failed.data.get("candidates", [])
    else:
        candidates = history[0].candidates if history else []
    booked = (
        Appointment.objects.filter(ticket=ticket, state=Appointment.State.BOOKED).first()
        if current is not None
        else None
    )
    day_form = forms.DayForm(request.GET if "day" in request.GET else None)
    day = day_form.cleaned_data["day"] if day_form.is_bound and day_form.is_valid() else None
    day = day or day_view.day_view_default_day(ticket=ticket, appointment=booked)
    return render(
        request,
        "dispatch/ticket.html",
        {
            "ticket": ticket,
            "history": history,
            "current": current,
            "day_form": day_form,
            "day": day,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "view": day_view.day_view(ticket=ticket, day=day, candidates=_explain(candidates)),
            "entry": selectors.queue_entry(ticket),
            "failed": failed,
            "failed_explained": _explain(failed.data.get("candidates", [])) if failed else [],
            "assign_form": assign_form or forms.ManualAssignForm(engineers=engineers),
            "redispatch_form": redispatch_form or forms.TakeBackForm(),
            "reschedule_form": reschedule_form or forms.DispatcherRescheduleForm(),
            "can_reschedule": ticket.status in (Status.SCHEDULED, Status.EN_ROUTE),
            "q": request.GET.get("q", ""),
            "can_auto": ticket.status == Status.AWAITING_DISPATCH,
        },
        status=status,
    )


@dispatching
def dispatch_ticket(request, ticket_id: int):
    return _ticket_page(request, _ticket(request, ticket_id))


@require_POST
@dispatching
def dispatch_auto(request, ticket_id: int):
    ticket = _ticket(request, ticket_id)
    try:
        assignment = services.ticket_dispatch_auto(ticket_id=ticket.pk)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        if assignment is None:
            entry = selectors.queue_entry(ticket)
            messages.error(
                request,
                _("Nobody can take it: %(reason)s")
                % {"reason": entry.get_reason_display() if entry else "—"},
            )
        else:
            messages.success(
                request,
                _("Assigned to %(name)s.") % {"name": assignment.engineer.display_name},
            )
    if request.POST.get("next") == "queue":
        return redirect("dispatch_queue")
    return redirect("dispatch_ticket", ticket_id=ticket.pk)


@require_POST
@dispatching
def dispatch_assign(request, ticket_id: int):
    ticket = _ticket(request, ticket_id)
    engineers = selectors.engineers_for_manual(
        ticket=ticket, q=request.POST.get("q", ""), include_id=request.POST.get("engineer")
    )
    form = forms.ManualAssignForm(request.POST, engineers=engineers)
    if form.is_valid():
        try:
            a = services.ticket_assign_manual(
                ticket_id=ticket.pk,
                engineer_id=form.cleaned_data["engineer"],
                reason=form.cleaned_data["reason"],
                confirm_rules=form.cleaned_data["confirm_rules"],
                actor=request.user,
            )
        except services.OverrideNeeded as exc:
            form.ask_to_confirm(exc.rules, exc.message)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, _("Assigned to %(name)s.") % {"name": a.engineer.display_name}
            )
            return redirect("dispatch_ticket", ticket_id=ticket.pk)
    return _ticket_page(request, ticket, assign_form=form, status=400)


@require_POST
@dispatching
def dispatch_redispatch(request, ticket_id: int):
    ticket = _ticket(request, ticket_id)
    form = forms.TakeBackForm(request.POST)
    if form.is_valid():
        try:
            nxt = services.assignment_take_back(
                ticket_id=ticket.pk,
                reason_code=form.cleaned_data["reason_code"],
                detail=form.cleaned_data["detail"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if nxt is None:
                messages.info(request, _("The job was taken back; it waits in the queue."))
            else:
                messages.success(
                    request, _("Reassigned to %(name)s.") % {"name": nxt.engineer.display_name}
                )
            return redirect("dispatch_ticket", ticket_id=ticket.pk)
    return _ticket_page(request, ticket, redispatch_form=form, status=400)


@require_POST
@dispatching
def dispatch_reschedule(request, ticket_id: int):
    ticket = _ticket(request, ticket_id)
    form = forms.DispatcherRescheduleForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_reschedule(
                ticket_id=ticket.pk,
                window_start=form.cleaned_data["window_start"],
                window_end=form.cleaned_data["window_end"],
                customer_consent=form.cleaned_data["customer_consent"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Visit moved. The customer gets an SMS."))
            return redirect("dispatch_ticket", ticket_id=ticket.pk)
    return _ticket_page(request, ticket, reschedule_form=form, status=400)
