"""The engineer's phone pages: their jobs, accept/decline, the call, the visit, on my way.

Every action form carries a one-time token (a retried submit acts once), and a refused
submit shows the page again with what was typed and the reason.
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch import forms, selectors, services
from tickets.errors import DomainError, NotFound
from tickets.event_kinds import EventKind
from tickets.forms import form_add_domain_error
from tickets.idempotency import idempotency_claim
from tickets.timeline import timeline_entries

from .access import current_engineer, engineer_only


@engineer_only
def engineer_jobs(request):
    engineer = current_engineer(request)
    jobs = selectors.engineer_jobs(engineer=engineer)
    return render(
        request,
        "engineers/jobs.html",
        {
            "engineer": engineer,
            "today": jobs["today"],
            "later": jobs["later"],
            "now": timezone.now(),
        },
    )


def _job_context(request, engineer, ticket_id, **bound):
    try:
        ticket = selectors.ticket_get_for_engineer(engineer=engineer, ticket_id=ticket_id)
        assignment = selectors.live_assignment_for_engineer(engineer=engineer, ticket=ticket)
    except NotFound:
        raise Http404(_("Job not found.")) from None
    appointment = assignment.booked[0] if assignment.booked else None
    # The job's history as sentences (desk notes stay on the desk's page).
    history = timeline_entries(
        reversed(
            ticket.events.exclude(kind=EventKind.NOTE)
            .select_related("actor")
            .order_by("-created_at", "-id")[:20]
        ),
        category=ticket.appliance.category,
    )
    ctx = {
        "engineer": engineer,
        "ticket": ticket,
        "assignment": assignment,
        "appointment": appointment,
        "calls": [e for e in reversed(history) if e.kind == EventKind.CUSTOMER_CALL][:5],
        "history": history,
        "decline_form": forms.DeclineForm(),
        "call_form": forms.CallForm(),
        "book_form": forms.WindowForm(),
        "reschedule_form": forms.RescheduleForm(),
        "eta_form": forms.OnMyWayForm(),
    }
    ctx.update(bound)
    return ctx


@engineer_only
def engineer_job(request, ticket_id: int):
    engineer = current_engineer(request)
    return render(request, "engineers/job.html", _job_context(request, engineer, ticket_id))


def _act(request, ticket_id, form_class, form_key, action, done_message, after="job"):
    """Validate, claim the form's token, run the service; on refusal show the page again."""
    engineer = current_engineer(request)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        ctx = _job_context(request, engineer, ticket_id, **{form_key: form})
        return render(request, "engineers/job.html", ctx, status=400)
    token = request.POST.get("form_token", "")
    try:
        with transaction.atomic():
            scope = f"dispatch:{request.resolver_match.url_name}"
            if not idempotency_claim(
                client=request.user, key=token, scope=scope, ticket_id=ticket_id
            ):
                messages.info(request, _("Already recorded."))
                return redirect("engineer_job", ticket_id=ticket_id)
            action(engineer, form)
    except NotFound:
        messages.error(request, _("This job is no longer yours."))
        return redirect("engineer_jobs")
    except DomainError as exc:
        if form is None:
            messages.error(request, exc.message)
            return redirect("engineer_job", ticket_id=ticket_id)
        form_add_domain_error(form, exc)
        ctx = _job_context(request, engineer, ticket_id, **{form_key: form})
        return render(request, "engineers/job.html", ctx, status=400)
    messages.success(request, done_message)
    if after == "list":
        return redirect("engineer_jobs")
    return redirect("engineer_job", ticket_id=ticket_id)


@require_POST
@engineer_only
def job_accept(request, ticket_id: int):
    return _act(
        request,
        ticket_id,
        forms.TokenForm,
        "accept_form",
        lambda eng, f: services.assignment_accept(engineer=eng, ticket_id=ticket_id),
        _("Job accepted. Call the customer now."),
    )


@require_POST
@engineer_only
def job_decline(request, ticket_id: int):
    return _act(
        request,
        ticket_id,
        forms.DeclineForm,
        "decline_form",
        lambda eng, f: services.assignment_decline(
            engineer=eng, ticket_id=ticket_id, reason=f.reason_text()
        ),
        _("Job declined. It goes to the next engineer."),
        after="list",
    )


@require_POST
@engineer_only
def job_call(request, ticket_id: int):
    return _act(
        request,
        ticket_id,
        forms.CallForm,
        "call_form",
        lambda eng, f: services.customer_call_log(
            engineer=eng,
            ticket_id=ticket_id,
            outcome=f.cleaned_data["outcome"],
            note=f.cleaned_data["note"],
        ),
        _("Call recorded."),
    )


@require_POST
@engineer_only
def job_book(request, ticket_id: int):
    return _act(
        request,
        ticket_id,
        forms.WindowForm,
        "book_form",
        lambda eng, f: services.appointment_book(
            engineer=eng,
            ticket_id=ticket_id,
            window_start=f.cleaned_data["window_start"],
            window_end=f.cleaned_data["window_end"],
        ),
        _("Visit booked. The customer gets an SMS."),
    )


@require_POST
@engineer_only
def job_reschedule(request, ticket_id: int):
    return _act(
        request,
        ticket_id,
        forms.RescheduleForm,
        "reschedule_form",
        lambda eng, f: services.appointment_reschedule(
            engineer=eng,
            actor=request.user,
            ticket_id=ticket_id,
            window_start=f.cleaned_data["window_start"],
            window_end=f.cleaned_data["window_end"],
            customer_consent=f.cleaned_data["customer_consent"],
            reason=f.cleaned_data["reason"],
        ),
        _("Visit moved. The customer gets an SMS."),
    )


@require_POST
@engineer_only
def job_on_my_way(request, ticket_id: int):
    return _act(
        request,
        ticket_id,
        forms.OnMyWayForm,
        "eta_form",
        lambda eng, f: services.engineer_on_my_way(
            engineer=eng, ticket_id=ticket_id, eta_minutes=f.cleaned_data["eta_minutes"]
        ),
        _("The customer can see you are on the way."),
    )
