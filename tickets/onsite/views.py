"""The engineer's on-site pages (phone first), the report pages and the guarded photo view.
Thin: parse the form, call one service, redirect (POST/redirect/GET) or show the form again
with what was typed and the message."""

from functools import wraps

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tickets.errors import DomainError, NotFound
from tickets.lifecycle import Status
from tickets.permissions import role_required
from tickets.roles import DISPATCHING_ROLES, STAFF_DESK_ROLES, Role, has_role
from tickets.selectors import ticket_get_by_token, ticket_get_for_user

from .. import hooks
from . import forms, selectors, services
from .report_files import report_pdf_stored


def engineer_job(view):
    """Engineer role, and the job must be theirs (else 404, whatever the ticket is)."""

    @role_required(Role.ENGINEER)
    @wraps(view)
    def wrapped(request, ticket_id, *args, **kwargs):
        try:
            ticket = selectors.job_get_for_engineer(user=request.user, ticket_id=ticket_id)
        except NotFound:
            raise Http404 from None
        return view(request, ticket, *args, **kwargs)

    return wrapped


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


_REFUSED = object()


def _submit(form, call):
    """`call(cleaned_data)` for a valid form, returning what it returns; `_REFUSED` when the
    form is invalid or the service refused (its message then stands on the form)."""
    if not form.is_valid():
        return _REFUSED
    try:
        return call(form.cleaned_data)
    except DomainError as exc:
        _form_error(form, exc)
        return _REFUSED


def _back(ticket):
    return redirect("onsite_job", ticket_id=ticket.pk)


def _job_context(ticket) -> dict:
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
    from django.db.models import Count, Exists, OuterRef

    from tickets.installation.services import is_installation, units_expected
    from tickets.models import Ticket

    from .models import ChecklistRecord

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


@engineer_job
def job_page(request, ticket):
    ctx = _job_context(ticket)
    ctx["photo_count"] = len(selectors.photos_for_ticket(ticket))
    ctx["part_count"] = len(hooks.parts_for_ticket(ticket=ticket))
    return render(request, "tickets/onsite/job.html", ctx)


@require_POST
@engineer_job
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
@engineer_job
def diagnosis(request, ticket):
    category = ticket.appliance.category
    if request.method == "POST":
        form = forms.DiagnosisForm(request.POST, category=category)
        done = _submit(
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
        if done is not _REFUSED:
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
    ctx = {**_job_context(ticket), "form": form}
    return render(request, "tickets/onsite/diagnosis.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@engineer_job
def charges(request, ticket):
    consent_form = forms.ConsentForm(prefix="consent")
    payment_form = forms.PaymentForm(prefix="pay")
    owed_form = forms.OwedForm(prefix="owed")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "consent":
            consent_form = forms.ConsentForm(request.POST, prefix="consent")
            done = _submit(
                consent_form,
                lambda d: services.charges_consent(
                    ticket=ticket,
                    engineer_user=request.user,
                    customer_name=d["customer_name"],
                    agreed=d["agreed"],
                ),
            )
            if done is not _REFUSED:
                messages.success(request, _("The customer's consent is recorded."))
                return redirect("onsite_charges", ticket_id=ticket.pk)
        elif action == "payment":
            payment_form = forms.PaymentForm(request.POST, prefix="pay")
            job = _submit(
                payment_form,
                lambda d: services.payment_record(
                    ticket=ticket,
                    engineer_user=request.user,
                    method=d["payment_method"],
                    reference=d["payment_reference"],
                    paid=d["paid"],
                ),
            )
            if job is not _REFUSED:
                messages.success(
                    request, _("Payment recorded. Receipt %(n)s.") % {"n": job.receipt_number}
                )
                return redirect("onsite_charges", ticket_id=ticket.pk)
        elif action == "owed":
            owed_form = forms.OwedForm(request.POST, prefix="owed")
            job = _submit(
                owed_form,
                lambda d: services.payment_owed_record(
                    ticket=ticket,
                    engineer_user=request.user,
                    agreed_by=d["agreed_by"],
                    collection=d["collection"],
                    note=d["note"],
                ),
            )
            if job is not _REFUSED:
                messages.success(
                    request,
                    _("%(amount)s CNY recorded as owed: the desk follows it up.")
                    % {"amount": job.owed_amount},
                )
                return redirect("onsite_charges", ticket_id=ticket.pk)
        status = 400
    ctx = {
        **_job_context(ticket),
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
    return render(request, "tickets/onsite/charges.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@engineer_job
def photos(request, ticket):
    status = 200
    if request.method == "POST":
        form = forms.PhotoForm(request.POST, request.FILES)
        done = _submit(
            form,
            lambda d: services.photo_add(
                ticket=ticket,
                engineer_user=request.user,
                upload=d["image"],
                kind=d["kind"],
                key=d["key"],
            ),
        )
        if done is not _REFUSED:
            messages.success(request, _("Photo saved."))
            return redirect("onsite_photos", ticket_id=ticket.pk)
        status = 400
    else:
        form = forms.PhotoForm()
    ctx = {**_job_context(ticket), "form": form, "photos": selectors.photos_for_ticket(ticket)}
    return render(request, "tickets/onsite/photos.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@engineer_job
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
            _form_error(target, exc)
        status = 400
    ctx = {
        **_job_context(ticket),
        "parts_form": parts_form,
        "carry_form": carry_form,
        "visit_form": visit_form,
    }
    return render(request, "tickets/onsite/outcome.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@engineer_job
def test_run(request, ticket):
    category = ticket.appliance.category
    status = 200
    if request.method == "POST":
        form = forms.TestRunForm(request.POST, category=category)
        done = _submit(
            form,
            lambda d: services.test_run_record(
                ticket=ticket, engineer_user=request.user, checked=d["checked"]
            ),
        )
        if done is not _REFUSED:
            messages.success(request, _("Test run passed."))
            return redirect("onsite_sign", ticket_id=ticket.pk)
        status = 400
    else:
        job = selectors.onsite_job_for(ticket)
        done = [k for k, v in (job.test_run if job else {}).items() if v]
        form = forms.TestRunForm(category=category, initial={"checked": done})
    ctx = {**_job_context(ticket), "form": form}
    return render(request, "tickets/onsite/test_run.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@engineer_job
def sign(request, ticket):
    status = 200
    if request.method == "POST":
        form = forms.SignatureForm(request.POST)
        done = _submit(
            form,
            lambda d: services.signature_record(
                ticket=ticket,
                engineer_user=request.user,
                signer_name=d["signer_name"],
                data_url=d["signature"],
            ),
        )
        if done is not _REFUSED:
            messages.success(request, _("Signed. Complete the job."))
            return _back(ticket)
        status = 400
    else:
        job = selectors.onsite_job_for(ticket)
        form = forms.SignatureForm(
            initial={"signer_name": (job.consent_name if job else "") or ticket.customer.name}
        )
    ctx = {**_job_context(ticket), "form": form}
    return render(request, "tickets/onsite/sign.html", ctx, status=status)


@require_POST
@role_required(Role.ENGINEER)
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


# --- reports and photos ------------------------------------------------------------------


def _viewer_ticket(request, ticket_id):
    try:
        return selectors.ticket_get_for_onsite_viewer(user=request.user, ticket_id=ticket_id)
    except NotFound:
        raise Http404 from None


@role_required(Role.ENGINEER, *STAFF_DESK_ROLES)
def report_page(request, ticket_id):
    ticket = _viewer_ticket(request, ticket_id)
    report = selectors.report_latest_for_ticket(ticket)
    if report is None:
        raise Http404
    versions = list(ticket.service_reports.order_by("-version").only("id", "version", "issued_at"))
    correction_form = None
    if has_role(request.user, *DISPATCHING_ROLES):
        notes = (report.content.get("diagnosis") or {}).get("notes", "")
        correction_form = forms.ReportCorrectionForm(initial={"notes": notes})
    return render(
        request,
        "tickets/onsite/report.html",
        {
            "ticket": ticket,
            "report": report,
            "c": report.content,
            "times": {
                k: parse_datetime(v) if v else None
                for k, v in report.content.get("times", {}).items()
            },
            "versions": versions,
            "correction_form": correction_form,
        },
    )


def _pdf_response(report, *, inline: bool, customer_copy: bool = False) -> HttpResponse:
    response = HttpResponse(
        report_pdf_stored(report, customer_copy=customer_copy), content_type="application/pdf"
    )
    filename = f"{report.content['ticket']['number']}-v{report.version}.pdf"
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.ENGINEER, *STAFF_DESK_ROLES)
def report_pdf_view(request, report_id):
    try:
        report = selectors.report_get_for_user(user=request.user, report_id=report_id)
    except NotFound:
        raise Http404 from None
    return _pdf_response(report, inline=False)


def customer_report_pdf(request, token):
    """The customer's copy, by the private link's token (no login)."""
    try:
        ticket = ticket_get_by_token(token=token)
    except NotFound:
        raise Http404 from None
    report = selectors.report_latest_for_ticket(ticket)
    if report is None:
        raise Http404
    response = _pdf_response(report, inline=True, customer_copy=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def customer_report_page(request, token):
    try:
        ticket = ticket_get_by_token(token=token)
    except NotFound:
        raise Http404 from None
    return render(request, "tickets/onsite/customer_report.html", {"ticket": ticket})


def _guarded_file(field_file, *, content_type: str, filename: str) -> FileResponse:
    """Photos and signatures: never sniffed, never rendered as a page (attachment); an <img>
    still shows them."""
    response = FileResponse(
        field_file.open("rb"), content_type=content_type, as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@role_required(Role.ENGINEER, *STAFF_DESK_ROLES)
def photo_view(request, photo_id):
    try:
        photo = selectors.photo_get_for_user(user=request.user, photo_id=photo_id)
    except NotFound:
        raise Http404 from None
    return _guarded_file(photo.image, content_type="image/jpeg", filename=f"photo-{photo.pk}.jpg")


@role_required(Role.ENGINEER, *STAFF_DESK_ROLES)
def report_signature_view(request, report_id):
    try:
        report = selectors.report_get_for_user(user=request.user, report_id=report_id)
    except NotFound:
        raise Http404 from None
    if not report.signature:
        raise Http404
    return _guarded_file(
        report.signature, content_type="image/png", filename=f"signature-{report.pk}.png"
    )


@require_POST
@role_required(*DISPATCHING_ROLES)
def parts_arrived_view(request, ticket_id):
    """Desk: the parts for a waiting job are in; it goes back to its engineer."""
    try:
        ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    except NotFound:
        raise Http404 from None
    form = forms.PartsArrivedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the visit window."))
    else:
        try:
            services.parts_arrived(
                ticket=ticket,
                actor=request.user,
                window_start=form.cleaned_data["window_start"],
                window_end=form.cleaned_data["window_end"],
            )
            messages.success(request, _("Parts arrived: the job is back with its engineer."))
        except DomainError as exc:
            messages.error(request, exc.message)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("home")


@require_POST
@role_required(*DISPATCHING_ROLES)
def report_correct_view(request, report_id):
    """A signed report is never edited: the correction is a new version linked to it."""
    try:
        report = selectors.report_get_for_user(user=request.user, report_id=report_id)
    except NotFound:
        raise Http404 from None
    form = forms.ReportCorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the corrected notes and the reason."))
    else:
        try:
            new = services.report_correct(
                report=report,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                changes={"diagnosis": {"notes": form.cleaned_data["notes"]}},
            )
            messages.success(request, _("Version %(v)s issued.") % {"v": new.version})
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("onsite_report", ticket_id=report.ticket_id)


@require_http_methods(["GET", "POST"])
@role_required(*DISPATCHING_ROLES)
def flagged_check_ins_view(request):
    """Check-ins far from the customer's address, for a dispatcher or supervisor to review."""
    if request.method == "POST":
        try:
            ticket = ticket_get_for_user(user=request.user, ticket_id=request.POST.get("ticket"))
            services.check_in_review(
                ticket=ticket, actor=request.user, note=request.POST.get("note", "")
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Check-in of %(n)s reviewed.") % {"n": ticket.number})
        return redirect("onsite_flagged_check_ins")
    return render(
        request,
        "tickets/onsite/flagged.html",
        {"jobs": selectors.flagged_check_ins(user=request.user)},
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_DESK_ROLES)
def owed_jobs_view(request):
    """Amounts customers agreed to pay later, for the desk to collect."""
    if request.method == "POST":
        form = forms.OwedCollectedForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose the job."))
            return redirect("onsite_owed")
        try:
            ticket = ticket_get_for_user(user=request.user, ticket_id=form.cleaned_data["ticket"])
            services.owed_collected(
                ticket=ticket, actor=request.user, note=form.cleaned_data["note"]
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Payment for %(n)s collected.") % {"n": ticket.number})
        return redirect("onsite_owed")
    return render(
        request, "tickets/onsite/owed.html", {"jobs": selectors.owed_jobs(user=request.user)}
    )
