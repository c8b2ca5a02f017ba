"""Reads used by more than one caller, and every "may this user see this" rule for tickets."""

from django.db.models import QuerySet

from .errors import NotFound
from .models import Customer, Ticket, TicketEvent
from .roles import Role, roles_of


def _desk_call_centre(user):
    profile = getattr(user, "staff_profile", None)
    return profile.call_centre if profile else None


def ticket_queryset_for_user(user) -> QuerySet[Ticket]:
    """Tickets the user may see. Agents and dispatchers: their call centre's areas (a staff
    member with no call centre works the national hotline and sees every area).
    Supervisors and admins: everything. Engineers: only jobs assigned to them
    (the dispatch app narrows this through `ticket_queryset_for_engineer`)."""
    roles = roles_of(user)
    qs = Ticket.objects.all()
    if roles & {Role.SUPERVISOR, Role.ADMIN}:
        return qs
    if roles & {Role.AGENT, Role.DISPATCHER}:
        centre = _desk_call_centre(user)
        return qs.visible_to_call_centre(centre) if centre else qs
    return qs.none()


def ticket_get_for_user(*, user, ticket_id: int) -> Ticket:
    try:
        return (
            ticket_queryset_for_user(user)
            .select_related("customer", "appliance", "address", "area")
            .get(pk=ticket_id)
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound("Ticket not found.") from None


def ticket_get_by_token(*, token: str) -> Ticket:
    try:
        return Ticket.objects.select_related("appliance", "area").get(public_token=token)
    except Ticket.DoesNotExist:
        raise NotFound("Ticket not found.") from None


def customer_queryset_for_user(user) -> QuerySet[Customer]:
    roles = roles_of(user)
    qs = Customer.objects.all()
    if roles & {Role.SUPERVISOR, Role.ADMIN}:
        return qs
    if roles & {Role.AGENT, Role.DISPATCHER}:
        centre = _desk_call_centre(user)
        return qs.filter(addresses__area__call_centres=centre).distinct() if centre else qs
    return qs.none()


def customer_get_for_user(*, user, customer_id: int) -> Customer:
    try:
        return customer_queryset_for_user(user).get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise NotFound("Customer not found.") from None


def customer_search(*, user, phone: str, limit: int = 20) -> list[Customer]:
    return list(
        customer_queryset_for_user(user)
        .by_phone(phone)
        .prefetch_related("addresses__area", "appliances")
        .order_by("-created_at")[:limit]
    )


def ticket_open_duplicates(*, appliance_id: int, exclude_id: int | None = None) -> list[Ticket]:
    qs = Ticket.objects.open().filter(appliance_id=appliance_id)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("-created_at")[:5])


def ticket_timeline(*, ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket).select_related("actor"))
