"""Desk pages of the plans: a customer's plans (create, end), the visits to book by
phone, and the repair opened from a visit's findings. Thin: parse, call a service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tickets import errors
from tickets.forms import form_add_domain_error
from tickets.permissions import role_required
from tickets.roles import STAFF_DESK_ROLES
from tickets.selectors import ticket_get_for_user

from .. import selectors as sel
from ..forms import FindingForm, PlanEndForm, PlanForm, VisitBookForm
from ..services import plans as svc

desk_only = role_required(*STAFF_DESK_ROLES)


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except errors.NotFound as exc:
        raise Http404(str(exc)) from None


def _apply(form, run) -> bool:
    """Run the service; its error goes next to the field. True when it went through."""
    try:
        run()
    except errors.PermissionDenied:
        raise PermissionDenied from None
    except errors.DomainError as exc:
        form_add_domain_error(form, exc)
        return False
    return True


@require_http_methods(["GET", "POST"])
@desk_only
def customer_plans(request, customer_id: int):
    customer = _get(sel.customer_for_user, user=request.user, customer_id=customer_id)
    appliances = list(customer.appliances.order_by("id"))
    form = PlanForm(request.POST or None, appliances=appliances)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            appliance = next(a for a in appliances if a.pk == data["appliance"])
            if _apply(
                form,
                lambda: svc.plan_create(
                    customer=customer,
                    appliance=appliance,
                    service_type=data["service_type"],
                    interval_months=data["interval_months"],
                    first_due=data["first_due"],
                    booking=data["booking"],
                    window=data["window"],
                    note=data["note"],
                    actor=request.user,
                ),
            ):
                messages.success(request, _("The plan is saved."))
                return redirect("proactive_customer_plans", customer_id=customer.pk)
        status = 422
    return render(
        request,
        "proactive/customer_plans.html",
        {
            "customer": customer,
            "plans": sel.plans_of_customer(customer),
            "form": form,
            "end_form": PlanEndForm(),
        },
        status=status,
    )


@require_POST
@desk_only
def plan_end(request, plan_id: int):
    plan = _get(sel.plan_for_user, user=request.user, plan_id=plan_id)
    form = PlanEndForm(request.POST)
    if form.is_valid() and _apply(
        form,
        lambda: svc.plan_end(plan=plan, actor=request.user, reason=form.cleaned_data["reason"]),
    ):
        messages.success(request, _("The plan has ended; no more visits are generated."))
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return redirect("proactive_customer_plans", customer_id=plan.customer_id)


@require_http_methods(["GET"])
@desk_only
def visits_to_call(request):
    return render(
        request,
        "proactive/visits_to_call.html",
        {"rows": sel.visits_to_call(user=request.user), "form": VisitBookForm()},
    )


@require_POST
@desk_only
def visit_book(request, visit_id: int):
    visit = _get(sel.visit_for_user, user=request.user, visit_id=visit_id)
    form = VisitBookForm(request.POST)
    if form.is_valid() and _apply(
        form,
        lambda: svc.visit_book(
            visit=visit,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            actor=request.user,
        ),
    ):
        messages.success(request, _("The visit is booked."))
        return redirect("proactive_visits_to_call")
    return render(
        request,
        "proactive/visits_to_call.html",
        {
            "rows": sel.visits_to_call(user=request.user),
            "form": VisitBookForm(),
            "failed": visit.pk,
            "failed_form": form,
        },
        status=422,
    )


@require_POST
@desk_only
def visit_repair(request, ticket_id: int):
    ticket = _get(ticket_get_for_user, user=request.user, ticket_id=ticket_id)
    form = FindingForm(request.POST)
    made = []
    if form.is_valid() and _apply(
        form,
        lambda: made.append(
            svc.repair_from_visit(
                visit_ticket=ticket,
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        ),
    ):
        messages.success(
            request,
            _("Repair ticket %(number)s is open, linked to this visit.")
            % {"number": made[0].number},
        )
        return redirect("ticket_detail", ticket_id=made[0].pk)
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, e)
    return redirect("ticket_detail", ticket_id=ticket.pk)
