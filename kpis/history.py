"""What the KPI definitions read about a ticket: its row, its event log, its finished SLA
clocks, the other tickets of the same appliance, and (when the callbacks app has them) its
surveys. Loaded for a batch of tickets in a fixed handful of queries."""

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import F, Q

from engineers.models import Engineer
from tickets import masterdata
from tickets.models import Ticket, TicketEvent
from tickets.sla.models import SlaClock

FINISHED_CLOCK_STATES = (SlaClock.State.MET, SlaClock.State.BREACHED)


@dataclass
class Sibling:
    """Another ticket of the same appliance, or one linked to this ticket."""

    id: int
    number: str
    created_at: dt.datetime
    appliance_id: int
    related_ticket_id: int | None
    fault: str | None  # its latest diagnosed fault; None until diagnosed
    service_type_id: str = "repair"


@dataclass
class TicketHistory:
    ticket: dict
    events: list[dict] = field(default_factory=list)
    clocks: list[dict] = field(default_factory=list)
    siblings: list[Sibling] = field(default_factory=list)
    surveys: list[dict] = field(default_factory=list)
    engineers: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.ticket["id"]

    @property
    def service_kind(self) -> str:
        """The family of the ticket's service type (repair, installation, ...)."""
        kind = masterdata.service_type(self.ticket.get("service_type_id") or "repair")
        return kind.kind if kind is not None else "repair"

    def status_events(self, to: str) -> list[dict]:
        return [e for e in self.events if e["kind"] == "status" and e["to_status"] == to]

    def first_status(self, to: str) -> dict | None:
        found = self.status_events(to)
        return found[0] if found else None

    def of_kind(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["kind"] == kind]

    @property
    def fault(self) -> str | None:
        faults = [e["data"].get("fault") for e in self.of_kind("diagnosis")]
        faults = [f for f in faults if f]
        return faults[-1] if faults else None

    def engineer_of_user(self, user_id) -> tuple[int | None, int | None]:
        """(engineer id, service point id) of a user, or (None, None) for a non-engineer."""
        return self.engineers.get(user_id, (None, None))

    def assigned_user_at(self, at: dt.datetime) -> int | None:
        """The engineer user the ticket was last assigned to at `at`."""
        user = None
        for e in self.events:
            if e["created_at"] > at:
                break
            if e["kind"] == "status" and e["to_status"] == "assigned":
                user = e["data"].get("engineer_user_id")
        return user

    def engineer_at(self, at: dt.datetime, actor_id=None) -> tuple[int | None, int | None]:
        """The acting engineer when `actor_id` is one, else the one assigned at `at`."""
        if actor_id is not None and actor_id in self.engineers:
            return self.engineers[actor_id]
        return self.engineer_of_user(self.assigned_user_at(at))


def survey_model():
    """The callbacks app's survey model, or None while it does not exist (see README)."""
    try:
        model = apps.get_model("callbacks", "Survey")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    needed = {"ticket", "created_at", "speed", "attitude", "quality"}
    return model if needed <= names else None


def load(ticket_ids) -> list[TicketHistory]:
    ids = sorted(set(ticket_ids))
    if not ids:
        return []
    rows = Ticket.objects.filter(pk__in=ids).values(
        "id",
        "number",
        "created_at",
        "area_id",
        "fault_class",
        "priority",
        "appliance_id",
        "related_ticket_id",
        "service_type_id",
    )
    histories = {r["id"]: TicketHistory(ticket=r) for r in rows}
    if not histories:
        return []
    ids = list(histories)
    for e in (
        TicketEvent.objects.filter(ticket_id__in=ids)
        .order_by("ticket_id", "created_at", "id")
        .values("ticket_id", "kind", "from_status", "to_status", "data", "created_at", "actor_id")
    ):
        histories[e["ticket_id"]].events.append(e)
    for c in (
        SlaClock.objects.filter(ticket_id__in=ids, state__in=FINISHED_CLOCK_STATES)
        .order_by("ticket_id", "started_at", "id")
        .values("ticket_id", "kind", "state", "met_at", "breached_at", "late_seconds")
    ):
        histories[c["ticket_id"]].clocks.append(c)

    appliance_ids = {h.ticket["appliance_id"] for h in histories.values()}
    sibling_rows = list(
        Ticket.objects.filter(Q(appliance_id__in=appliance_ids) | Q(related_ticket_id__in=ids))
        .exclude(status="cancelled")
        .values(
            "id", "number", "created_at", "appliance_id", "related_ticket_id", "service_type_id"
        )
    )
    faults: dict[int, str] = {}
    for e in (
        TicketEvent.objects.filter(ticket_id__in=[s["id"] for s in sibling_rows], kind="diagnosis")
        .order_by("created_at", "id")
        .values("ticket_id", "data")
    ):
        if e["data"].get("fault"):
            faults[e["ticket_id"]] = e["data"]["fault"]
    by_appliance: dict[int, list[Sibling]] = {}
    by_link: dict[int, list[Sibling]] = {}
    for s in sibling_rows:
        sib = Sibling(fault=faults.get(s["id"]), **s)
        by_appliance.setdefault(s["appliance_id"], []).append(sib)
        if s["related_ticket_id"]:
            by_link.setdefault(s["related_ticket_id"], []).append(sib)
    for h in histories.values():
        seen = {h.id}
        for sib in by_appliance.get(h.ticket["appliance_id"], []) + by_link.get(h.id, []):
            if sib.id not in seen:
                seen.add(sib.id)
                h.siblings.append(sib)

    model = survey_model()
    if model is not None:
        for s in (
            model.objects.filter(ticket_id__in=ids)
            .order_by("created_at")
            .values(
                "ticket_id",
                answered_at=F("created_at"),
                score_speed=F("speed"),
                score_attitude=F("attitude"),
                score_quality=F("quality"),
            )
        ):
            histories[s["ticket_id"]].surveys.append(s)

    user_ids = {e["actor_id"] for h in histories.values() for e in h.events if e["actor_id"]}
    user_ids |= {
        e["data"].get("engineer_user_id")
        for h in histories.values()
        for e in h.events
        if e["data"].get("engineer_user_id")
    }
    engineers = {
        u: (eid, sp)
        for u, eid, sp in Engineer.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "id", "service_point_id"
        )
    }
    for h in histories.values():
        h.engineers = engineers
    return [histories[i] for i in ids]


def dependants(ticket_ids) -> set[int]:
    """Tickets whose facts may change when these tickets' events change: the other tickets
    of the same appliances (a repeat fault changes the earlier job's first-time fix) and the
    ticket each one follows up."""
    ids = set(ticket_ids)
    if not ids:
        return set()
    rows = Ticket.objects.filter(pk__in=ids).values_list("appliance_id", "related_ticket_id")
    appliance_ids = {a for a, _r in rows}
    linked = {r for _a, r in rows if r}
    return (
        set(Ticket.objects.filter(appliance_id__in=appliance_ids).values_list("id", flat=True))
        | linked
    )
