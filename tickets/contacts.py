"""Calls with customers and the desk's other words on a ticket: a logged call (with or
without a ticket), an internal note, the tracking link sent again. The console, the ticket
page and the API call these; each checks the actor's role itself."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import customer_links
from .errors import Conflict, DomainError, PermissionDenied
from .event_kinds import EventKind
from .messaging import send_sms
from .models import Customer, CustomerContact, OutboundMessage, Ticket
from .roles import Role, has_role
from .services import ticket_event_record, tracking_url

# Who talks to customers at the desk. Engineers log their own calls on their job
# (dispatch.services.customer_call_log); partners never.
CONTACT_ROLES = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
NOTE_MAX = 2000
# The tracking link sent again at most this often (a double click, an impatient retry).
TRACKING_RESEND_GAP = dt.timedelta(minutes=2)


def _require_desk(actor, message: str) -> None:
    if actor is None or not has_role(actor, *CONTACT_ROLES):
        raise PermissionDenied(message)


def _bounded(text: str, *, field: str, limit: int, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(_("Write what was said."), field=field)
    if len(text) > limit:
        raise DomainError(_("Use at most %(limit)d characters.") % {"limit": limit}, field=field)
    return text


def contact_log(
    *,
    customer: Customer,
    actor,
    direction: str,
    topic: str,
    note: str = "",
    outcome: str = CustomerContact.Outcome.REACHED,
    ticket: Ticket | None = None,
) -> CustomerContact:
    """Record a call with the customer. About a ticket, the ticket's timeline gets a
    `contact_logged` event in the same transaction (never `customer_call`: that one is the
    engineer's call and meets the contact clock). Call after the access check on the
    customer and the ticket."""
    _require_desk(actor, _("Your role may not log calls with customers."))
    if direction not in CustomerContact.Direction.values:
        raise DomainError(_("Choose who called."), field="direction")
    if topic not in CustomerContact.Topic.values:
        raise DomainError(_("Choose what the call was about."), field="topic")
    if outcome not in CustomerContact.Outcome.values:
        raise DomainError(_("Choose the outcome of the call."), field="outcome")
    if direction == CustomerContact.Direction.INBOUND:
        outcome = CustomerContact.Outcome.REACHED  # they called us: we spoke
    reached = outcome == CustomerContact.Outcome.REACHED
    note = _bounded(note, field="note", limit=CustomerContact.NOTE_MAX, required=reached)
    if ticket is not None and ticket.customer_id != customer.pk:
        raise DomainError(_("The ticket is not this customer's."), field="ticket")
    if topic == CustomerContact.Topic.WHERE_IS_ENGINEER and ticket is None:
        raise DomainError(_("Choose the ticket the customer is asking about."), field="ticket")
    with transaction.atomic():
        contact = CustomerContact.objects.create(
            customer=customer,
            ticket=ticket,
            direction=direction,
            topic=topic,
            outcome=outcome,
            note=note,
            actor=actor,
            created_at=timezone.now(),
        )
        if ticket is not None:
            ticket_event_record(
                ticket=ticket,
                kind=EventKind.CONTACT_LOGGED,
                actor=actor,
                reason=note,
                data={
                    "contact_id": contact.pk,
                    "direction": direction,
                    "topic": topic,
                    "outcome": outcome,
                },
            )
    return contact


def ticket_note_add(*, ticket: Ticket, actor, text: str):
    """An internal note on the ticket's timeline: staff read it, the customer's link and
    report never show it (they read status events only)."""
    _require_desk(actor, _("Your role may not add notes to tickets."))
    text = _bounded(text, field="text", limit=NOTE_MAX, required=True)
    return ticket_event_record(ticket=ticket, kind=EventKind.NOTE, actor=actor, reason=text)


def ticket_tracking_link_resend(*, ticket: Ticket, actor):
    """Text the customer their tracking link again (lost the first SMS, new phone). Twice
    within `TRACKING_RESEND_GAP` is refused: the first one is on its way."""
    _require_desk(actor, _("Your role may not send messages to customers."))
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=ticket.pk)
        )
        recent = OutboundMessage.objects.filter(
            ticket=locked,
            purpose="tracking_link",
            created_at__gte=timezone.now() - TRACKING_RESEND_GAP,
        ).exists()  # under the ticket's row lock: two clicks cannot both pass
        if recent:
            raise Conflict(_("The link was sent a moment ago; ask the customer to wait a minute."))
        if customer_links.fixed_address():  # the operator's SMS provider takes no links
            body = _("Your repair request %(number)s.") % {"number": locked.number}
            body += " " + customer_links.tracking_pointer(locked)
        else:
            body = _("Your repair request %(number)s: follow it here: %(url)s") % {
                "number": locked.number,
                "url": tracking_url(locked),
            }
        send_sms(to=locked.customer.mobile, purpose="tracking_link", ticket=locked, body=body)
        return ticket_event_record(
            ticket=locked, kind=EventKind.TRACKING_LINK_SENT, actor=actor, data={}
        )
