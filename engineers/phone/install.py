"""The engineer's on-site pages for installed units (scanned serials), materials, the
service type's checklist and the one-stop check. Thin, as the other on-site steps (onsite.py)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tickets.installation.services import delivery_for, units_expected, units_installed
from tickets.onsite import forms_install as forms
from tickets.onsite import services
from tickets.onsite.models import ChargeLine, ChecklistRecord, OneStopCheck

from .access import own_job
from .onsite import job_context
from .submit import REFUSED, submit


@require_http_methods(["GET", "POST"])
@own_job
def units(request, ticket):
    expected = units_expected(ticket)
    models = [m for _c, m, _q in expected]
    status = 200
    if request.method == "POST":
        form = forms.UnitScanForm(request.POST, models=models)
        unit = submit(
            form,
            lambda d: services.unit_scan(
                ticket=ticket,
                engineer_user=request.user,
                serial_number=d["serial_number"],
                model_number=d["model_number"],
            ),
        )
        if unit is not REFUSED:
            messages.success(
                request, _("Unit %(serial)s registered.") % {"serial": unit.serial_number}
            )
            return redirect("onsite_units", ticket_id=ticket.pk)
        status = 400
    else:
        installed = units_installed(ticket)
        counts = {m: sum(1 for u in installed if u.model_number == m) for m in models}
        # Suggest the first model still short of its quantity.
        next_model = next((m for _c, m, q in expected if counts.get(m, 0) < q), models[0])
        form = forms.UnitScanForm(models=models, initial={"model_number": next_model})
    installed = units_installed(ticket)
    ctx = {
        **job_context(ticket),
        "form": form,
        "expected": expected,
        "expected_total": sum(q for _c, _m, q in expected),
        "installed": installed,
        "delivery": delivery_for(ticket),
        "all_scanned": delivery_for(ticket) is not None
        and len(installed) >= sum(q for _c, _m, q in expected),
    }
    return render(request, "engineers/install/units.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@own_job
def materials(request, ticket):
    available = services.materials_for(ticket)
    status = 200
    failed = None
    if request.method == "POST":
        failed = forms.MaterialForm(request.POST)
        done = submit(
            failed,
            lambda d: services.material_use_record(
                ticket=ticket,
                engineer_user=request.user,
                code=d["code"],
                quantity_used=d["quantity"],
            ),
        )
        if done is not REFUSED:
            messages.success(request, _("Materials saved. Check the charges with the customer."))
            return redirect("onsite_materials", ticket_id=ticket.pk)
        status = 400
    used = {
        line.source.split(":", 1)[1]: line
        for line in ChargeLine.objects.filter(ticket=ticket, kind=ChargeLine.Kind.MATERIAL)
    }
    used_quantity = {
        e.data.get("material"): e.data.get("used")
        for e in ticket.events.filter(kind="material_used").order_by("created_at", "id")
    }
    rows = []
    for code, material in available.items():
        if failed is not None and failed.data.get("code") == code:
            form = failed
        else:
            form = forms.MaterialForm(
                initial={"code": code, "quantity": used_quantity.get(code, 0)},
                prefix=None,
            )
        rows.append({"material": material, "form": form, "line": used.get(code)})
    ctx = {**job_context(ticket), "rows": rows}
    return render(request, "engineers/install/materials.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@own_job
def checklist(request, ticket):
    items = services.checklist_items(ticket)
    status = 200
    if request.method == "POST":
        form = forms.ChecklistForm(request.POST, items=items)
        done = submit(
            form,
            lambda d: services.checklist_record(
                ticket=ticket, engineer_user=request.user, results=form.results()
            ),
        )
        if done is not REFUSED:
            messages.success(request, _("Checklist saved."))
            return redirect("onsite_job", ticket_id=ticket.pk)
        status = 400
    else:
        record = ChecklistRecord.objects.filter(ticket=ticket).first()
        initial = {}
        for r in record.results if record else []:
            initial[f"result_{r['code']}"] = r.get("result")
            initial[f"note_{r['code']}"] = r.get("note", "")
        form = forms.ChecklistForm(items=items, initial=initial)
    ctx = {**job_context(ticket), "form": form, "items": items}
    return render(request, "engineers/install/checklist.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@own_job
def one_stop(request, ticket):
    appliances = services.household_appliances(ticket)
    status = 200
    if request.method == "POST":
        form = forms.OneStopCheckForm(request.POST, appliances=appliances)
        check = submit(
            form,
            lambda d: services.one_stop_check_record(
                ticket=ticket,
                engineer_user=request.user,
                appliance_id=d["appliance"],
                category=d["category"],
                model_number=d["model_number"],
                serial_number=d["serial_number"],
                result=d["result"],
                note=d["note"],
            ),
        )
        if check is not REFUSED:
            if check.repair_ticket:
                messages.success(
                    request,
                    _("Recorded. Repair ticket %(n)s opened for the problem.")
                    % {"n": check.repair_ticket.number},
                )
            else:
                messages.success(request, _("Check recorded."))
            return redirect("onsite_one_stop", ticket_id=ticket.pk)
        status = 400
    else:
        form = forms.OneStopCheckForm(appliances=appliances)
    checks = list(
        OneStopCheck.objects.filter(ticket=ticket).select_related("appliance", "repair_ticket")
    )
    ctx = {**job_context(ticket), "form": form, "checks": checks}
    return render(request, "engineers/install/one_stop.html", ctx, status=status)
