"""The customer's own web form: a request of any service type, without an account."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import intake
from .errors import DomainError
from .forms import ServiceRequestForm, form_add_domain_error
from .masking import mobile_masked
from .rate_limits import address_hit


def service_request(request):
    form = ServiceRequestForm(request.POST or None)
    if request.method != "POST":
        return render(request, "tickets/service_request.html", {"form": form})
    wait = address_hit(request, "web_request", settings.WEB_REQUEST_RATE)
    if wait is not None:
        form.add_error(None, _("Too many requests from your address. Please call our hotline."))
        response = render(request, "tickets/service_request.html", {"form": form}, status=429)
        response["Retry-After"] = str(int(wait) + 1)
        return response
    if not form.is_valid():
        return render(request, "tickets/service_request.html", {"form": form}, status=422)
    try:
        result = intake.intake_atomic(
            lambda retrying: intake.intake_from_web(data=form.intake_data(), retrying=retrying)
        )
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return render(request, "tickets/service_request.html", {"form": form}, status=422)
    return render(
        request,
        "tickets/service_request_done.html",
        {"number": result.ticket.number, "mobile": mobile_masked(result.ticket.customer.mobile)},
    )
