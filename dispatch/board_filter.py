"""Who holds a ticket, for desk pages: the supervisor board's "service point" filter
(tickets.sla.selectors), where a service point's tickets are those its engineers hold now
and those still waiting for an engineer in the areas it covers; and the ticket list's
engineer column."""

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from engineers.models import ServicePoint
from tickets.lifecycle import Status
from tickets.selectors import service_areas_for_user

from .models import Assignment


def service_point_choices(user) -> list[tuple[int, str]]:
    areas = service_areas_for_user(user)
    return list(
        ServicePoint.objects.filter(areas__in=areas)
        .distinct()
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def tickets_of_service_point(tickets, service_point_id: int):
    held = Assignment.objects.live().filter(
        ticket=OuterRef("pk"), engineer__service_point_id=service_point_id
    )
    waiting = Q(status=Status.AWAITING_DISPATCH) & Q(area__service_points=service_point_id)
    return tickets.filter(Q(Exists(held)) | waiting).distinct()


def ticket_engineer_name():
    """The ticket list's engineer column: the live assignment's engineer, by first name
    (as `Engineer.display_name`), else by username."""
    live = Assignment.objects.live().filter(ticket=OuterRef("pk")).order_by()
    return Subquery(
        live.annotate(
            name=Coalesce(
                NullIf("engineer__user__first_name", Value("")), "engineer__user__username"
            )
        ).values("name")[:1]
    )
