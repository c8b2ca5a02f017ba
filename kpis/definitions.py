"""Every KPI, defined once: name, version, numerator, denominator and window.

A definition reads one ticket's history (kpis/history.py: the ticket row, its event log,
its finished SLA clocks, the other tickets of the same appliance, its surveys) and returns
the ticket's `Fact` for that KPI, or None when the ticket is not in the denominator.
The fact's time (`at`) puts it in a day, and so in a window (today, this week, a month,
a chosen range): a KPI's window is the days whose facts it adds up. Facts are stored
(KpiFact) and added up per day (KpiRollup); kpis/README.md has the same table in words.

Raise `version` whenever what counts changes, then run `manage.py kpis_rebuild`.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from tickets import masterdata
from tickets.models import ServiceKind
from tickets.sla.models import ClockKind

from .history import TicketHistory, survey_model

REPEAT_WINDOW = dt.timedelta(days=30)
HARD_FAULT_LIMIT = dt.timedelta(hours=48)
CALLBACK_LIMIT = dt.timedelta(hours=48)
HOUR = 3600


@dataclass(frozen=True)
class Fact:
    at: dt.datetime
    numerator: bool
    value: int = 0
    engineer: tuple[int | None, int | None] = (None, None)  # (engineer id, service point id)
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Kpi:
    code: str
    name: object
    version: int
    unit: str  # "percent" | "hours" | "score"
    # "count": numerator facts / denominator facts; "sum": sum of values / denominator facts
    aggregate: str
    target: float  # in the KPI's own terms: a share, seconds, or a score
    higher_is_better: bool
    numerator_text: object
    denominator_text: object
    evaluate: Callable[[TicketHistory], Fact | None]
    group: object = ""
    # Columns of the drill-down list that explain the verdict: (detail key, label).
    columns: tuple = ()
    # The model this KPI's data comes from, when another app is still building it.
    requires: tuple[str, str] | None = None
    seed: bool = False  # the target comes from the operator's seeds, not a house default

    def available(self) -> bool:
        if self.requires is None:
            return True
        if self.requires == ("callbacks", "Survey"):
            return survey_model() is not None
        try:
            apps.get_model(*self.requires)
        except LookupError:
            return False
        return True

    def figure(self, numerator: int, denominator: int, value_sum: int) -> float | None:
        """The KPI's value for these sums (a share, mean seconds, or a mean score)."""
        if not denominator:
            return None
        top = numerator if self.aggregate == "count" else value_sum
        return top / denominator

    def meets(self, figure: float | None) -> bool | None:
        if figure is None:
            return None
        return figure >= self.target if self.higher_is_better else figure <= self.target

    def display(self, figure: float | None) -> str:
        if figure is None:
            return "—"
        if self.unit == "percent":
            return f"{figure * 100:.1f}%"
        if self.unit == "hours":
            return f"{figure / HOUR:.1f} h"
        return f"{figure:.2f}"

    @property
    def target_display(self) -> str:
        sign = "≥" if self.higher_is_better else "≤"
        return f"{sign} {self.display(self.target)}"

    @property
    def numerator_counts_values(self) -> bool:
        return self.aggregate == "sum"


# --- what the definitions share ----------------------------------------------------------


def _seconds(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def _iso(at: dt.datetime) -> str:
    return at.isoformat()


def _late(clock: dict) -> bool:
    """Breached by the sweep, or met after its deadline before the sweep saw it."""
    return clock["state"] == "breached" or bool(clock["late_seconds"])


def _completion(h: TicketHistory) -> dict | None:
    return h.first_status("completed")


def _repeat_of(h: TicketHistory, completed_at: dt.datetime, *, same_family: bool):
    """The first later ticket that brings this job back within the repeat window: a ticket
    linked to it (a free revisit), or a repair of the same appliance (a planned cleaning or
    inspection brings nothing back); with `same_family`, of the same diagnosed fault, where
    a fault not yet diagnosed on either side counts as the same."""
    limit = completed_at + REPEAT_WINDOW
    own_fault = h.fault
    found = []
    for s in h.siblings:
        if not (completed_at < s.created_at <= limit):
            continue
        if s.related_ticket_id != h.id and not _repair_type(s.service_type_id):
            continue
        linked = s.related_ticket_id == h.id
        same_appliance = s.appliance_id == h.ticket["appliance_id"]
        if not linked and not same_appliance:
            continue
        if (
            not linked
            and same_family
            and own_fault is not None
            and s.fault is not None
            and s.fault != own_fault
        ):
            continue
        found.append(s)
    return min(found, key=lambda s: (s.created_at, s.id)) if found else None


def _repeat_detail(h, repeat, completed_at) -> dict:
    if repeat is None:
        return {"repeat": "", "repeat_days": ""}
    return {
        "repeat": repeat.number,
        "repeat_id": repeat.id,
        "repeat_days": round((repeat.created_at - completed_at).total_seconds() / 86400, 1),
    }


# --- the definitions -----------------------------------------------------------------------


def _repair(h: TicketHistory) -> bool:
    return h.service_kind == ServiceKind.REPAIR


def _repair_type(code: str) -> bool:
    kind = masterdata.service_type(code or "repair")
    return kind is None or kind.kind == ServiceKind.REPAIR


def first_time_fix(h: TicketHistory) -> Fact | None:
    if not _repair(h):
        return None  # a repair figure: an installation or a cleaning fixes nothing
    done = _completion(h)
    if done is None:
        return None
    visits = len(h.status_events("on_site"))
    repeat = _repeat_of(h, done["created_at"], same_family=True)
    return Fact(
        at=done["created_at"],
        numerator=visits <= 1 and repeat is None,
        engineer=h.engineer_at(done["created_at"], done["actor_id"]),
        detail={"visits": visits, **_repeat_detail(h, repeat, done["created_at"])},
    )


def response_time(h: TicketHistory) -> Fact | None:
    calls = [e for e in h.of_kind("customer_call") if e["data"].get("outcome") == "reached"]
    if not calls:
        return None
    call = calls[0]
    user = call["data"].get("engineer_user_id") or call["actor_id"]
    return Fact(
        at=call["created_at"],
        numerator=True,
        value=_seconds(h.ticket["created_at"], call["created_at"]),
        engineer=h.engineer_of_user(user),
        detail={"reached": _iso(call["created_at"])},
    )


def on_time_arrival(h: TicketHistory) -> Fact | None:
    if not _repair(h):
        return None
    return _arrival_fact(h)


def installation_on_time(h: TicketHistory) -> Fact | None:
    if h.service_kind != ServiceKind.INSTALLATION:
        return None
    return _arrival_fact(h)


def installation_accepted(h: TicketHistory) -> Fact | None:
    """A completed installation the customer accepted (signed) on the first visit."""
    if h.service_kind != ServiceKind.INSTALLATION:
        return None
    done = _completion(h)
    if done is None:
        return None
    visits = len(h.status_events("on_site"))
    signed = bool(h.of_kind("signed"))
    return Fact(
        at=done["created_at"],
        numerator=signed and visits <= 1,
        engineer=h.engineer_at(done["created_at"], done["actor_id"]),
        detail={"visits": visits, "signed": signed},
    )


def _arrival_fact(h: TicketHistory) -> Fact | None:
    clocks = [c for c in h.clocks if c["kind"] == ClockKind.ARRIVAL]
    if not clocks:
        return None
    clock = clocks[0]
    at = clock["met_at"] if clock["state"] == "met" else clock["breached_at"]
    if at is None:
        return None
    return Fact(
        at=at,
        numerator=not _late(clock),
        engineer=h.engineer_at(at),
        detail={"clock": "breached" if _late(clock) else "met"},
    )


def time_to_arrive(h: TicketHistory) -> Fact | None:
    if h.ticket["priority"] == "appointment":
        return None
    arrived = h.first_status("on_site")
    if arrived is None:
        return None
    return Fact(
        at=arrived["created_at"],
        numerator=True,
        value=_seconds(h.ticket["created_at"], arrived["created_at"]),
        engineer=h.engineer_at(arrived["created_at"], arrived["actor_id"]),
        detail={"arrived": _iso(arrived["created_at"])},
    )


def hard_fault_48h(h: TicketHistory) -> Fact | None:
    if h.ticket["fault_class"] != "complex" or not _repair(h):
        return None
    done = _completion(h)
    if done is None:
        return None
    took = done["created_at"] - h.ticket["created_at"]
    return Fact(
        at=done["created_at"],
        numerator=took <= HARD_FAULT_LIMIT,
        engineer=h.engineer_at(done["created_at"], done["actor_id"]),
        detail={"hours": round(took.total_seconds() / HOUR, 1)},
    )


def manual_dispatch(h: TicketHistory) -> Fact | None:
    assigned = h.status_events("assigned")
    if not assigned:
        return None
    manual = [e for e in assigned if e["data"].get("manual")]
    who = (manual or assigned)[0]
    return Fact(
        at=assigned[0]["created_at"],
        numerator=bool(manual),
        engineer=h.engineer_of_user(who["data"].get("engineer_user_id")),
        detail={"assignments": len(assigned), "manual": len(manual)},
    )


def repeat_fault(h: TicketHistory) -> Fact | None:
    if not _repair(h):
        return None
    done = _completion(h)
    if done is None:
        return None
    repeat = _repeat_of(h, done["created_at"], same_family=False)
    return Fact(
        at=done["created_at"],
        numerator=repeat is not None,
        engineer=h.engineer_at(done["created_at"], done["actor_id"]),
        detail=_repeat_detail(h, repeat, done["created_at"]),
    )


def parts_wait(h: TicketHistory) -> Fact | None:
    done = _completion(h)
    if done is None or not h.status_events("waiting_for_parts"):
        return None
    waited, since, spells = 0, None, 0
    for e in h.events:
        if e["kind"] != "status":
            continue
        if since is not None:
            waited += _seconds(since, e["created_at"])
            since = None
        if e["to_status"] == "waiting_for_parts":
            since, spells = e["created_at"], spells + 1
    return Fact(
        at=done["created_at"],
        numerator=True,
        value=waited,
        engineer=h.engineer_at(done["created_at"], done["actor_id"]),
        detail={"spells": spells, "hours": round(waited / HOUR, 1)},
    )


def complaint_rate(h: TicketHistory) -> Fact | None:
    done = _completion(h)
    if done is None:
        return None
    # A reopened complaint is the same complaint: counted once, by its id.
    ids = {
        e["data"].get("complaint_id") or f"event-{i}"
        for i, e in enumerate(h.events)
        if e["kind"] == "complaint_opened"
    }
    return Fact(
        at=done["created_at"],
        numerator=bool(ids),
        value=len(ids),
        engineer=h.engineer_at(done["created_at"], done["actor_id"]),
        detail={"complaints": len(ids)},
    )


def callback_48h(h: TicketHistory) -> Fact | None:
    done = _completion(h)
    if done is None:
        return None
    limit = done["created_at"] + CALLBACK_LIMIT
    callback = h.first_status("callback_done")
    in_time = callback is not None and callback["created_at"] <= limit
    return Fact(
        at=done["created_at"],
        numerator=in_time,
        engineer=h.engineer_at(done["created_at"], done["actor_id"]),
        detail={"callback": _iso(callback["created_at"]) if callback else ""},
    )


def sla_breach(kind: str) -> Callable[[TicketHistory], Fact | None]:
    def evaluate(h: TicketHistory) -> Fact | None:
        clocks = [c for c in h.clocks if c["kind"] == kind]
        ends = [c["met_at"] if c["state"] == "met" else c["breached_at"] for c in clocks]
        ends = [e for e in ends if e is not None]
        if not ends:
            return None
        at = min(ends)
        breached = sum(1 for c in clocks if _late(c))
        return Fact(
            at=at,
            numerator=breached > 0,
            engineer=h.engineer_at(at),
            detail={"clocks": len(clocks), "breached": breached},
        )

    return evaluate


def csat(dimension: str, *, share: bool) -> Callable[[TicketHistory], Fact | None]:
    def evaluate(h: TicketHistory) -> Fact | None:
        answered = [s for s in h.surveys if s.get(f"score_{dimension}")]
        if not answered:
            return None
        survey = answered[-1]  # the customer's latest answer stands
        score = int(survey[f"score_{dimension}"])
        return Fact(
            at=survey["answered_at"],
            numerator=score >= 4 if share else True,
            value=score,
            engineer=h.engineer_at(survey["answered_at"]),
            detail={"score": score},
        )

    return evaluate


# --- the registry --------------------------------------------------------------------------

G_FIX, G_TIME, G_SLA, G_CUSTOMER, G_INSTALLATION = (
    _("Fixing"),
    _("Speed"),
    _("Service clocks breached"),
    _("Customers"),
    _("Installation"),
)
REPEAT_COLUMNS = (("repeat", _("Repeat ticket")), ("repeat_days", _("Days to repeat")))

KPIS: list[Kpi] = [
    Kpi(
        code="ftf",
        name=_("First-time fix rate"),
        version=2,
        unit="percent",
        aggregate="count",
        target=0.90,
        higher_is_better=True,
        seed=True,
        group=G_FIX,
        numerator_text=_(
            "Repair jobs fixed on the first visit (one on-site arrival) with no repeat within "
            "30 days: "
            "no later ticket linked to the job (a free revisit) and none on the same "
            "appliance with the same diagnosed fault (an undiagnosed one counts as the same)."
        ),
        denominator_text=_("Repair jobs completed (first completion) in the window."),
        evaluate=first_time_fix,
        columns=(("visits", _("Visits")), *REPEAT_COLUMNS),
    ),
    Kpi(
        code="response_time",
        name=_("Average response time"),
        version=1,
        unit="hours",
        aggregate="sum",
        target=4 * HOUR,
        higher_is_better=False,
        seed=True,
        group=G_TIME,
        numerator_text=_("Time from the report to the engineer's first reached call, summed."),
        denominator_text=_("Tickets whose first reached call falls in the window."),
        evaluate=response_time,
    ),
    Kpi(
        code="on_time_arrival",
        name=_("On-time arrival rate"),
        version=2,
        unit="percent",
        aggregate="count",
        target=0.95,
        higher_is_better=True,
        group=G_TIME,
        numerator_text=_("Arrival clocks met on time (on site before the deadline)."),
        denominator_text=_("Arrival clocks of repairs that were met or breached in the window."),
        evaluate=on_time_arrival,
        columns=(("clock", _("Clock")),),
    ),
    Kpi(
        code="installation_on_time",
        name=_("Installations on time"),
        version=1,
        unit="percent",
        aggregate="count",
        target=0.95,
        higher_is_better=True,
        group=G_INSTALLATION,
        numerator_text=_("Installation arrival clocks met on time (on site in the booked window)."),
        denominator_text=_("Installation arrival clocks that were met or breached in the window."),
        evaluate=installation_on_time,
        columns=(("clock", _("Clock")),),
    ),
    Kpi(
        code="installation_accepted",
        name=_("Installations accepted on the first visit"),
        version=1,
        unit="percent",
        aggregate="count",
        target=0.95,
        higher_is_better=True,
        group=G_INSTALLATION,
        numerator_text=_("Installations the customer accepted with their signature, in one visit."),
        denominator_text=_("Installations completed (first completion) in the window."),
        evaluate=installation_accepted,
        columns=(("visits", _("Visits")), ("signed", _("Signed"))),
    ),
    Kpi(
        code="time_to_arrive",
        name=_("Mean time to arrive"),
        version=1,
        unit="hours",
        aggregate="sum",
        target=4 * HOUR,
        higher_is_better=False,
        group=G_TIME,
        numerator_text=_("Time from the report to the first arrival on site, summed."),
        denominator_text=_(
            "Tickets (not appointments: the customer chose the time) first on site in the window."
        ),
        evaluate=time_to_arrive,
    ),
    Kpi(
        code="hard_fault_48h",
        name=_("Hard faults completed within 48 h"),
        version=2,
        unit="percent",
        aggregate="count",
        target=0.90,
        higher_is_better=True,
        group=G_FIX,
        numerator_text=_("Complex-fault jobs completed within 48 hours of the report."),
        denominator_text=_("Complex-fault jobs completed in the window."),
        evaluate=hard_fault_48h,
        columns=(("hours", _("Hours")),),
    ),
    Kpi(
        code="manual_dispatch",
        name=_("Manual dispatch share"),
        version=1,
        unit="percent",
        aggregate="count",
        target=0.10,
        higher_is_better=False,
        seed=True,
        group=G_FIX,
        numerator_text=_(
            "Tickets a dispatcher assigned by hand at least once (counted once, even when "
            "re-dispatched later)."
        ),
        denominator_text=_("Tickets first assigned in the window."),
        evaluate=manual_dispatch,
        columns=(("assignments", _("Assignments")), ("manual", _("By hand"))),
    ),
    Kpi(
        code="repeat_fault",
        name=_("Repeat-fault rate"),
        version=2,
        unit="percent",
        aggregate="count",
        target=0.05,
        higher_is_better=False,
        group=G_FIX,
        numerator_text=_(
            "Jobs whose appliance came back with a new ticket (any fault, or a linked "
            "revisit) within 30 days of completion."
        ),
        denominator_text=_("Jobs completed in the window."),
        evaluate=repeat_fault,
        columns=REPEAT_COLUMNS,
    ),
    Kpi(
        code="parts_wait",
        name=_("Time waiting for parts"),
        version=1,
        unit="hours",
        aggregate="sum",
        target=72 * HOUR,
        higher_is_better=False,
        group=G_TIME,
        numerator_text=_("Time spent in “waiting for parts”, summed."),
        denominator_text=_("Completed jobs that waited for parts, completed in the window."),
        evaluate=parts_wait,
        columns=(("spells", _("Times waited")), ("hours", _("Hours"))),
    ),
    Kpi(
        code="complaint_rate",
        name=_("Complaint rate"),
        version=1,
        unit="percent",
        aggregate="sum",
        target=0.005,
        higher_is_better=False,
        seed=True,
        group=G_CUSTOMER,
        numerator_text=_("Complaints opened on the job (a reopened complaint counts once)."),
        denominator_text=_("Jobs completed in the window."),
        evaluate=complaint_rate,
        columns=(("complaints", _("Complaints")),),
        requires=("callbacks", "Complaint"),
    ),
    Kpi(
        code="callback_48h",
        name=_("Callbacks done within 48 h"),
        version=1,
        unit="percent",
        aggregate="count",
        target=0.95,
        higher_is_better=True,
        group=G_CUSTOMER,
        numerator_text=_("Jobs whose follow-up callback was done within 48 hours of completion."),
        denominator_text=_("Jobs completed in the window."),
        evaluate=callback_48h,
        columns=(("callback", _("Callback done")),),
        requires=("callbacks", "Callback"),
    ),
]

for _kind in ClockKind:
    KPIS.append(
        Kpi(
            code=f"sla_breach_{_kind.value}",
            name=_kind.label,
            version=1,
            unit="percent",
            aggregate="count",
            target=0.05,
            higher_is_better=False,
            group=G_SLA,
            numerator_text=_(
                "Tickets with a clock of this kind breached (or met after its deadline)."
            ),
            denominator_text=_("Tickets whose first clock of this kind ended (met or breached)."),
            evaluate=sla_breach(_kind.value),
            columns=(("clocks", _("Clocks")), ("breached", _("Breached"))),
        )
    )

DIMENSIONS = {"speed": _("speed"), "attitude": _("attitude"), "quality": _("fix quality")}
for _dim, _label in DIMENSIONS.items():
    KPIS.append(
        Kpi(
            code=f"csat_{_dim}_share",
            name=_label,
            version=1,
            unit="percent",
            aggregate="count",
            target=0.95,
            higher_is_better=True,
            seed=True,
            group=_("Satisfaction (share of 4-5 stars)"),
            numerator_text=_("Surveys scoring this dimension 4 or 5."),
            denominator_text=_("Surveys answered in the window (the latest per ticket)."),
            evaluate=csat(_dim, share=True),
            columns=(("score", _("Score")),),
            requires=("callbacks", "Survey"),
        )
    )
    KPIS.append(
        Kpi(
            code=f"csat_{_dim}_mean",
            name=_label,
            version=1,
            unit="score",
            aggregate="sum",
            target=4.5,
            higher_is_better=True,
            seed=True,
            group=_("Satisfaction (mean of 1-5 stars)"),
            numerator_text=_("The scores of this dimension, summed."),
            denominator_text=_("Surveys answered in the window (the latest per ticket)."),
            evaluate=csat(_dim, share=False),
            columns=(("score", _("Score")),),
            requires=("callbacks", "Survey"),
        )
    )

BY_CODE: dict[str, Kpi] = {k.code: k for k in KPIS}
# The figures a dashboard shows first (the operator's seed targets and the daily ones).
HEADLINE = ["ftf", "response_time", "on_time_arrival", "manual_dispatch", "complaint_rate"]


def get(code: str) -> Kpi | None:
    return BY_CODE.get(code)
