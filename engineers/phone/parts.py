"""The engineer's phone: the parts fitted on a job, a part request for a job, my van's stock,
parts on their way (confirm receipt) and old parts handed in. Thin over spareparts' services."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from spareparts.forms import OldPartReturnForm, PartRequestForm, PartUsageForm
from spareparts.models import Location, LocationKind, PartRequest, Transfer
from spareparts.replenishment import van_minmax_suggestions
from spareparts.selectors import (
    incoming_transfers,
    part_search,
    part_usages_for_ticket,
    requests_for_ticket,
    returns_open_for_engineer,
    stock_for_locations,
)
from spareparts.services import part_request_create, part_usage_record, transfer_receive
from spareparts.services.returns import old_part_return_scan
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.onsite.selectors import onsite_job_for

from .access import engineer_only, own_job, van_or_404
from .submit import REFUSED, submit


@require_http_methods(["GET", "POST"])
@own_job
def parts_used(request, ticket):
    """The engineer records the parts fitted: SKU, serial or batch (typed or scanned)."""
    status = 200
    if request.method == "POST":
        form = PartUsageForm(request.POST)
        usage = submit(
            form,
            lambda d: part_usage_record(
                ticket=ticket,
                engineer_user=request.user,
                sku=d["sku"],
                serial_or_batch=d["serial_or_batch"],
                old_part_serial=d["old_part_serial"],
                quantity=d["quantity"],
                scanned=d["scanned"],
                request_key=d["key"] or "",
            ),
        )
        if usage is not REFUSED:
            messages.success(request, _("Part %(sku)s recorded.") % {"sku": usage.part.sku})
            return redirect("onsite_parts", ticket_id=ticket.pk)
        status = 400
    else:
        form = PartUsageForm()
    job = onsite_job_for(ticket)
    ctx = {
        "ticket": ticket,
        "job": job,
        "form": form,
        "usages": part_usages_for_ticket(ticket),
        "catalogue": part_search(category=ticket.appliance.category),
        "working": ticket.status in (Status.ON_SITE, Status.CARRIED_IN),
        "consent_needed": not ticket.in_warranty and not (job and job.consented),
    }
    return render(request, "engineers/parts/parts_used.html", ctx, status=status)


@require_http_methods(["GET"])
@engineer_only
def my_van(request):
    van = van_or_404(request.user)
    ctx = {
        "van": van,
        "stock": [s for s in stock_for_locations(locations=[van]) if s.on_hand or s.reserved],
        "incoming": incoming_transfers(location=van),
        "requests": list(
            PartRequest.objects.filter(engineer=van.engineer)
            .select_related("part", "source", "ticket", "rule")
            .order_by("-created_at")[:20]
        ),
        "returns": returns_open_for_engineer(engineer=van.engineer),
        "minmax": van_minmax_suggestions(van=van),
        "return_form": OldPartReturnForm(),
    }
    return render(request, "engineers/parts/my_van.html", ctx)


@require_POST
@engineer_only
def van_return_old_part(request):
    """The engineer hands an old part in at their service point (scanned or typed)."""
    van = van_or_404(request.user)
    form = OldPartReturnForm(request.POST)
    store = Location.objects.filter(
        kind=LocationKind.STORE, service_point_id=van.engineer.service_point_id, active=True
    ).first()
    if not form.is_valid() or store is None:
        messages.error(request, _("Scan or type the old part's serial."))
        return redirect("parts_my_van")
    try:
        matched = old_part_return_scan(
            location=store, serial=form.cleaned_data["serial"], actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Old part %(serial)s returned for %(number)s.")
            % {"serial": matched.returned_serial, "number": matched.ticket.number},
        )
    return redirect("parts_my_van")


@require_POST
@engineer_only
def van_receive(request, transfer_id):
    van = van_or_404(request.user)
    transfer = get_object_or_404(Transfer, pk=transfer_id, destination=van)
    try:
        transfer_receive(transfer=transfer, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(sku)s ×%(n)s received into your van.")
            % {"sku": transfer.part.sku, "n": transfer.quantity},
        )
    return redirect("parts_my_van")


@require_http_methods(["GET", "POST"])
@own_job
def job_part_request(request, ticket):
    van_or_404(request.user)
    status = 200
    if request.method == "POST":
        form = PartRequestForm(request.POST)
        part_request = submit(
            form,
            lambda d: part_request_create(
                engineer_user=request.user,
                sku=d["sku"],
                quantity=d["quantity"],
                ticket=ticket,
                request_key=d["key"] or "",
            ),
        )
        if part_request is not REFUSED:
            messages.success(
                request,
                _("%(sku)s: %(status)s. From %(source)s (%(why)s).")
                % {
                    "sku": part_request.part.sku,
                    "status": part_request.get_status_display(),
                    "source": part_request.source.name,
                    "why": part_request.source_reason_text,
                },
            )
            return redirect("parts_job_request", ticket_id=ticket.pk)
        status = 400
    else:
        form = PartRequestForm()
    ctx = {
        "ticket": ticket,
        "form": form,
        "catalogue": part_search(category=ticket.appliance.category),
        "requests": requests_for_ticket(ticket),
    }
    return render(request, "engineers/parts/job_request.html", ctx, status=status)
