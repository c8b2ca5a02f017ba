"""The one registry through which other apps plug into a ticket's life.

tickets never imports the apps that build on it (dispatch, spareparts, callbacks, ...).
Where a ticket's change must start another app's work, or a tickets page needs another
app's data, the other app registers a handler here in its `AppConfig.ready()`.

Two shapes of slot:

- *many*: every registered handler runs, in registration order (`subscribe` / `run_all`,
  or `collect` when each returns a list to be joined).
- *one*: a single provider; an app's `provide` replaces the default that tickets installs
  (`provide(..., default=True)` never replaces a provider an app installed).

Handlers of ticket events run inside the caller's transaction, with the ticket row
locked, after the event is written (events a sweep writes in bulk through
`tickets.services.ticket_events_record_many` come without the row lock: a sweep never
waits on a ticket). A handler that starts background work does so
through `tickets.taskqueue.enqueue_task` (durable), never by calling Celery directly.

Who registers what (keep this list current when you add a slot or a handler):

- `transition` (many) `(*, ticket, from_status, to_status, event, actor)` after every
  status move: tickets.sla (service clocks), dispatch (assignments), spareparts (fitted
  parts leave the van at completion; reservations released at cancellation).
- `event` (many) `(*, ticket, event, actor)` for events that are not status moves:
  tickets.sla (service clocks).
- `redispatcher` (one) `(*, ticket, reason, actor, data=None)`: take the job from its
  engineer and find the next one: tickets (default: back to the queue), dispatch.
- `parts_provider` (many) `(*, ticket) -> [{"sku", "name", "name_zh_hans", "name_en",
  "serial", "original", "warranty_months", "old_serial", "unit_price", "quantity"}]`:
  spareparts.
- `charge_line_part_names` (one) `(*, sources) -> {source: {"zh_hans", "en"}}`: the
  catalogue part's name in each language for part charge lines by their `source`, so a
  line reads in the page's language whoever fitted it: spareparts. Without it a part line
  shows the text stored when fitted.
- `service_point_filter` (one) with `choices(user) -> [(id, name)]` and
  `apply(queryset, service_point_id) -> queryset`: dispatch.
- `track_sections` (many) `(*, ticket, language) -> [{"template": str, "context": dict}]`:
  extra sections on the customer's tracking page (rating form, parts on their way):
  callbacks, spareparts.
- `close_blockers` (many) `(*, ticket) -> [reason code, ...]`: what keeps a completed or
  remotely resolved ticket from closing (an open callback, an open complaint): callbacks.
- `visit_booker` (one) `(*, ticket, engineer_user, window_start, window_end) -> appointment`:
  book a visit with the same clash check wherever it is booked (job list, on-site second
  visit, parts arrived): dispatch.
- `visit_rescheduler` (one) `(*, ticket, window_start, window_end, customer_consent, actor,
  reason) -> appointment`: move the booked visit to a window the customer agreed (the desk's
  ticket page), with the clash check: dispatch.
- `engineer_summary` (one) `(*, ticket) -> {"name", "username", "phone", "service_point",
  "accepted", "window_start", "window_end"} | None`: who holds the job now and the visit
  booked, for the header of the desk's ticket page: dispatch.
- `ticket_links` (many) `(*, ticket, user) -> [{"key", "label", "url", "hotkey"}]`: other
  apps' actions on the desk's ticket page (open a complaint): callbacks.
- `charge_waivers` (many) `(*, ticket) -> [reason code, ...]`: why a job's call-out fee and
  labour are free whatever its warranty (a free revisit of a repeat fault): callbacks.
- `ticket_engineer_name` (one) `() -> expression`: the name of the engineer holding a
  ticket, as a query expression over `OuterRef("pk")` (the ticket list's column and sort):
  dispatch. Without it the column is empty.
- `report_drawings` (many) `(*, ticket) -> [reportlab Drawing]`: drawn on the service
  report's PDF (the QR code of the customer's rating link): callbacks.
- `sms_links` (one) `() -> bool`: customer SMS carry a fixed address and a short code
  instead of the private link (tickets.customer_links): callbacks (its policy's setting).
- `staff_ticket_sections` (many) `(*, ticket, user) -> [{"template": str, "context": dict}]`:
  extra sections on the desk's ticket page (the plan a maintenance visit belongs to, with
  its "open a repair from the findings" action, the ticket's calls to the customer):
  proactive, callbacks.
- `board_sections` (many) `(*, user) -> [{"template": str, "context": dict}]`: extra
  sections on the supervisor's live board (the tickets left hanging): callbacks.
- `reason_labels` (many) `() -> {code: label}`: the words of reason codes other apps store
  on events and records (why an assignment ended, why dispatch failed), translated when
  shown by `tickets.timeline.reason_text`: dispatch, callbacks.
"""

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

Handler = Callable[..., Any]

TRANSITION = "transition"
EVENT = "event"
REDISPATCHER = "redispatcher"
PARTS_PROVIDER = "parts_provider"
SERVICE_POINT_FILTER = "service_point_filter"
TRACK_SECTIONS = "track_sections"
CLOSE_BLOCKERS = "close_blockers"
VISIT_BOOKER = "visit_booker"
CHARGE_WAIVERS = "charge_waivers"
REPORT_DRAWINGS = "report_drawings"
SMS_LINKS = "sms_links"
VISIT_RESCHEDULER = "visit_rescheduler"
ENGINEER_SUMMARY = "engineer_summary"
TICKET_LINKS = "ticket_links"
TICKET_ENGINEER_NAME = "ticket_engineer_name"
STAFF_TICKET_SECTIONS = "staff_ticket_sections"
BOARD_SECTIONS = "board_sections"
REASON_LABELS = "reason_labels"
CHARGE_LINE_PART_NAMES = "charge_line_part_names"

_many: dict[str, list[Handler]] = {}
_one: dict[str, tuple[Any, bool]] = {}  # slot -> (provider, is_default)


# --- the two shapes -----------------------------------------------------------------------


def subscribe(slot: str, handler: Handler) -> Handler:
    """Add `handler` to a *many* slot (once, however often an app's ready() runs)."""
    handlers = _many.setdefault(slot, [])
    if handler not in handlers:
        handlers.append(handler)
    return handler


def run_all(slot: str, **kwargs) -> None:
    for handler in list(_many.get(slot, ())):
        handler(**kwargs)


def collect(slot: str, **kwargs) -> list:
    """Join the lists every handler of a *many* slot returns."""
    rows: list = []
    for handler in list(_many.get(slot, ())):
        rows.extend(handler(**kwargs))
    return rows


def provide(slot: str, provider: Any, *, default: bool = False) -> None:
    """Install the provider of a *one* slot. A default never replaces an app's provider."""
    current = _one.get(slot)
    if default and current is not None and not current[1]:
        return
    _one[slot] = (provider, default)


def provider(slot: str) -> Any | None:
    current = _one.get(slot)
    return current[0] if current is not None else None


# --- named slots --------------------------------------------------------------------------


def on_transition(handler: Handler) -> Handler:
    """`handler(*, ticket, from_status, to_status, event, actor)` after every status move."""
    return subscribe(TRANSITION, handler)


def on_event(handler: Handler) -> Handler:
    """`handler(*, ticket, event, actor)` for events that are not status moves (a logged
    call, a fee acceptance, a note, an SLA breach)."""
    return subscribe(EVENT, handler)


def run_transition_handlers(**kwargs) -> None:
    run_all(TRANSITION, **kwargs)


def run_event_handlers(**kwargs) -> None:
    run_all(EVENT, **kwargs)


def set_redispatcher(handler: Handler, *, default: bool = False) -> None:
    provide(REDISPATCHER, handler, default=default)


def redispatch(*, ticket, reason: str, actor=None, data: dict | None = None) -> None:
    """Take the job from its engineer and find the next one (the dispatch app), or, with
    no dispatch app installed, return the ticket to the queue (tickets' default)."""
    handler = provider(REDISPATCHER)
    if handler is None:
        raise RuntimeError("No re-dispatcher installed: tickets.apps installs the default.")
    handler(ticket=ticket, reason=reason, actor=actor, data=data)


def add_parts_provider(handler: Handler) -> Handler:
    return subscribe(PARTS_PROVIDER, handler)


def parts_for_ticket(*, ticket) -> list[dict]:
    return collect(PARTS_PROVIDER, ticket=ticket)


def set_charge_line_part_names(handler: Handler) -> None:
    provide(CHARGE_LINE_PART_NAMES, handler)


def charge_line_part_names(*, sources: list[str]) -> dict[str, dict]:
    handler = provider(CHARGE_LINE_PART_NAMES)
    if handler is None or not sources:
        return {}
    return handler(sources=sources)


def set_service_point_filter(*, choices: Callable, apply: Callable) -> None:
    provide(SERVICE_POINT_FILTER, SimpleNamespace(choices=choices, apply=apply))


def service_point_choices(user) -> list[tuple[int, str]] | None:
    filt = provider(SERVICE_POINT_FILTER)
    return None if filt is None else list(filt.choices(user))


def service_point_apply(queryset, service_point_id: int):
    """`queryset` narrowed to one service point's tickets; unchanged without a filter."""
    filt = provider(SERVICE_POINT_FILTER)
    return queryset if filt is None else filt.apply(queryset, service_point_id)


def add_track_section(handler: Handler) -> Handler:
    return subscribe(TRACK_SECTIONS, handler)


def track_sections(*, ticket, language: str = "") -> list[dict]:
    return collect(TRACK_SECTIONS, ticket=ticket, language=language)


def add_close_blocker(handler: Handler) -> Handler:
    return subscribe(CLOSE_BLOCKERS, handler)


def close_blockers(*, ticket) -> list[str]:
    return collect(CLOSE_BLOCKERS, ticket=ticket)


def set_visit_booker(handler: Handler) -> None:
    provide(VISIT_BOOKER, handler)


def book_visit(*, ticket, engineer_user, window_start, window_end):
    handler = provider(VISIT_BOOKER)
    if handler is None:
        raise RuntimeError("No visit booker installed: the dispatch app provides it.")
    return handler(
        ticket=ticket,
        engineer_user=engineer_user,
        window_start=window_start,
        window_end=window_end,
    )


def add_charge_waiver(handler: Handler) -> Handler:
    return subscribe(CHARGE_WAIVERS, handler)


def charge_waivers(*, ticket) -> list[str]:
    return collect(CHARGE_WAIVERS, ticket=ticket)


def add_report_drawing(handler: Handler) -> Handler:
    return subscribe(REPORT_DRAWINGS, handler)


def report_drawings(*, ticket) -> list:
    return collect(REPORT_DRAWINGS, ticket=ticket)


def set_sms_links_fixed(handler: Handler) -> None:
    provide(SMS_LINKS, handler)


def sms_links_fixed() -> bool:
    handler = provider(SMS_LINKS)
    return bool(handler()) if handler is not None else False


def set_visit_rescheduler(handler: Handler) -> None:
    provide(VISIT_RESCHEDULER, handler)


def visit_rescheduler_installed() -> bool:
    return provider(VISIT_RESCHEDULER) is not None


def reschedule_visit(
    *, ticket, window_start, window_end, customer_consent: bool, actor, reason: str = ""
):
    handler = provider(VISIT_RESCHEDULER)
    if handler is None:
        raise RuntimeError("No visit rescheduler installed: the dispatch app provides it.")
    return handler(
        ticket=ticket,
        window_start=window_start,
        window_end=window_end,
        customer_consent=customer_consent,
        actor=actor,
        reason=reason,
    )


def set_engineer_summary(handler: Handler) -> None:
    provide(ENGINEER_SUMMARY, handler)


def engineer_summary(*, ticket) -> dict | None:
    """Who holds the job and the visit booked; None without an engineer (or a dispatch app)."""
    handler = provider(ENGINEER_SUMMARY)
    return None if handler is None else handler(ticket=ticket)


def add_ticket_links(handler: Handler) -> Handler:
    return subscribe(TICKET_LINKS, handler)


def ticket_links(*, ticket, user) -> list[dict]:
    return collect(TICKET_LINKS, ticket=ticket, user=user)


def set_ticket_engineer_name(factory: Callable[[], Any]) -> None:
    provide(TICKET_ENGINEER_NAME, factory)


def ticket_engineer_name():
    """An expression for the name of the engineer holding the ticket (`OuterRef("pk")`)."""
    factory = provider(TICKET_ENGINEER_NAME)
    if factory is None:
        from django.db.models import CharField, Value

        return Value(None, output_field=CharField())
    return factory()


def add_staff_ticket_section(handler: Handler) -> Handler:
    return subscribe(STAFF_TICKET_SECTIONS, handler)


def staff_ticket_sections(*, ticket, user) -> list[dict]:
    return collect(STAFF_TICKET_SECTIONS, ticket=ticket, user=user)


def add_board_section(handler: Handler) -> Handler:
    return subscribe(BOARD_SECTIONS, handler)


def board_sections(*, user) -> list[dict]:
    return collect(BOARD_SECTIONS, user=user)


def add_reason_labels(handler: Handler) -> Handler:
    """`handler() -> {code: label}`: the words of an app's stored reason codes."""
    return subscribe(REASON_LABELS, handler)


def reason_labels() -> dict:
    labels: dict = {}
    for handler in list(_many.get(REASON_LABELS, ())):
        labels.update(handler())
    return labels
