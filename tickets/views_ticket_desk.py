"""The desk's actions on a ticket's page (a note, a logged call, the priority, a reschedule,
the tracking SMS again) and the console's "log a call" for a customer. Each view checks the
role (desk roles only: never engineers or partners), gets the ticket or customer through
its access selector and calls one service; a refusal comes back in the form."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import contacts, hooks, selectors
from .errors import DomainError
from .forms import (
    ContactForm,
    NoteForm,
    PriorityForm,
    RescheduleForm,
    TrackingResendForm,
    form_add_domain_error,
)
from .sla.services import ticket_change_priority
from .views import _or_404, _render_panel, _ticket_action, desk_only


@require_POST
@desk_only
def ticket_note(request, ticket_id: int):
    return _ticket_action(
        request,
        ticket_id,
        NoteForm,
        "note_form",
        lambda t, d: contacts.ticket_note_add(ticket=t, actor=request.user, text=d["text"]),
        _("Note added."),
    )


def _contact_from_ticket(request, ticket, data):
    contacts.contact_log(
        customer=ticket.customer,
        ticket=ticket,
        actor=request.user,
        direction=data["direction"],
        topic=data["topic"],
        outcome=data["outcome"],
        note=data["note"],
    )


@require_POST
@desk_only
def ticket_contact(request, ticket_id: int):
    return _ticket_action(
        request,
        ticket_id,
        ContactForm,
        "contact_form",
        lambda t, d: _contact_from_ticket(request, t, d),
        _("Call logged."),
    )


@require_POST
@desk_only
def ticket_priority(request, ticket_id: int):
    return _ticket_action(
        request,
        ticket_id,
        PriorityForm,
        "priority_form",
        lambda t, d: ticket_change_priority(
            ticket=t, priority=d["priority"], actor=request.user, reason=d["reason"]
        ),
        _("Priority changed; the service clocks are recomputed."),
    )


def _reschedule(request, ticket, data):
    if not hooks.visit_rescheduler_installed():
        raise DomainError(_("Visits cannot be moved here."), field="window_start")
    hooks.reschedule_visit(
        ticket=ticket,
        window_start=data["window_start"],
        window_end=data["window_end"],
        customer_consent=data["customer_consent"],
        actor=request.user,
        reason=data["reason"],
    )


@require_POST
@desk_only
def ticket_reschedule(request, ticket_id: int):
    return _ticket_action(
        request,
        ticket_id,
        RescheduleForm,
        "reschedule_form",
        lambda t, d: _reschedule(request, t, d),
        _("The visit is moved; the customer gets an SMS."),
    )


@require_POST
@desk_only
def ticket_tracking_resend(request, ticket_id: int):
    return _ticket_action(
        request,
        ticket_id,
        TrackingResendForm,
        "tracking_form",
        lambda t, d: contacts.ticket_tracking_link_resend(ticket=t, actor=request.user),
        _("The tracking link is sent to the customer again."),
    )


# --- the console: a call that opens no ticket --------------------------------------------


@desk_only
def console_contact_new(request, customer_id: int):
    """Log the call on the console: an enquiry, or a question about one of the customer's
    tickets ("where is my engineer?"). The panel shows it in the customer's history."""
    customer = _or_404(selectors.console_customer, user=request.user, customer_id=customer_id)
    tickets = customer.recent_tickets
    topic = request.GET.get("topic", "")
    if request.method != "POST":
        form = ContactForm(tickets=tickets, topic=topic)
        return _render_panel(
            request, customer_id=customer.pk, work="contact_form", contact_form=form
        )
    form = ContactForm(request.POST, tickets=tickets)
    if form.is_valid():
        data = form.cleaned_data
        ticket = next((t for t in tickets if t.pk == data["ticket"]), None)
        try:
            contacts.contact_log(
                customer=customer,
                ticket=ticket,
                actor=request.user,
                direction=data["direction"],
                topic=data["topic"],
                outcome=data["outcome"],
                note=data["note"],
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return _render_panel(request, customer_id=customer.pk, flash=_("Call logged."))
    return _render_panel(
        request, customer_id=customer.pk, work="contact_form", contact_form=form, status=422
    )
