"""`python -m bench dispatch`: automatic dispatch decisions at the scale of one large operator.

Builds its own database (<name>_bench, dropped afterwards unless --keep): 100 cities, 30,000
engineers across 8,000 service points and 200,000 open tickets waiting for dispatch, all with
set-based SQL (generate_series). Then it times automatic dispatch decisions, each one the
real `dispatch.services.ticket_dispatch_auto` (choose the engineer and commit the assignment
with the ticket's state change and event): first one worker, then 4 concurrent workers
(processes, each with its own connection) on other tickets, then 4 workers all offered the
same 200 tickets at once (every ticket assigned at most once; the rest get "already
assigned"). Last line: one JSON object. With other work on the machine the rate is noisy;
cpu_ms_per_decision_* (the deciding process's CPU plus its Postgres backend's, read from
/proc when the server runs here) is not, and decisions_per_s_2_cores_by_cpu is the rate
two idle cores could sustain at that cost.

Options: --engineers N --points N --tickets N --decisions N (per phase) --workers N --keep
--db NAME (the database to build; several developers on one machine each use their own)
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

BASE_DIR = Path(__file__).resolve().parent.parent
CITIES = 100
CITY_RADIUS_DEG = 0.12  # about 13 km: engineers and customers cluster in cities


def _database_urls(name_suffix: str = "_bench", db: str | None = None) -> tuple[str, str, str]:
    import environ

    env_file = BASE_DIR / ".env"
    if env_file.exists():
        environ.Env.read_env(env_file)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/service_dispatch")
    parsed = urlparse(url)
    name = db or parsed.path.lstrip("/") + name_suffix
    bench_url = urlunparse(parsed._replace(path=f"/{name}"))
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    return bench_url, admin_url, name


def _recreate_database(admin_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _insert_select(cursor, model, exprs: dict[str, str], from_sql: str, params=()) -> None:
    """INSERT INTO model's table SELECT ... : the given SQL per column, and the field's own
    default for every other column (so columns added by other apps keep working)."""
    from django.db import models

    columns, values, args = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in exprs:
            continue
        columns.append(f'"{field.column}"')
        if field.column in exprs:
            values.append(exprs[field.column])
            continue
        default = field.get_default()
        if isinstance(field, models.JSONField):
            values.append("%s::jsonb")
            args.append(json.dumps(default))
        elif default is None and not field.null:
            raise RuntimeError(f"bench: no value for {model.__name__}.{field.name}")
        else:
            values.append("%s")
            args.append(default)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {from_sql}"
    )
    cursor.execute(sql, [*args, *params])


def build(engineers: int, points: int, tickets: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from dispatch.models import Assignment
    from engineers.models import Engineer, ServicePoint
    from tickets.models import Address, Appliance, Customer, ServiceArea, Ticket

    started = time.perf_counter()
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_city AS SELECT g AS id, "
            "22 + (g %% 10) * 1.8 + ((g * 7919) %% 100) / 100.0 * 0.5 AS lat, "
            "104 + (g / 10) * 1.8 + ((g * 104729) %% 100) / 100.0 * 0.5 AS lng "
            "FROM generate_series(0, %s - 1) g",
            [CITIES],
        )
        areas = CITIES * 20
        _insert_select(
            cur,
            ServiceArea,
            {
                "code": "'B' || g",
                "name": "'Area ' || g",
                "city": "'City ' || (g %% 100)",
                "area_type": "CASE WHEN g %% 5 = 0 THEN 'rural' ELSE 'urban' END",
                "centroid_lat": "c.lat + (random() - 0.5) * 0.2",
                "centroid_lng": "c.lng + (random() - 0.5) * 0.2",
            },
            "generate_series(0, %s - 1) g JOIN bench_city c ON c.id = g %% 100 ORDER BY g",
            [areas],
        )
        cur.execute("SELECT min(id) FROM tickets_servicearea WHERE code LIKE 'B%%'")
        (area0,) = cur.fetchone()
        _insert_select(
            cur,
            ServicePoint,
            {
                "name": "'Point ' || g",
                "stars": "3 + g %% 3",
                "lat": "a.centroid_lat + (random() - 0.5) * 0.06",
                "lng": "a.centroid_lng + (random() - 0.5) * 0.06",
                "active": "true",
                "manager_id": "NULL",
            },
            "generate_series(0, %s - 1) g JOIN tickets_servicearea a "
            f"ON a.id = {area0} + g %% {areas} ORDER BY g",
            [points],
        )
        cur.execute("SELECT min(id) FROM engineers_servicepoint")
        (sp0,) = cur.fetchone()
        cur.execute(
            "INSERT INTO engineers_servicepoint_areas (servicepoint_id, servicearea_id) "
            f"SELECT {sp0} + g, {area0} + g %% {areas} FROM generate_series(0, %s - 1) g",
            [points],
        )
        cur.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) SELECT '!', false, 'b' || g, 'Eng' || g, "
            "'', '', false, true, now() FROM generate_series(0, %s - 1) g",
            [engineers],
        )
        cur.execute("SELECT min(id) FROM auth_user WHERE username LIKE 'b%%'")
        (user0,) = cur.fetchone()
        all_day = json.dumps({str(d): ["00:00", "23:59"] for d in range(7)})
        _insert_select(
            cur,
            Engineer,
            {
                "user_id": f"{user0} + g",
                "service_point_id": f"{sp0} + g %% {points}",
                "phone": "''",
                "skills": "ARRAY[(ARRAY['fridge','ac','washer','water_heater','tv'])[1 + g %% 5],"
                "(ARRAY['fridge','ac','washer','water_heater','tv'])[1 + (g + 1) %% 5],"
                "(ARRAY['fridge','ac','washer','water_heater','tv'])[1 + (g + 3) %% 5]]",
                "level": "1 + g %% 3",
                "certification_expires_on": f"DATE '{today.isoformat()}' + "
                "CASE WHEN g %% 20 = 0 THEN -5 ELSE 365 END",
                "home_lat": "sp.lat + (random() - 0.5) * 0.08",
                "home_lng": "sp.lng + (random() - 0.5) * 0.08",
                "working_hours": f"'{all_day}'::jsonb",
                "days_off": "'{}'::date[]",
                "max_concurrent": "4",
                "max_per_day": "10",
                "first_time_fix_rate": "0.6 + random() * 0.38",
                "active": "g %% 50 <> 0",
            },
            "generate_series(0, %s - 1) g JOIN engineers_servicepoint sp "
            f"ON sp.id = {sp0} + g %% {points} ORDER BY g",
            [engineers],
        )
        _insert_select(
            cur,
            Customer,
            {
                "name": "'Customer ' || g",
                "mobile": "'+86147' || lpad(g::text, 8, '0')",
                "mobile_reversed": "reverse('147' || lpad(g::text, 8, '0'))",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(0, %s - 1) g ORDER BY g",
            [tickets],
        )
        cur.execute("SELECT min(id) FROM tickets_customer")
        (cust0,) = cur.fetchone()
        _insert_select(
            cur,
            Address,
            {
                "customer_id": f"{cust0} + g",
                "line": "g || ' Bench Road'",
                "area_id": f"{area0} + g %% {areas}",
                "lat": "a.centroid_lat + (random() - 0.5) * 0.1",
                "lng": "a.centroid_lng + (random() - 0.5) * 0.1",
                "is_default": "true",
            },
            "generate_series(0, %s - 1) g JOIN tickets_servicearea a "
            f"ON a.id = {area0} + g %% {areas} ORDER BY g",
            [tickets],
        )
        cur.execute("SELECT min(id) FROM tickets_address")
        (addr0,) = cur.fetchone()
        _insert_select(
            cur,
            Appliance,
            {
                "customer_id": f"{cust0} + g",
                "category": "(ARRAY['fridge','ac','washer','water_heater','tv'])[1 + g %% 5]",
                "brand": "'Haier'",
                "model_number": "'BCD-470'",
                "serial_number": "'BS' || g",
                "purchase_date": f"DATE '{today.isoformat()}' - 200",
                "purchase_channel": "'store'",
                "proof_of_purchase": "''",
                "created_at": "now()",
            },
            "generate_series(0, %s - 1) g ORDER BY g",
            [tickets],
        )
        cur.execute("SELECT min(id) FROM tickets_appliance")
        (app0,) = cur.fetchone()
        _insert_select(
            cur,
            Ticket,
            {
                "number": "'BN-' || lpad(g::text, 7, '0')",
                "customer_id": f"{cust0} + g",
                "appliance_id": f"{app0} + g",
                "address_id": f"{addr0} + g",
                "area_id": f"{area0} + g %% {areas}",
                "channel": "'hotline'",
                "priority": "CASE WHEN g %% 10 = 0 THEN 'emergency' ELSE 'normal' END",
                "fault_class": "(ARRAY['simple','standard','standard','complex'])[1 + g %% 4]",
                "fault_description": "'Bench fault'",
                "status": "'awaiting_dispatch'",
                "in_warranty": "true",
                "public_token": "md5(g::text) || g",
                "created_at": "now() - interval '10 minutes'",
                "updated_at": "now() - interval '10 minutes'",
                "preferred_start": "NULL",
                "preferred_end": "NULL",
            },
            "generate_series(0, %s - 1) g ORDER BY g",
            [tickets],
        )
        cur.execute("SELECT setval('ticket_number_seq', %s)", [tickets + 1])
        cur.execute("ANALYZE")
    assert Assignment.objects.count() == 0
    return {"build_s": round(time.perf_counter() - started, 1)}


def _backend_cpu_s() -> float:
    """CPU seconds of this connection's Postgres backend so far (a server on this machine)."""
    from django.db import connection

    from bench._common import _proc_cpu_s

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        (pid,) = cur.fetchone()
    return _proc_cpu_s(pid)


def _decide(ticket_ids: list[int]) -> tuple[list[float], int, int, float]:
    """(latencies, assigned, conflicts, CPU seconds of this process and its backend)."""
    from django.db import connection

    from dispatch.services import ticket_dispatch_auto
    from tickets.errors import Conflict

    latencies, assigned, conflicts = [], 0, 0
    cpu0, db0 = time.process_time(), _backend_cpu_s()
    for pk in ticket_ids:
        t0 = time.perf_counter()
        try:
            if ticket_dispatch_auto(ticket_id=pk) is not None:
                assigned += 1
        except Conflict:
            conflicts += 1
        latencies.append((time.perf_counter() - t0) * 1000)
    cpu = time.process_time() - cpu0 + _backend_cpu_s() - db0
    connection.close()
    return latencies, assigned, conflicts, cpu


def _worker(args):
    import django

    django.setup()
    return _decide(args)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def measure(decisions: int, workers: int, tickets: int) -> dict:
    import multiprocessing

    from django.db import connection

    from dispatch.models import Assignment
    from tickets.models import Ticket

    rng = random.Random(7)
    ids = list(Ticket.objects.filter(status="awaiting_dispatch").values_list("pk", flat=True))
    rng.shuffle(ids)
    warm, single, multi = ids[:50], ids[50 : 50 + decisions], ids[50 + decisions :]
    _decide(warm)  # connection, caches, plans

    lat1, assigned1, _c, cpu1 = _decide(single)
    ctx = multiprocessing.get_context("fork")

    def run(chunks):
        connection.close()
        t0 = time.perf_counter()
        with ctx.Pool(workers) as pool:
            results = pool.map(_worker, chunks)
        return results, time.perf_counter() - t0

    # Throughput: 4 workers (processes, each its own connection) on different tickets.
    multi = multi[: decisions * 2]
    results, wall = run([multi[i::workers] for i in range(workers)])
    lat4 = [x for r in results for x in r[0]]
    assigned4 = sum(r[1] for r in results)
    cpu4 = sum(r[3] for r in results)
    # Contention: the same 200 other tickets offered to all 4 workers at once.
    contested = ids[50 + decisions + len(multi) :][:200]
    results_c, wall_c = run([contested[i:] + contested[:i] for i in range(workers)])
    assigned_c = sum(r[1] for r in results_c)
    conflicts_c = sum(r[2] for r in results_c)

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT ticket_id FROM dispatch_assignment "
            "WHERE state IN ('active', 'accepted') GROUP BY ticket_id HAVING count(*) > 1) x"
        )
        (double,) = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM (SELECT a.engineer_id FROM dispatch_assignment a "
            "JOIN engineers_engineer e ON e.id = a.engineer_id "
            "WHERE a.state IN ('active', 'accepted') GROUP BY a.engineer_id, e.max_concurrent "
            "HAVING count(*) > e.max_concurrent) x"
        )
        (over,) = cur.fetchone()
    stages: dict[str, int] = {}
    for stage in Assignment.objects.values_list("stage", flat=True):
        stages[stage] = stages.get(stage, 0) + 1
    return {
        "p50_ms": _pct(lat1, 0.50),
        "p95_ms": _pct(lat1, 0.95),
        "p50_ms_4": _pct(lat4, 0.50),
        "p95_ms_4": _pct(lat4, 0.95),
        "decisions_per_s_4": round(len(lat4) / wall, 1),
        # What a decision costs whatever else the machine runs: CPU of the deciding
        # process and of its Postgres backend; the rate 2 idle cores could sustain.
        "cpu_ms_per_decision_1": round(cpu1 * 1000 / len(lat1), 2) if lat1 else 0,
        "cpu_ms_per_decision_4": round(cpu4 * 1000 / len(lat4), 2) if lat4 else 0,
        "decisions_per_s_2_cores_by_cpu": round(2 * len(lat4) / cpu4, 1) if cpu4 else 0,
        "decisions_1": len(lat1),
        "assigned_1": assigned1,
        "decisions_4": len(lat4),
        "assigned_4": assigned4,
        "contested_tickets": len(contested),
        "contested_assigned": assigned_c,
        "contested_already_assigned": conflicts_c,
        "double_assignments": double,
        "engineers_over_capacity": over,
        "stages": stages,
        "mean_ms": round(statistics.mean(lat1), 2) if lat1 else 0,
    }


def main(argv) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench dispatch")
    parser.add_argument("--engineers", type=int, default=30000)
    parser.add_argument("--points", type=int, default=8000)
    parser.add_argument("--tickets", type=int, default=200000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--db", help="bench database name (default: <DATABASE_URL's>_bench)")
    args = parser.parse_args(argv)

    bench_url, admin_url, name = _database_urls(db=args.db)
    _recreate_database(admin_url, name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = round(time.perf_counter() - t0, 1)
        built = build(args.engineers, args.points, args.tickets)
        result = measure(args.decisions, args.workers, args.tickets)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _recreate_database(admin_url, name, drop_only=True)
    return {
        "bench": "dispatch",
        "engineers": args.engineers,
        "service_points": args.points,
        "open_tickets": args.tickets,
        "migrate_s": migrate_s,
        **built,
        **result,
    }
