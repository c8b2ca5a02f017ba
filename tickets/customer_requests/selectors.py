from django.db.models import QuerySet

from tickets.selectors import desk_scoped

from .models import CustomerRequest, CustomerRequestStatus


def customer_requests_for_desk(user, *, status: str = CustomerRequestStatus.OPEN) -> QuerySet:
    """The requests of the tickets the user's call centre handles (`desk_scoped`)."""
    qs = CustomerRequest.objects.filter(status=status).select_related("ticket", "handled_by")
    return desk_scoped(qs, user, area_field="ticket__area_id").order_by("created_at", "id")


def customer_requests_of_ticket(ticket) -> list[CustomerRequest]:
    return list(
        CustomerRequest.objects.filter(ticket=ticket)
        .select_related("handled_by")
        .order_by("-created_at", "-id")[:20]
    )


def open_request_kinds(ticket) -> set[str]:
    """The kinds of request the customer has open on this ticket (one of each at most)."""
    return set(
        CustomerRequest.objects.filter(
            ticket=ticket, status=CustomerRequestStatus.OPEN
        ).values_list("kind", flat=True)
    )
