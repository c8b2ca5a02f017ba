"""Who can take a ticket, and in what order: the automatic dispatch decision.

Eligibility (each failed rule is recorded on the candidate by its code):
  - skill: the appliance category is among the engineer's skills (filtered in SQL);
  - active engineer (SQL);
  - ``not_certified_for_type``: the service type (an installation) needs engineers
    certified for it;
  - ``no_certification`` / ``certification_expired``: holds the level the fault needs
    (simple → junior, standard → intermediate, complex → senior) and it has not expired;
  - ``off_shift``: the working hours of the days covered by the needed window overlap it by
    at least a visit (60 min, or the whole window when it is shorter);
  - ``at_capacity`` / ``daily_capacity``: fewer live jobs than ``max_concurrent`` and fewer
    jobs assigned today than ``max_per_day``;
  - ``appointment_clash``: when the customer chose a window, no booked appointment of the
    engineer overlaps it once travel time between the two places is added;
  - ``declined_before``: never offered again to someone the job was taken from (who
    declined, timed out, or was taken off it by a dispatcher or a breached clock).

A dispatcher's manual choice is checked against the same rules (`check_engineer`), plus
``no_skill`` and ``too_far`` that the search itself applies.

The needed window is the customer's preferred window when given, else from now to the
response horizon of the priority (emergency 2 h, urban 4 h, rural 24 h).

Search in stages, each one SQL query that the database answers from the (home_lat,
home_lng) index with skill and active filtered in SQL, nearest first, at most
CANDIDATE_LIMIT rows: within 5 km of the customer (the address, else the area's centroid);
only if nobody there is eligible, 10 km, then 20 km; then the engineers of the service
points that cover the ticket's area. Only the rows a stage returns are checked in Python.

Ranking within the first stage that has anyone eligible; higher score is better:
    score = 0.40 · distance + 0.30 · free capacity + 0.20 · first-time-fix rate
            + 0.10 · service-point stars
  distance = 1 − km / 20 (0 beyond 20 km), free capacity = 1 − live jobs / max concurrent,
  stars = (computed stars − 1) / 4 (kpis.services.point_stars_refresh). Ties go to the
  nearer engineer.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import (
    FTF_WINDOW_DAYS,
    REQUIRED_LEVEL,
    CertificationLevel,
    Engineer,
    ServicePoint,
)
from tickets import masterdata
from tickets.choices import AreaType, Priority
from tickets.models import Ticket

SEARCH_RADII_KM = (5, 10, 20)
CANDIDATE_LIMIT = 100
VISIT_MINUTES = 60
ROAD_FACTOR = 1.3  # roads are longer than the straight line
SPEED_KMH = 30.0
MAX_TRAVEL = dt.timedelta(hours=3)
WEIGHTS = {"distance": 0.40, "capacity": 0.30, "ftf": 0.20, "stars": 0.10}
HORIZON = {
    Priority.EMERGENCY: dt.timedelta(hours=2),
    (Priority.NORMAL, AreaType.URBAN): dt.timedelta(hours=4),
    (Priority.NORMAL, AreaType.RURAL): dt.timedelta(hours=24),
}
SERVICE_POINT_STAGE = "service_point"


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def travel_minutes(km: float) -> int:
    return math.ceil(km * ROAD_FACTOR / SPEED_KMH * 60)


def travel_between(lat1, lng1, lat2, lng2) -> int:
    """Minutes to drive between two visits; 30 when a place is unknown."""
    if None in (lat1, lng1, lat2, lng2):
        return 30
    return travel_minutes(haversine_km(lat1, lng1, lat2, lng2))


def windows_clash(
    start: dt.datetime,
    end: dt.datetime,
    other_start: dt.datetime,
    other_end: dt.datetime,
    travel: int,
) -> bool:
    """Windows are half-open and need `travel` minutes between them: a window may start
    exactly when the other ends plus the travel time (touching is allowed), not a minute
    earlier."""
    gap = dt.timedelta(minutes=travel)
    return start < other_end + gap and other_start < end + gap


@dataclass
class Need:
    category: str
    level: int
    lat: float | None
    lng: float | None
    start: dt.datetime
    end: dt.datetime
    customer_window: bool
    area_id: int
    # The service type code when its engineers need a certification for it, else "".
    certified_for: str = ""


def need_for(ticket: Ticket, now: dt.datetime) -> Need:
    address = ticket.address
    lat, lng = address.lat, address.lng
    if lat is None or lng is None:
        lat, lng = ticket.area.centroid_lat, ticket.area.centroid_lng
    if ticket.preferred_start and ticket.preferred_end and ticket.preferred_end > now:
        start, end, chosen = max(ticket.preferred_start, now), ticket.preferred_end, True
    else:
        horizon = HORIZON.get(ticket.priority) or HORIZON.get(
            (Priority.NORMAL, ticket.area.area_type), dt.timedelta(hours=4)
        )
        start, end, chosen = now, now + horizon, False
    return Need(
        category=ticket.appliance.category,
        level=int(REQUIRED_LEVEL.get(ticket.fault_class, CertificationLevel.JUNIOR)),
        lat=lat,
        lng=lng,
        start=start,
        end=end,
        customer_window=chosen,
        area_id=ticket.area_id,
        certified_for=_certification_needed(ticket.service_type_id),
    )


def _certification_needed(service_type: str) -> str:
    kind = masterdata.service_type(service_type)
    return kind.code if kind is not None and kind.requires_certification else ""


def shift_fits(engineer: Engineer, start: dt.datetime, end: dt.datetime) -> bool:
    need = min(dt.timedelta(minutes=VISIT_MINUTES), end - start)
    tz = timezone.get_default_timezone()
    day = timezone.localtime(start, tz).date()
    last = timezone.localtime(end, tz).date()
    while day <= last:
        hours = engineer.shift_on(day)
        if hours:
            s = dt.datetime.combine(day, hours[0], tzinfo=tz)
            e = dt.datetime.combine(day, hours[1], tzinfo=tz)
            if min(e, end) - max(s, start) >= need:
                return True
        day += dt.timedelta(days=1)
    return False


def day_start(now: dt.datetime) -> dt.datetime:
    tz = timezone.get_default_timezone()
    return dt.datetime.combine(timezone.localtime(now, tz).date(), dt.time(), tzinfo=tz)


_LIVE_SQL = "a.state IN ('active', 'accepted')"
_GAVE_UP_SQL = "a.state IN ('declined', 'timed_out')"
# Assignment.TAKEN_FROM: the engineer declined, timed out or was taken off the job.
_TAKEN_FROM_SQL = "a.state IN ('declined', 'timed_out', 'reassigned')"
# Per engineer `e`: live jobs, jobs assigned today (declines and time-outs do not count) and
# whether the ticket was taken from them before. The WHERE keeps to the rows the counts
# need, so an engineer's years of finished jobs are not read.
_LOAD_SQL = f"""
    SELECT count(*) FILTER (WHERE {_LIVE_SQL}) AS live,
           count(*) FILTER (WHERE a.created_at >= %(since)s AND NOT {_GAVE_UP_SQL}) AS today,
           count(*) FILTER (WHERE a.ticket_id = %(ticket)s AND {_TAKEN_FROM_SQL}) AS declined
    FROM dispatch_assignment a
    WHERE a.engineer_id = e.id
      AND ({_LIVE_SQL} OR a.created_at >= %(since)s
           OR (a.ticket_id = %(ticket)s AND {_TAKEN_FROM_SQL}))
"""


def workloads(
    engineer_ids: list[int], now: dt.datetime, *, ticket_id: int | None = None
) -> dict[int, tuple[int, int, bool]]:
    """{engineer_id: (live jobs, jobs assigned today, ticket_id was taken from them)}
    in one query. Call holding the engineers' row locks to count for a capacity check."""
    if not engineer_ids:
        return {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT e.id, w.live, w.today, w.declined "
            "FROM unnest(%(ids)s::bigint[]) AS e(id) "
            f"CROSS JOIN LATERAL ({_LOAD_SQL}) w",
            {"ids": list(engineer_ids), "since": day_start(now), "ticket": ticket_id or 0},
        )
        return {pk: (live, today, declined > 0) for pk, live, today, declined in cur.fetchall()}


def clash_for(
    engineer_id: int,
    *,
    start: dt.datetime,
    end: dt.datetime,
    lat,
    lng,
    exclude_ticket_id: int | None,
    appointments=None,
):
    """The first booked appointment of the engineer that clashes with the window, with the
    travel minutes used, or (None, 0)."""
    from .models import Appointment

    if appointments is None:
        appointments = (
            Appointment.objects.filter(
                engineer_id=engineer_id,
                state=Appointment.State.BOOKED,
                window_start__lt=end + MAX_TRAVEL,
                window_end__gt=start - MAX_TRAVEL,
            )
            .exclude(ticket_id=exclude_ticket_id)
            .select_related("ticket")
        )
    for appt in appointments:
        travel = travel_between(lat, lng, appt.lat, appt.lng)
        if windows_clash(start, end, appt.window_start, appt.window_end, travel):
            return appt, travel
    return None, 0


@dataclass
class Candidate:
    engineer: Engineer
    distance_km: float
    stage: str
    reasons: list[str] = field(default_factory=list)
    live: int = 0
    today: int = 0
    score: float | None = None
    components: dict = field(default_factory=dict)
    rank: int | None = None
    clash: str = ""
    declined: bool = False  # this ticket was taken from them before

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict:
        e = self.engineer
        out = {
            "engineer_id": e.pk,
            "name": e.display_name,
            "username": e.user.get_username(),
            "service_point": e.service_point.name,
            "stars": round(e.service_point.stars, 1),
            "stars_surveys": e.service_point.stars_surveys,
            "distance_km": round(self.distance_km, 2),
            "stage": self.stage,
            "eligible": self.eligible,
            "reasons": self.reasons,
            "live_jobs": self.live,
            "max_concurrent": e.max_concurrent,
            "jobs_today": self.today,
            "max_per_day": e.max_per_day,
            # Computed by kpis over the trailing window (engineers.models.FTF_WINDOW_DAYS).
            "ftf": round(e.first_time_fix_rate, 3),
            "ftf_jobs": e.first_time_fix_jobs,
            "ftf_window_days": FTF_WINDOW_DAYS,
            "level": e.level,
        }
        if self.clash:
            out["clash"] = self.clash
        if self.score is not None:
            out.update(rank=self.rank, score=round(self.score, 4), components=self.components)
        return out


@dataclass
class Result:
    ranked: list[Candidate]
    considered: list[Candidate]
    stage: str
    reason: str = ""
    need: Need | None = None

    def snapshot(self) -> list[dict]:
        return [c.as_dict() for c in self.considered]


def stage_label(code: str) -> str:
    """A search stage's code ("5km", "service_point", "manual") in the reader's words."""
    if code == SERVICE_POINT_STAGE:
        return str(_("the service point's area"))
    if code == "manual":
        return str(_("chosen by hand"))
    if code.endswith("km") and code[:-2].isdigit():
        return str(_("within %(km)s km") % {"km": code[:-2]})
    return code


def _stage_of(km: float) -> str | None:
    for radius in SEARCH_RADII_KM:
        if km <= radius:
            return f"{radius}km"
    return None


def _evaluate(cands: list[Candidate], need: Need, exclude: set[int], now: dt.datetime) -> None:
    """Record on each candidate (its workload already counted) the rules it fails."""
    from .models import Appointment

    ids = [c.engineer.pk for c in cands]
    appts: dict[int, list] = {}
    if need.customer_window and ids:
        for appt in Appointment.objects.filter(
            engineer_id__in=ids,
            state=Appointment.State.BOOKED,
            window_start__lt=need.end + MAX_TRAVEL,
            window_end__gt=need.start - MAX_TRAVEL,
        ).select_related("ticket"):
            appts.setdefault(appt.engineer_id, []).append(appt)
    today = timezone.localdate(now, timezone.get_default_timezone())
    for c in cands:
        e = c.engineer
        if c.declined or e.pk in exclude:
            c.reasons.append("declined_before")
        if need.certified_for and need.certified_for not in (e.service_types or ()):
            c.reasons.append("not_certified_for_type")
        if e.level < need.level:
            c.reasons.append("no_certification")
        elif e.certification_expires_on < today:
            c.reasons.append("certification_expired")
        if not shift_fits(e, need.start, need.end):
            c.reasons.append("off_shift")
        if c.live >= e.max_concurrent:
            c.reasons.append("at_capacity")
        if c.today >= e.max_per_day:
            c.reasons.append("daily_capacity")
        if need.customer_window:
            appt, travel = clash_for(
                e.pk,
                start=need.start,
                end=need.end,
                lat=need.lat,
                lng=need.lng,
                exclude_ticket_id=None,
                appointments=[a for a in appts.get(e.pk, []) if a.ticket_id is not None],
            )
            if appt is not None:
                c.reasons.append("appointment_clash")
                c.clash = f"{appt.ticket.number} (+{travel} min)"


def _rank(cands: list[Candidate]) -> list[Candidate]:
    for c in cands:
        e = c.engineer
        comp = {
            "distance": max(0.0, 1 - c.distance_km / SEARCH_RADII_KM[-1]),
            "capacity": max(0.0, 1 - c.live / e.max_concurrent),
            "ftf": e.first_time_fix_rate,
            "stars": (e.service_point.stars - 1) / 4,
        }
        c.components = {k: round(v, 3) for k, v in comp.items()}
        c.score = sum(WEIGHTS[k] * v for k, v in comp.items())
    ranked = sorted(cands, key=lambda c: (-c.score, c.distance_km, c.engineer.pk))
    for i, c in enumerate(ranked, 1):
        c.rank = i
    return ranked


def _no_one_reason(considered: list[Candidate]) -> str:
    from .models import QueueEntry

    R = QueueEntry.Reason
    if not considered:
        return R.NO_SKILL
    order = [
        ("declined_before", R.DECLINED),
        ("no_certification", R.NO_CERTIFICATION),
        ("not_certified_for_type", R.NO_CERTIFICATION),
        ("certification_expired", R.NO_CERTIFICATION),
        ("off_shift", R.OFF_SHIFT),
        ("at_capacity", R.ALL_AT_CAPACITY),
        ("daily_capacity", R.ALL_AT_CAPACITY),
        ("appointment_clash", R.CLASHES),
    ]
    counts: dict[str, int] = {}
    for c in considered:
        for code, reason in order:
            if code in c.reasons:
                counts[reason] = counts.get(reason, 0) + 1
    return max(counts, key=counts.get) if counts else R.NO_SKILL


# The candidate search is one SQL statement per stage: the engineers (nearest first, or the
# covering service points' in id order), their names and service point, and their workload,
# built into model instances here. Through the ORM it was two statements per stage and the
# biggest share of a decision's CPU.
_ENGINEER_FIELDS = Engineer._meta.concrete_fields
_ENGINEER_CONVERTERS = [
    (i, f.from_db_value) for i, f in enumerate(_ENGINEER_FIELDS) if hasattr(f, "from_db_value")
]
_USER_FIELDS = ["id", "username", "first_name", "last_name"]
_POINT_FIELDS = ["id", "name", "stars", "stars_surveys"]
_CANDIDATE_SQL = """
    SELECT {engineer_columns}, u.username, u.first_name, u.last_name,
           sp.name, sp.stars, sp.stars_surveys, w.live, w.today, w.declined
    FROM (
        SELECT e.*, {d2} AS d2
        FROM engineers_engineer e {join}
        WHERE e.active AND e.skills @> ARRAY[%(category)s]::varchar(20)[]
          AND NOT (e.id = ANY(%(seen)s::bigint[])) {where}
        ORDER BY {order} LIMIT %(limit)s
    ) e
    JOIN auth_user u ON u.id = e.user_id
    JOIN engineers_servicepoint sp ON sp.id = e.service_point_id
    CROSS JOIN LATERAL ({load}) w
    ORDER BY {order}
"""
_D2 = "power(e.home_lat - %(lat)s, 2) + power((e.home_lng - %(lng)s) * %(cos_lat)s, 2)"
# Home base inside a lat/lng box: served by the (home_lat, home_lng) index.
_NEAREST_SQL = _CANDIDATE_SQL.format(
    engineer_columns=", ".join(f"e.{f.column}" for f in _ENGINEER_FIELDS),
    d2=_D2,
    join="",
    where="AND e.home_lat BETWEEN %(lat_min)s AND %(lat_max)s "
    "AND e.home_lng BETWEEN %(lng_min)s AND %(lng_max)s",
    order="d2, e.id",
    load=_LOAD_SQL,
)
_COVERING_SQL = _CANDIDATE_SQL.format(
    engineer_columns=", ".join(f"e.{f.column}" for f in _ENGINEER_FIELDS),
    d2="0",
    join="JOIN engineers_servicepoint_areas spa ON spa.servicepoint_id = e.service_point_id "
    "AND spa.servicearea_id = %(area_id)s",
    where="",
    order="e.id",
    load=_LOAD_SQL,
)


def _fetch(sql: str, params: dict) -> list[tuple[Engineer, int, int, bool]]:
    """(engineer with its user and service point loaded, live jobs, jobs today, declined)."""
    User = get_user_model()
    user_field, point_field = Engineer.user.field, Engineer.service_point.field
    n = len(_ENGINEER_FIELDS)
    points: dict[int, ServicePoint] = {}
    out = []
    alias = connection.alias
    db = connections[alias]  # resolved once: `connection` looks itself up on every use
    with db.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    for row in rows:
        values = list(row[:n])
        for i, convert in _ENGINEER_CONVERTERS:
            values[i] = convert(values[i], None, db)
        e = Engineer.from_db(alias, None, values)
        username, first_name, last_name, sp_name, stars, surveys, live, today, declined = row[n:]
        user = User.from_db(alias, _USER_FIELDS, (e.user_id, username, first_name, last_name))
        sp = points.get(e.service_point_id)
        if sp is None:
            sp = points[e.service_point_id] = ServicePoint.from_db(
                alias, _POINT_FIELDS, (e.service_point_id, sp_name, stars, surveys)
            )
        user_field.set_cached_value(e, user)
        point_field.set_cached_value(e, sp)
        out.append((e, live, today, declined > 0))
    return out


def find_candidates(
    ticket: Ticket, *, exclude: set[int] | None = None, now: dt.datetime | None = None
) -> Result:
    """Read-only: the ranked eligible engineers and the explanation. Takes no locks.
    Engineers the ticket was taken from are found here; `exclude` adds more."""
    now = now or timezone.now()
    exclude = exclude or set()
    need = need_for(ticket, now)
    cos_lat = math.cos(math.radians(need.lat))
    params = {
        "category": need.category,
        "lat": need.lat,
        "lng": need.lng,
        "cos_lat": cos_lat,
        "limit": CANDIDATE_LIMIT,
        "since": day_start(now),
        "ticket": ticket.pk,
        "area_id": need.area_id,
    }
    cands: list[Candidate] = []
    seen: list[int] = []
    for r in SEARCH_RADII_KM:
        # One indexed box query per radius, only when the smaller one found nobody.
        dlat, dlng = r / 111.0, r / (111.32 * max(0.1, cos_lat))
        box = _fetch(
            _NEAREST_SQL,
            {
                **params,
                "seen": seen,
                "lat_min": need.lat - dlat,
                "lat_max": need.lat + dlat,
                "lng_min": need.lng - dlng,
                "lng_max": need.lng + dlng,
            },
        )
        new = []
        for e, live, today, declined in box:
            km = haversine_km(need.lat, need.lng, e.home_lat, e.home_lng)
            if km <= r:  # the box's corners are farther than r
                new.append(
                    Candidate(
                        engineer=e,
                        distance_km=km,
                        stage=_stage_of(km),
                        live=live,
                        today=today,
                        declined=declined,
                    )
                )
                seen.append(e.pk)
        _evaluate(new, need, exclude, now)
        cands += new
        eligible = [c for c in cands if c.eligible]
        if eligible:
            ranked = _rank(eligible)
            return Result(
                ranked=ranked,
                considered=ranked + [c for c in cands if not c.eligible],
                stage=f"{r}km",
                need=need,
            )
    sp = [
        Candidate(
            engineer=e,
            distance_km=haversine_km(need.lat, need.lng, e.home_lat, e.home_lng),
            stage=SERVICE_POINT_STAGE,
            live=live,
            today=today,
            declined=declined,
        )
        for e, live, today, declined in _fetch(_COVERING_SQL, {**params, "seen": seen})
    ]
    _evaluate(sp, need, exclude, now)
    considered = cands + sp
    eligible = [c for c in sp if c.eligible]
    if eligible:
        ranked = _rank(eligible)
        return Result(
            ranked=ranked,
            considered=ranked + [c for c in considered if not c.eligible],
            stage=SERVICE_POINT_STAGE,
            need=need,
        )
    return Result(
        ranked=[], considered=considered, stage="", reason=_no_one_reason(considered), need=need
    )


def check_engineer(ticket: Ticket, engineer: Engineer, *, now: dt.datetime) -> Candidate:
    """One engineer measured against every rule the automatic dispatch applies, for a
    dispatcher's manual choice: the candidate's `reasons` are the broken rules' codes.
    Read-only; call holding the engineer's row lock for a capacity count that holds."""
    need = need_for(ticket, now)
    live, today, declined = workloads([engineer.pk], now, ticket_id=ticket.pk).get(
        engineer.pk, (0, 0, False)
    )
    km = haversine_km(need.lat, need.lng, engineer.home_lat, engineer.home_lng)
    cand = Candidate(
        engineer=engineer,
        distance_km=km,
        stage="manual",
        live=live,
        today=today,
        declined=declined,
    )
    if need.category not in (engineer.skills or []):
        cand.reasons.append("no_skill")
    covers = engineer.service_point.areas.filter(pk=ticket.area_id).exists()
    if km > SEARCH_RADII_KM[-1] and not covers:
        cand.reasons.append("too_far")
    _evaluate([cand], need, set(), now)
    return cand
