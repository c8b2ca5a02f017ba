"""The engineer's on-site steps on the phone: the job's step list, check-in, diagnosis,
charges (consent, payment, owed), photos, the outcome, the test run, the signature and
completion. Thin: parse the form, call one tickets.onsite service, redirect (POST/redirect/GET)
or show the form again with what was typed and the message."""

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tickets import hooks
from tickets.errors import DomainError, NotFound
from tickets.forms import form_add_domain_error
from tickets.installation.services import is_installation, units_expected
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite import forms, selectors, services
from tickets.onsite.models import ChecklistRecord

from .access import engineer_only, own_job
from .submit import REFUSED, submit


def _back(ticket):
    return redirect("onsite_job", ticket_id=ticket.pk)


def job_context(ticket) -> dict:
    """What every on-site step page shows of the job: charges, consent, status, steps."""
    job = selectors.onsite_job_for(ticket)
    lines = selectors.charge_lines(ticket)
    total = selectors.charges_total(lines)
    consent_needed = services.consent_pending(ticket=ticket, job=job, total=total)
    return {
        "ticket": ticket,
        "job": job,
        "diagnosis": selectors.diagnosis_latest(ticket),
        "lines": lines,
        "total": total,
        "consent_needed": consent_needed,
        "reconsent_needed": consent_needed and bool(job and job.consented),
        "payment_needed": total > 0 and not consent_needed and not (job and job.settled(total)),
        "on_site": ticket.status == Status.ON_SITE,
        "carried_in": ticket.status == Status.CARRIED_IN,
        "working": ticket.status in (Status.ON_SITE, Status.CARRIED_IN),
        "can_check_in": ticket.status in services.CHECK_IN_FROM,
        **_type_steps(ticket),
    }


def _type_steps(ticket) -> dict:
    """The steps the ticket's service type adds or drops on the job page (installed units,
    materials, the type's checklist; no diagnosis on an installation or a cleaning)."""
    installation = is_installation(ticket)
    # One statement for the facts every type's page shows.
    facts = (
        Ticket.objects.filter(pk=ticket.pk)
        .annotate(
            checklist_done=Exists(ChecklistRecord.objects.filter(ticket=OuterRef("pk"))),
            one_stop_count=Count("one_stop_checks", distinct=True),
            units_scanned=Count("installed_appliances", distinct=True),
        )
        .values("checklist_done", "one_stop_count", "units_scanned")
        .first()
    ) or {"checklist_done": False, "one_stop_count": 0, "units_scanned": 0}
    return {
        "is_installation": installation,
        "needs_diagnosis": services.needs_diagnosis(ticket),
        "has_checklist": bool(services.checklist_items(ticket)),
        "checklist_done": facts["checklist_done"],
        "units_scanned": facts["units_scanned"],
        "units_total": sum(q for _c, _m, q in units_expected(ticket)) if installation else 0,
        "has_materials": bool(services.materials_for(ticket)),
        "one_stop_count": facts["one_stop_count"],
    }


@own_job
def job_page(request, ticket):
    ctx = job_context(ticket)
    ctx["photo_count"] = len(selectors.photos_for_ticket(ticket))
    ctx["part_count"] = len(hooks.parts_for_ticket(ticket=ticket))
    return render(request, "engineers/onsite/job.html", ctx)


@require_POST
@own_job
def check_in(request, ticket):
    def number(name):
        try:
            return float(request.POST.get(name, ""))
        except ValueError:
            return None

    try:
        job = services.ticket_check_in(
            ticket=ticket, engineer_user=request.user, lat=number("lat"), lng=number("lng")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(ticket)
    if job.check_in_flagged:
        messages.warning(
            request, _("Checked in. Your location is far from the address: flagged for review.")
        )
    else:
        messages.success(request, _("Checked in."))
    return _back(ticket)


@require_http_methods(["GET", "POST"])
@own_job
def diagnosis(request, ticket):
    category = ticket.appliance.category
    if request.method == "POST":
        form = forms.DiagnosisForm(request.POST, category=category)
        done = submit(
            form,
            lambda d: services.diagnosis_record(
                ticket=ticket,
                engineer_user=request.user,
                fault=d["fault"],
                cause=d["cause"],
                fault_class=d["fault_class"],
                notes=d["notes"],
                needs_senior=d["needs_senior"],
                senior_reason=d["senior_reason"],
                key=d["key"],
            ),
        )
        if done is not REFUSED:
            if form.cleaned_data["needs_senior"]:
                messages.success(request, _("Handed back to dispatch for a senior engineer."))
                return redirect("home")
            messages.success(request, _("Diagnosis saved."))
            return _back(ticket)
        status = 400
    else:
        latest = selectors.diagnosis_latest(ticket)
        initial = (
            {"fault": latest.fault, "cause": latest.cause, "notes": latest.notes} if latest else {}
        )
        form = forms.DiagnosisForm(category=category, initial=initial)
        status = 200
    ctx = {**job_context(ticket), "form": form}
    return render(request, "engineers/onsite/diagnosis.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@own_job
def charges(request, ticket):
    consent_form = forms.ConsentForm(prefix="consent")
    payment_form = forms.PaymentForm(prefix="pay")
    owed_form = forms.OwedForm(prefix="owed")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "consent":
            consent_form = forms.ConsentForm(request.POST, prefix="consent")
            done = submit(
                consent_form,
                lambda d: services.charges_consent(
                    ticket=ticket,
                    engineer_user=request.user,
                    customer_name=d["customer_name"],
                    agreed=d["agreed"],
                ),
            )
            if done is not REFUSED:
                messages.success(request, _("The customer's consent is recorded."))
                return redirect("onsite_charges", ticket_id=ticket.pk)
        elif action == "payment":
            payment_form = forms.PaymentForm(request.POST, prefix="pay")
            job = submit(
                payment_form,
                lambda d: services.payment_record(
                    ticket=ticket,
                    engineer_user=request.user,
                    method=d["payment_method"],
                    reference=d["payment_reference"],
                    paid=d["paid"],
                ),
            )
            if job is not REFUSED:
                messages.success(
                    request, _("Payment recorded. Receipt %(n)s.") % {"n": job.receipt_number}
                )
                return redirect("onsite_charges", ticket_id=ticket.pk)
        elif action == "owed":
            owed_form = forms.OwedForm(request.POST, prefix="owed")
            job = submit(
                owed_form,
                lambda d: services.payment_owed_record(
                    ticket=ticket,
                    engineer_user=request.user,
                    agreed_by=d["agreed_by"],
                    collection=d["collection"],
                    note=d["note"],
                ),
            )
            if job is not REFUSED:
                messages.success(
                    request,
                    _("%(amount)s CNY recorded as owed: the desk follows it up.")
                    % {"amount": job.owed_amount},
                )
                return redirect("onsite_charges", ticket_id=ticket.pk)
        status = 400
    ctx = {
        **job_context(ticket),
        "consent_form": consent_form,
        "payment_form": payment_form,
        "owed_form": owed_form,
    }
    job = ctx["job"]
    if job and job.payment_method and request.method == "GET":
        ctx["payment_form"] = forms.PaymentForm(
            prefix="pay",
            initial={
                "payment_method": job.payment_method,
                "payment_reference": job.payment_reference,
                "paid": job.paid,
            },
        )
    return render(request, "engineers/onsite/charges.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@own_job
def photos(request, ticket):
    status = 200
    if request.method == "POST":
        form = forms.PhotoForm(request.POST, request.FILES)
        done = submit(
            form,
            lambda d: services.photo_add(
                ticket=ticket,
                engineer_user=request.user,
                upload=d["image"],
                kind=d["kind"],
                key=d["key"],
            ),
        )
        if done is not REFUSED:
            messages.success(request, _("Photo saved."))
            return redirect("onsite_photos", ticket_id=ticket.pk)
        status = 400
    else:
        form = forms.PhotoForm()
    ctx = {**job_context(ticket), "form": form, "photos": selectors.photos_for_ticket(ticket)}
    return render(request, "engineers/onsite/photos.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@own_job
def outcome(request, ticket):
    parts_form = forms.WaitingForPartsForm(prefix="parts")
    carry_form = forms.CarryInForm(prefix="carry")
    visit_form = forms.SecondVisitForm(prefix="visit")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "waiting_for_parts":
                parts_form = forms.WaitingForPartsForm(request.POST, prefix="parts")
                if parts_form.is_valid():
                    services.outcome_waiting_for_parts(
                        ticket=ticket,
                        engineer_user=request.user,
                        parts_needed=parts_form.cleaned_data["parts_needed"],
                    )
                    messages.success(request, _("The job waits for parts."))
                    return redirect("home")
            elif action == "carry_in":
                carry_form = forms.CarryInForm(request.POST, prefix="carry")
                if carry_form.is_valid():
                    job = services.outcome_carry_in(
                        ticket=ticket,
                        engineer_user=request.user,
                        loaner_description=carry_form.cleaned_data["loaner_description"],
                        due_back=carry_form.cleaned_data["due_back"],
                    )
                    messages.success(
                        request,
                        _("Carried in. Loaner receipt %(n)s.") % {"n": job.loaner_receipt_number},
                    )
                    return _back(ticket)
            elif action == "second_visit":
                visit_form = forms.SecondVisitForm(request.POST, prefix="visit")
                if visit_form.is_valid():
                    d = visit_form.cleaned_data
                    services.outcome_second_visit(
                        ticket=ticket,
                        engineer_user=request.user,
                        customer_name=d["customer_name"],
                        agreed=d["agreed"],
                        window_start=d["window_start"],
                        window_end=d["window_end"],
                        reason=d["reason"],
                    )
                    messages.success(request, _("Second visit booked."))
                    return redirect("home")
            elif action == "unit_returned":
                services.carry_in_return(ticket=ticket, engineer_user=request.user)
                messages.success(
                    request, _("Unit returned. Run the test and ask for the signature.")
                )
                return _back(ticket)
        except DomainError as exc:
            target = {
                "waiting_for_parts": parts_form,
                "carry_in": carry_form,
                "second_visit": visit_form,
            }.get(action)
            if target is None:
                messages.error(request, exc.message)
                return _back(ticket)
            form_add_domain_error(target, exc)
        status = 400
    ctx = {
        **job_context(ticket),
        "parts_form": parts_form,
        "carry_form": carry_form,
        "visit_form": visit_form,
    }
    return render(request, "engineers/onsite/outcome.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@own_job
def test_run(request, ticket):
    category = ticket.appliance.category
    status = 200
    if request.method == "POST":
        form = forms.TestRunForm(request.POST, category=category)
        done = submit(
            form,
            lambda d: services.test_run_record(
                ticket=ticket, engineer_user=request.user, checked=d["checked"]
            ),
        )
        if done is not REFUSED:
            messages.success(request, _("Test run passed."))
            return redirect("onsite_sign", ticket_id=ticket.pk)
        status = 400
    else:
        job = selectors.onsite_job_for(ticket)
        done = [k for k, v in (job.test_run if job else {}).items() if v]
        form = forms.TestRunForm(category=category, initial={"checked": done})
    ctx = {**job_context(ticket), "form": form}
    return render(request, "engineers/onsite/test_run.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@own_job
def sign(request, ticket):
    status = 200
    if request.method == "POST":
        form = forms.SignatureForm(request.POST)
        done = submit(
            form,
            lambda d: services.signature_record(
                ticket=ticket,
                engineer_user=request.user,
                signer_name=d["signer_name"],
                data_url=d["signature"],
            ),
        )
        if done is not REFUSED:
            messages.success(request, _("Signed. Complete the job."))
            return _back(ticket)
        status = 400
    else:
        job = selectors.onsite_job_for(ticket)
        form = forms.SignatureForm(
            initial={"signer_name": (job.consent_name if job else "") or ticket.customer.name}
        )
    ctx = {**job_context(ticket), "form": form}
    return render(request, "engineers/onsite/sign.html", ctx, status=status)


@require_POST
@engineer_only
def complete(request, ticket_id):
    # A retried completion finds the job completed: still the engineer's (include_finished).
    try:
        ticket = selectors.job_get_for_engineer(
            user=request.user, ticket_id=ticket_id, include_finished=True
        )
    except NotFound:
        raise Http404 from None
    try:
        services.job_complete(ticket=ticket, engineer_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(ticket)
    messages.success(request, _("Job completed. The customer can open the report from the link."))
    return redirect("onsite_report", ticket_id=ticket.pk)
