"""Reads used by more than one caller, and every "may this user see this" rule for tickets."""

import base64
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from . import hooks
from .errors import NotFound
from .lifecycle import Status
from .models import (
    Address,
    Appliance,
    CallCentre,
    Customer,
    CustomerContact,
    ServiceArea,
    StaffProfile,
    Ticket,
    TicketEvent,
)
from .roles import Role, roles_of

EVERY_AREA = "every_area"


def desk_reach(user) -> int | str | None:
    """How far a user sees by area: EVERY_AREA (supervisors, admins, and agents or
    dispatchers whose profile says they work the national hotline), their call centre's
    id, or None: nobody else, and a desk user with no profile or with neither a centre nor
    the national flag (scoping fails closed until an administrator gives them one)."""
    roles = roles_of(user)
    if roles & {Role.SUPERVISOR, Role.ADMIN}:
        return EVERY_AREA
    if not roles & {Role.AGENT, Role.DISPATCHER}:
        return None
    try:
        profile = user.staff_profile
    except (AttributeError, StaffProfile.DoesNotExist):
        return None
    if profile.national_desk:
        return EVERY_AREA
    return profile.call_centre_id


def desk_scoped(qs: QuerySet, user, *, area_field: str = "area_id") -> QuerySet:
    """`qs` narrowed to the rows a user may see by area (`desk_reach`). The one area rule
    of every desk list."""
    reach = desk_reach(user)
    if reach == EVERY_AREA:
        return qs
    if reach is None:
        return qs.none()
    # A semi-join on the centre's area ids (not a join through the m2m table): the
    # planner can then walk the (status, created_at) index and stop at the page size.
    return qs.filter(**{f"{area_field}__in": _centre_area_ids(reach)})


def ticket_queryset_for_user(user) -> QuerySet[Ticket]:
    """Tickets the user may see (`desk_scoped`). Engineers: none here (the dispatch app
    narrows to their own jobs through `ticket_queryset_for_engineer`)."""
    return desk_scoped(Ticket.objects.all(), user)


def _column(model, field: str) -> str:
    return f'"{model._meta.db_table}"."{model._meta.get_field(field).column}"'


# The centre scoping below is written as SQL: it is part of every desk query, and built
# through the ORM (a queryset of the m2m table, resolved and compiled as a nested query,
# twice nested for customers) it cost more Python per request than Postgres spent running
# the whole query. Table and column names come from the models.
_CentreAreas = CallCentre.areas.through
_CENTRE_AREAS_SQL = (
    f'SELECT {_column(_CentreAreas, "servicearea")} FROM "{_CentreAreas._meta.db_table}"'
    f" WHERE {_column(_CentreAreas, 'callcentre')} = %s"
)
_CENTRE_CUSTOMERS_SQL = (
    f'SELECT {_column(Address, "customer")} FROM "{Address._meta.db_table}"'
    f" WHERE {_column(Address, 'area')} IN ({_CENTRE_AREAS_SQL})"
)


def _centre_area_ids(centre_id: int) -> RawSQL:
    """The ids of the centre's areas, as a subquery for `<area id>__in`."""
    return RawSQL(_CENTRE_AREAS_SQL, [centre_id])


def _centre_customer_ids(centre_id: int) -> RawSQL:
    """The ids of the customers with an address in one of the centre's areas."""
    return RawSQL(_CENTRE_CUSTOMERS_SQL, [centre_id])


def service_areas_for_user(user) -> QuerySet[ServiceArea]:
    """The areas a desk user works: their call centre's, or all for the national desk."""
    return desk_scoped(ServiceArea.objects.order_by("city", "name"), user, area_field="pk")


def ticket_get_for_user(*, user, ticket_id: int) -> Ticket:
    try:
        return (
            ticket_queryset_for_user(user)
            .select_related("customer", "appliance", "address", "area", "service_type")
            .get(pk=ticket_id)
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Ticket not found.")) from None


def ticket_get_by_token(*, token: str) -> Ticket:
    try:
        return Ticket.objects.select_related("appliance", "area").get(public_token=token)
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket not found.")) from None


def customer_queryset_for_user(user) -> QuerySet[Customer]:
    """Customers with an address in the user's areas (`desk_reach`)."""
    reach = desk_reach(user)
    qs = Customer.objects.all()
    if reach == EVERY_AREA:
        return qs
    if reach is None:
        return qs.none()
    return qs.filter(pk__in=_centre_customer_ids(reach))


def customer_get_for_user(*, user, customer_id: int) -> Customer:
    try:
        return customer_queryset_for_user(user).get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Customer not found.")) from None


CONSOLE_HISTORY_LIMIT = 20

# What the console's ticket history and appliance badges read of a ticket.
_HISTORY_FIELDS = (
    "id",
    "number",
    "status",
    "created_at",
    "customer_id",
    "appliance_id",
    "appliance__id",
    "appliance__category",
    "appliance__model_number",
)


def _console_panel_load(*, user, customer: Customer) -> Customer:
    """Load what the console's customer panel shows onto `customer`: `panel_addresses`
    (default first, with their area), `panel_appliances` (newest first), `recent_tickets`
    (the newest the user may see) and `recent_contacts` (its calls). Four indexed queries
    on the one customer: a prefetch of a sliced queryset would number every ticket of the
    customer with a window function."""
    customer.panel_addresses = list(
        Address.objects.filter(customer_id=customer.pk)
        .select_related("area")
        .order_by("-is_default", "id")
    )
    customer.panel_appliances = list(
        Appliance.objects.filter(customer_id=customer.pk).order_by("-created_at", "-id")
    )
    customer.recent_tickets = list(
        ticket_queryset_for_user(user)
        .filter(customer_id=customer.pk)
        .select_related("appliance")
        .only(*_HISTORY_FIELDS)
        .order_by("-created_at", "-id")[:CONSOLE_HISTORY_LIMIT]
    )
    customer.recent_contacts = customer_contacts_recent(customer=customer)
    return customer


CONTACT_HISTORY_LIMIT = 10


def customer_contacts_recent(*, customer: Customer, limit: int = CONTACT_HISTORY_LIMIT):
    """The customer's latest calls with the desk, newest first, each with its ticket's
    number and who took it (call after the access check on the customer)."""
    return list(
        CustomerContact.objects.filter(customer_id=customer.pk)
        .select_related("actor", "ticket")
        .only(
            "id",
            "direction",
            "topic",
            "outcome",
            "note",
            "created_at",
            "ticket_id",
            "ticket__number",
            "actor__username",
        )
        .order_by("-created_at", "-id")[:limit]
    )


def console_lookup(*, user, phone: str, limit: int = 20) -> list[Customer]:
    """The agent console's phone search: matching customers the user may see, newest first.

    When exactly one matches, the console opens it at once: it comes loaded like
    `console_customer` loads a customer. When several match, each carries what the pick
    list shows: `first_address_line`, `first_area_name` (its default address first) and
    `appliance_count`."""
    customers = list(
        customer_queryset_for_user(user).by_phone(phone).order_by("-created_at", "-id")[:limit]
    )
    if len(customers) == 1:
        _console_panel_load(user=user, customer=customers[0])
    elif customers:
        _console_pick_list_load(customers)
    return customers


def _console_pick_list_load(customers: list[Customer]) -> None:
    ids = [c.pk for c in customers]
    first_address: dict[int, tuple[str, str]] = {}
    addresses = (
        Address.objects.filter(customer_id__in=ids)
        .order_by("-is_default", "id")
        .values_list("customer_id", "line", "area__name")
    )
    for customer_id, line, area_name in addresses:
        first_address.setdefault(customer_id, (line, area_name))
    counts = dict(
        Appliance.objects.filter(customer_id__in=ids)
        .order_by()
        .values_list("customer_id")
        .annotate(n=Count("id"))
    )
    for customer in customers:
        customer.first_address_line, customer.first_area_name = first_address.get(
            customer.pk, (None, None)
        )
        customer.appliance_count = counts.get(customer.pk, 0)


def console_customer(*, user, customer_id: int) -> Customer:
    """One customer for the console panel, loaded as `_console_panel_load` says."""
    try:
        customer = customer_queryset_for_user(user).get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Customer not found.")) from None
    return _console_panel_load(user=user, customer=customer)


def appliance_get_for_user(*, user, appliance_id: int) -> Appliance:
    """An appliance of a customer the user may see."""
    try:
        return Appliance.objects.select_related("customer").get(
            pk=appliance_id, customer__in=customer_queryset_for_user(user)
        )
    except (Appliance.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Appliance not found.")) from None


def ticket_open_duplicates(*, appliance_id: int, exclude_id: int | None = None) -> list[Ticket]:
    qs = Ticket.objects.open().filter(appliance_id=appliance_id)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("-created_at")[:5])


def ticket_timeline(*, ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket).select_related("actor"))


# --- the ticket list: keyset paging, never a COUNT over the table ------------------------


@dataclass(frozen=True)
class TicketPage:
    rows: list[dict]
    next_cursor: str | None
    prev_cursor: str | None
    # Set when the list is sorted by a column: pages are then numbered (see ticket_page_sorted).
    number: int | None = None
    has_next: bool = False

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.number and self.has_next else None

    @property
    def prev_number(self) -> int | None:
        return self.number - 1 if self.number and self.number > 1 else None


def _cursor_encode(row: dict) -> str:
    raw = f"{row['created_at'].isoformat()}|{row['id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        when = dt.datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            return None
        return when, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


# What a row of the ticket list shows. Rows come as dicts, not model instances: building
# four instances per row was a large part of the page's cost.
TICKET_ROW_FIELDS = (
    "id",
    "number",
    "status",
    "priority",
    "channel",
    "service_type_id",
    "created_at",
    "customer__name",
    "customer__mobile",
    "appliance__category",
    "appliance__model_number",
    # The area's name comes from the master-data cache: one join fewer to plan, and
    # planning this query cost Postgres more than running it.
    "area_id",
    # Annotations of `ticket_list_annotate`, computed for the rows of the page only.
    "next_due",
    "engineer_name",
)


def ticket_list_annotate(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The list's computed columns: the earliest due time of the ticket's running clocks,
    and the name of the engineer holding it (from the dispatch app, through the hooks)."""
    from .sla.models import SlaClock

    next_due = (
        SlaClock.objects.filter(ticket=OuterRef("pk"), state=SlaClock.State.RUNNING)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return queryset.annotate(
        next_due=Subquery(next_due), engineer_name=hooks.ticket_engineer_name()
    )


def ticket_count_bounded(*, queryset: QuerySet[Ticket], bound: int) -> tuple[int, bool]:
    """How many tickets match, exactly up to `bound`, and whether there are more: a count
    over a LIMITed subquery, which stops reading at bound + 1 rows."""
    n = queryset.order_by().values("pk")[: bound + 1].count()
    return min(n, bound), n > bound


def ticket_page_sorted(
    *, queryset: QuerySet[Ticket], ordering: tuple, number: int = 1, size: int = 50, bound: int
) -> TicketPage:
    """Page `number` of `queryset` in a column's order. Numbered pages (an OFFSET) rather
    than a cursor, as a cursor over a computed column (the next due time) cannot use an
    index either; the offset stops at `bound` rows, as the count does."""
    last = max(1, -(-bound // size))
    number = min(max(1, number), last)
    start = (number - 1) * size
    rows = list(queryset.values(*TICKET_ROW_FIELDS).order_by(*ordering)[start : start + size + 1])
    return TicketPage(
        rows=rows[:size],
        next_cursor=None,
        prev_cursor=None,
        number=number,
        has_next=len(rows) > size and number < last,
    )


def ticket_page(
    *, queryset: QuerySet[Ticket], after: str = "", before: str = "", size: int = 50
) -> TicketPage:
    """One page of `queryset` newest first, ordered by (created_at, id) descending, each row
    a dict of `TICKET_ROW_FIELDS`.

    `after` continues past the last row of a page, `before` goes back from the first row
    of a page. Fetches one row more than the page to know whether another page follows."""
    qs = queryset.values(*TICKET_ROW_FIELDS)
    back = bool(before) and not after
    cursor = _cursor_decode(before if back else after) if (before or after) else None
    if cursor is not None:
        when, pk = cursor
        if back:
            qs = qs.filter(Q(created_at__gt=when) | Q(created_at=when, pk__gt=pk))
        else:
            qs = qs.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))
    if back and cursor is not None:
        rows = list(qs.order_by("created_at", "id")[: size + 1])
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return TicketPage(
            rows=rows,
            next_cursor=_cursor_encode(rows[-1]) if rows else None,
            prev_cursor=_cursor_encode(rows[0]) if rows and more_before else None,
        )
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return TicketPage(
        rows=rows,
        next_cursor=_cursor_encode(rows[-1]) if rows and more_after else None,
        prev_cursor=_cursor_encode(rows[0]) if rows and cursor is not None else None,
    )


def ticket_public_progress(*, ticket: Ticket) -> dict:
    """What the customer's link may show beyond the ticket itself: the booked window,
    the engineer's ETA and first name, and the dates of the status changes. Nothing else."""
    events = list(
        TicketEvent.objects.filter(ticket=ticket, kind__in=["status", "rescheduled", "created"])
        .order_by("created_at", "id")
        .only("kind", "to_status", "data", "created_at")
    )
    window = eta = None
    engineer_name = ""
    history: list[dict] = []
    for event in events:
        data = event.data or {}
        if event.kind == "rescheduled" or (
            event.kind == "status" and event.to_status == Status.SCHEDULED
        ):
            start, end = _iso(data.get("window_start")), _iso(data.get("window_end"))
            if start and end:
                window = (start, end)
        if event.kind == "status":
            # An ETA holds only while the engineer is on the way.
            eta = _iso(data.get("eta")) if event.to_status == Status.EN_ROUTE else None
        name = data.get("engineer_name")
        if isinstance(name, str) and name.strip():
            engineer_name = name.strip().split()[0][:20]
        if event.kind in ("status", "created"):
            history.append({"status": event.to_status, "at": event.created_at})
    if ticket.status != Status.EN_ROUTE:
        eta = None
    if ticket.status not in (Status.SCHEDULED, Status.EN_ROUTE):
        window = None if ticket.status in _NO_WINDOW_STATUSES else window
    return {"window": window, "eta": eta, "engineer_name": engineer_name, "history": history}


_NO_WINDOW_STATUSES = (
    Status.AWAITING_DISPATCH,
    Status.ASSIGNED,
    Status.COMPLETED,
    Status.RESOLVED_REMOTELY,
    Status.CALLBACK_DONE,
    Status.CLOSED,
    Status.CANCELLED,
)


def _iso(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
