"""Writes of the kpis app: facts from the definitions, rollups kept by difference, the
catch-up over new events, and the computed first-time-fix rate dispatch ranks by."""

import datetime as dt
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from engineers.models import (
    FTF_DEFAULT,
    FTF_PRIOR_JOBS,
    FTF_WINDOW_DAYS,
    STARS_DEFAULT,
    STARS_PRIOR_SURVEYS,
    Engineer,
    ServicePoint,
)
from tickets.models import TicketEvent

from . import history
from .definitions import KPIS
from .models import Grain, KpiFact, KpiRollup, KpiWatermark

EVENTS = "events"
FTF_FULL = "ftf_full"
FACT_FIELDS = (
    "version",
    "at",
    "day",
    "area_id",
    "service_point_id",
    "engineer_id",
    "service_type_id",
    "numerator",
    "value",
    "detail",
)


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def facts_compute(ticket_ids) -> dict[tuple[int, str], dict]:
    """The facts the definitions give these tickets now, keyed by (ticket id, KPI)."""
    kpis = [k for k in KPIS if k.available()]
    out: dict[tuple[int, str], dict] = {}
    for h in history.load(ticket_ids):
        for kpi in kpis:
            fact = kpi.evaluate(h)
            if fact is None:
                continue
            engineer_id, point_id = fact.engineer
            out[(h.id, kpi.code)] = {
                "version": kpi.version,
                "at": fact.at,
                "day": local_day(fact.at),
                "area_id": h.ticket["area_id"],
                "service_point_id": point_id,
                "engineer_id": engineer_id,
                "service_type_id": h.ticket["service_type_id"],
                "numerator": bool(fact.numerator),
                "value": int(fact.value),
                "detail": fact.detail,
            }
    return out


def _grains(f: dict):
    yield Grain.NETWORK, 0
    yield Grain.AREA, f["area_id"]
    yield Grain.POINT, f["service_point_id"] or 0
    yield Grain.ENGINEER, f["engineer_id"] or 0


def _add(deltas, kpi: str, f: dict, sign: int) -> None:
    _move(deltas, kpi, f, sign, sign if f["numerator"] else 0, sign * f["value"])


def _move(deltas, kpi: str, f: dict, denominator: int, numerator: int, value: int) -> None:
    """Add these sums to every rollup row the fact `f` (or a group of alike facts) is in."""
    service_type = f["service_type_id"] or ""
    for grain, key in _grains(f):
        d = deltas[(f["day"], kpi, service_type, grain, key)]
        d[0] += denominator
        d[1] += numerator
        d[2] += value


def _rollups_apply(deltas) -> None:
    rows = [(*k, *v) for k, v in deltas.items() if any(v)]
    table = KpiRollup._meta.db_table
    with connection.cursor() as cur:
        for i in range(0, len(rows), 1000):
            chunk = rows[i : i + 1000]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cur.execute(
                f"INSERT INTO {table} (day, kpi, service_type, grain, key, denominator, "
                f"numerator, value_sum) VALUES {values} "
                f"ON CONFLICT (grain, key, service_type, kpi, day) DO UPDATE SET "
                f"denominator = {table}.denominator + EXCLUDED.denominator, "
                f"numerator = {table}.numerator + EXCLUDED.numerator, "
                f"value_sum = {table}.value_sum + EXCLUDED.value_sum",
                [v for row in chunk for v in row],
            )


def facts_refresh(ticket_ids) -> set[int]:
    """Rewrite these tickets' facts from their history and move the rollups by the
    difference. Returns the engineers whose first-time-fix facts changed. Call holding the
    catch-up lock (rollups_catch_up) or with the rollups otherwise not being written."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return set()
    with transaction.atomic():
        new = facts_compute(ids)
        old = {
            (f["ticket_id"], f["kpi"]): f
            for f in KpiFact.objects.filter(ticket_id__in=ids).values(
                "id", "ticket_id", "kpi", *FACT_FIELDS
            )
        }
        deltas = defaultdict(lambda: [0, 0, 0])
        gone, born, engineers = [], [], set()
        for key in old.keys() | new.keys():
            before, after = old.get(key), new.get(key)
            if (
                before is not None
                and after is not None
                and all(before[f] == after[f] for f in FACT_FIELDS)
            ):
                continue
            if before is not None:
                _add(deltas, key[1], before, -1)
                gone.append(before["id"])
            if after is not None:
                _add(deltas, key[1], after, +1)
                born.append(KpiFact(ticket_id=key[0], kpi=key[1], **after))
            if key[1] == "ftf":
                engineers |= {f["engineer_id"] for f in (before, after) if f and f["engineer_id"]}
        if gone:
            KpiFact.objects.filter(pk__in=gone).delete()
        KpiFact.objects.bulk_create(born, batch_size=2000)
        _rollups_apply(deltas)
    return engineers


def _watermark(name: str, *, wait: bool = False) -> KpiWatermark | None:
    """The named watermark row, locked; None while another process holds it (unless
    `wait`: then wait for it)."""
    try:
        with transaction.atomic():
            KpiWatermark.objects.get_or_create(name=name)
    except IntegrityError:
        pass
    return KpiWatermark.objects.select_for_update(skip_locked=not wait).filter(name=name).first()


def rollups_catch_up(*, batch: int = 20000, now: dt.datetime | None = None) -> dict:
    """Bring facts and rollups up to the event log: the tickets of events after the
    watermark, and the tickets of the previous run's events again (an event whose
    transaction committed after that run is seen now), with the tickets that depend on
    them. Safe to run twice at once: the second run finds the watermark locked and leaves."""
    now = now or timezone.now()
    with transaction.atomic():
        mark = _watermark(EVENTS)
        if mark is None:
            return {"skipped": True}
        previous = int(mark.value or 0)
        fresh = list(
            TicketEvent.objects.filter(id__gt=mark.last_event_id)
            .order_by("id")
            .values_list("id", "ticket_id")[:batch]
        )
        again = set(
            TicketEvent.objects.filter(id__gt=previous, id__lte=mark.last_event_id).values_list(
                "ticket_id", flat=True
            )
        )
        touched = {t for _i, t in fresh} | again
        touched |= history.dependants(touched)
        engineers = set()
        ids = sorted(touched)
        for i in range(0, len(ids), 500):
            engineers |= facts_refresh(ids[i : i + 500])
        if fresh:
            mark.value = str(mark.last_event_id)
            mark.last_event_id = fresh[-1][0]
        else:
            mark.value = str(mark.last_event_id)
        mark.updated_at = now
        mark.save()
        if engineers:
            engineer_ftf_refresh(engineer_ids=engineers, now=now)
    full = ftf_daily_refresh(now=now)
    return {"events": len(fresh), "tickets": len(touched), "ftf_full": full}


def ftf_daily_refresh(*, now: dt.datetime | None = None) -> bool:
    """Once a local day, every engineer's rate: the trailing window moves for everyone."""
    now = now or timezone.now()
    today = local_day(now).isoformat()
    with transaction.atomic():
        mark = _watermark(FTF_FULL)
        if mark is None or mark.value == today:
            return False
        engineer_ftf_refresh(now=now)
        point_stars_refresh(now=now)
        mark.value, mark.updated_at = today, now
        mark.save()
    return True


def ftf_window(now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    end = local_day(now or timezone.now())
    return end - dt.timedelta(days=FTF_WINDOW_DAYS - 1), end


def engineer_ftf_refresh(*, engineer_ids=None, now: dt.datetime | None = None) -> int:
    """Write each engineer's first-time-fix rate over the trailing window, with the prior:
    (fixed first time + FTF_PRIOR_JOBS x network rate) / (jobs + FTF_PRIOR_JOBS)."""
    now = now or timezone.now()
    start, end = ftf_window(now)
    window = KpiRollup.objects.filter(kpi="ftf", day__gte=start, day__lte=end)
    network = window.filter(grain=Grain.NETWORK).aggregate(n=Sum("numerator"), d=Sum("denominator"))
    prior = network["n"] / network["d"] if network["d"] else FTF_DEFAULT
    per = window.filter(grain=Grain.ENGINEER)
    engineers = Engineer.objects.all()
    if engineer_ids is not None:
        per = per.filter(key__in=list(engineer_ids))
        engineers = engineers.filter(pk__in=list(engineer_ids))
    sums = {
        r["key"]: (r["n"], r["d"])
        for r in per.values("key").annotate(n=Sum("numerator"), d=Sum("denominator"))
    }
    changed = []
    for e in engineers.only("id", "first_time_fix_rate", "first_time_fix_jobs").iterator(2000):
        fixed, jobs = sums.get(e.pk, (0, 0))
        e.first_time_fix_rate = round((fixed + FTF_PRIOR_JOBS * prior) / (jobs + FTF_PRIOR_JOBS), 4)
        e.first_time_fix_jobs = jobs
        e.first_time_fix_computed_at = now
        changed.append(e)
    Engineer.objects.bulk_update(
        changed,
        ["first_time_fix_rate", "first_time_fix_jobs", "first_time_fix_computed_at"],
        batch_size=2000,
    )
    return len(changed)


STARS_KPIS = ("csat_speed_mean", "csat_attitude_mean", "csat_quality_mean")


def point_stars_refresh(*, now: dt.datetime | None = None) -> int:
    """Write each service point's stars: the mean of its surveys' three scores over the
    trailing window, with the prior: (scores + STARS_PRIOR_SURVEYS x network mean) /
    (scored answers + STARS_PRIOR_SURVEYS), so a point with few surveys stays near the
    network and one bad call does not sink it."""
    now = now or timezone.now()
    start, end = ftf_window(now)
    window = KpiRollup.objects.filter(kpi__in=STARS_KPIS, day__gte=start, day__lte=end)
    network = window.filter(grain=Grain.NETWORK).aggregate(n=Sum("value_sum"), d=Sum("denominator"))
    prior = network["n"] / network["d"] if network["d"] else STARS_DEFAULT
    sums = {
        r["key"]: (r["n"], r["d"])
        for r in window.filter(grain=Grain.POINT)
        .values("key")
        .annotate(n=Sum("value_sum"), d=Sum("denominator"))
    }
    changed = []
    for point in ServicePoint.objects.only("id", "stars", "stars_surveys"):
        scores, answers = sums.get(point.pk, (0, 0))
        weight = STARS_PRIOR_SURVEYS * len(STARS_KPIS)  # three scored answers per survey
        stars = (scores + weight * prior) / (answers + weight)
        point.stars = round(min(5.0, max(1.0, stars)), 2)
        point.stars_surveys = answers // len(STARS_KPIS)
        point.stars_computed_at = now
        changed.append(point)
    ServicePoint.objects.bulk_update(
        changed, ["stars", "stars_surveys", "stars_computed_at"], batch_size=2000
    )
    return len(changed)


def rollups_rebuild(*, batch: int = 2000) -> int:
    """Every fact and rollup from scratch (after a definition's version changed)."""
    from tickets.models import Ticket

    with transaction.atomic():
        mark = _watermark(EVENTS)
        KpiFact.objects.all().delete()
        KpiRollup.objects.all().delete()
        top = TicketEvent.objects.aggregate(m=Max("id"))["m"] or 0
        ids = list(Ticket.objects.order_by("id").values_list("id", flat=True))
        for i in range(0, len(ids), batch):
            facts_refresh(ids[i : i + batch])
        if mark is not None:
            mark.last_event_id, mark.value, mark.updated_at = top, str(top), timezone.now()
            mark.save()
        engineer_ftf_refresh()
    return len(ids)


def facts_service_type_backfill(*, batch: int = 100_000) -> int:
    """Give the facts written before the service-type dimension existed their ticket's
    type, and move their sums from the rollup rows without a type to that type's rows.
    Batch by batch (fact id ranges), each holding the catch-up lock, so the catch-up runs
    between batches and never rewrites a half-moved fact. Figures over all types do not
    change while it runs. Returns the number of facts given a type."""
    facts = KpiFact._meta.db_table
    span = KpiFact.objects.filter(service_type__isnull=True).aggregate(lo=Min("id"), hi=Max("id"))
    bottom, top = span["lo"] or 0, span["hi"] or 0
    moved = 0
    for lo in range(bottom, top + 1, batch):
        with transaction.atomic():
            _watermark(EVENTS, wait=True)
            with connection.cursor() as cur:
                cur.execute(
                    f"WITH moved AS (UPDATE {facts} f SET service_type_id = t.service_type_id "
                    f"FROM tickets_ticket t WHERE t.id = f.ticket_id "
                    f"AND f.service_type_id IS NULL AND f.id >= %s AND f.id < %s "
                    f"RETURNING f.day, f.kpi, f.area_id, f.service_point_id, f.engineer_id, "
                    f"f.service_type_id, f.numerator, f.value) "
                    f"SELECT day, kpi, area_id, service_point_id, engineer_id, service_type_id, "
                    f"count(*), count(*) FILTER (WHERE numerator), sum(value) "
                    f"FROM moved GROUP BY 1, 2, 3, 4, 5, 6",
                    [lo, lo + batch],
                )
                groups = cur.fetchall()
            deltas = defaultdict(lambda: [0, 0, 0])
            for day, kpi, area, point, engineer, service_type, d, n, v in groups:
                f = {
                    "day": day,
                    "area_id": area,
                    "service_point_id": point,
                    "engineer_id": engineer,
                    "service_type_id": None,
                }
                _move(deltas, kpi, f, -d, -n, -v)
                _move(deltas, kpi, {**f, "service_type_id": service_type}, d, n, v)
                moved += d
            _rollups_apply(deltas)
    with transaction.atomic():
        _watermark(EVENTS, wait=True)
        KpiRollup.objects.filter(service_type="", denominator=0, numerator=0, value_sum=0).delete()
    return moved
