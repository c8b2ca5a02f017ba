"""The on-site report pages, the guarded photo and signature views, and the desk's on-site
lists (flagged check-ins, payments owed, parts arrived). The engineer's on-site steps are
phone pages: engineers/phone/onsite.py.
Thin: parse the form, call one service, redirect (POST/redirect/GET) or show the message."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tickets.errors import DomainError, NotFound
from tickets.permissions import role_required
from tickets.roles import DISPATCHING_ROLES, STAFF_DESK_ROLES, Role, has_role
from tickets.selectors import ticket_get_by_token, ticket_get_for_user

from . import forms, selectors, services
from .report_files import report_pdf_stored


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
