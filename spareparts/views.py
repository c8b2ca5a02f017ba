from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tickets.errors import DomainError, NotFound
from tickets.lifecycle import Status
from tickets.onsite.selectors import job_get_for_engineer, onsite_job_for
from tickets.permissions import role_required
from tickets.roles import Role

from .forms import PartUsageForm
from .selectors import part_search, part_usages_for_ticket
from .services import part_usage_record


@require_http_methods(["GET", "POST"])
@role_required(Role.ENGINEER)
def parts_used(request, ticket_id):
    """The engineer records the parts fitted: SKU, serial or batch (typed or scanned)."""
    try:
        ticket = job_get_for_engineer(user=request.user, ticket_id=ticket_id)
    except NotFound:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        form = PartUsageForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                usage = part_usage_record(
                    ticket=ticket,
                    engineer_user=request.user,
                    sku=d["sku"],
                    serial_or_batch=d["serial_or_batch"],
                    old_part_serial=d["old_part_serial"],
                    quantity=d["quantity"],
                    scanned=d["scanned"],
                    request_key=d["key"] or "",
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("Part %(sku)s recorded.") % {"sku": usage.part.sku},
                )
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
    return render(request, "spareparts/parts_used.html", ctx, status=status)
