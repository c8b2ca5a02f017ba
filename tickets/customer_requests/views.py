"""The customer's reschedule and cancel requests (tracking page) and the desk's list of
them, scoped to the call centre."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets import selectors as ticket_selectors
from tickets.errors import DomainError, NotFound
from tickets.forms import form_add_domain_error
from tickets.permissions import role_required
from tickets.rate_limits import address_hit
from tickets.roles import STAFF_DESK_ROLES

from . import selectors, services
from .forms import CancelRequestForm, RescheduleRequestForm
from .models import CustomerRequestKind

desk_only = role_required(*STAFF_DESK_ROLES)

FORMS = {
    CustomerRequestKind.RESCHEDULE: ("reschedule_form", RescheduleRequestForm),
    CustomerRequestKind.CANCEL: ("cancel_form", CancelRequestForm),
}


@require_POST
def customer_request_from_track(request, token: str, kind: str):
    from tickets.views import ticket_track_response

    try:
        ticket = ticket_selectors.ticket_get_by_token(token=token)
    except NotFound:
        raise Http404 from None
    if kind not in FORMS:
        raise Http404
    form_key, form_class = FORMS[kind]
    form = form_class(request.POST)
    wait = address_hit(request, "customer_request", settings.CUSTOMER_REQUEST_RATE)
    if wait is not None:
        form.add_error(None, _("Too many requests from your address. Please call our hotline."))
        response = ticket_track_response(request, ticket, {form_key: form, "open_form": kind})
        response.status_code = 429
        response["Retry-After"] = str(int(wait) + 1)
        return response
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.customer_request_create(
                ticket=ticket,
                kind=kind,
                note=data.get("note", ""),
                reason_code=data.get("reason_code", ""),
                preferred_start=data.get("preferred_start"),
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you. Our service desk will call you about it."))
            return redirect("ticket_track", token=token)
    response = ticket_track_response(request, ticket, {form_key: form, "open_form": kind})
    response.status_code = 422
    return response


@require_GET
@desk_only
def customer_request_list(request):
    return render(
        request,
        "tickets/customer_requests/list.html",
        {"requests": selectors.customer_requests_for_desk(request.user)[:200]},
    )


@require_POST
@desk_only
def customer_request_mark_done(request, request_id: int):
    visible = selectors.customer_requests_for_desk(request.user)
    item = visible.filter(pk=request_id).first()
    if item is None:
        raise Http404
    try:
        services.customer_request_done(request=item, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The customer's request is marked done."))
    if request.POST.get("next") == "ticket":
        return redirect("ticket_detail", ticket_id=item.ticket_id)
    return redirect("customer_request_list")
