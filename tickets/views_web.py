"""The customer's public forms: a request of any service type without an account, and the
fixed tracking address a customer SMS may carry (ticket number plus code)."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import customer_links, intake
from .errors import DomainError
from .forms import ServiceRequestForm, TrackCodeForm, form_add_domain_error
from .masking import mobile_masked
from .models import Ticket
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


@require_http_methods(["GET", "POST"])
def ticket_track_fixed(request):
    """The fixed, registered address a customer SMS may carry: the ticket number and the
    code from the SMS open the customer's tracking page."""
    form = TrackCodeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "tickets/track_fixed.html", {"form": form})
    if not form.is_valid():
        return render(request, "tickets/track_fixed.html", {"form": form}, status=422)
    number = form.cleaned_data["number"]
    keys = customer_links.code_keys(
        "track-code", remote_addr=request.META.get("REMOTE_ADDR", ""), number=number
    )
    if customer_links.code_blocked(keys):
        form.add_error(None, _("Too many wrong codes. Please try again in a quarter of an hour."))
        return render(request, "tickets/track_fixed.html", {"form": form}, status=429)
    ticket = Ticket.objects.filter(number=number).only("pk", "public_token").first()
    if ticket is None or not customer_links.customer_code_matches(
        ticket, "track", form.cleaned_data["code"]
    ):
        customer_links.code_failed(keys)
        form.add_error("code", _("The ticket number or the code is not right."))
        return render(request, "tickets/track_fixed.html", {"form": form}, status=422)
    return redirect("ticket_track", token=ticket.public_token)
