"""`python -m bench callbacks`: the follow-up callbacks at a day's scale.

Creates its own database (<your database>_cbbench), builds the tickets with SQL, then:

1. completes `--jobs` jobs (50,000 by default: a day at the design's scale) through the real
   `ticket_transition` from `--completers` threads, their completion times spread over one
   minute of simulated time, and re-runs the completion handler for a share of them from a
   second thread at the same moment (a redelivered event); counts the follow-up callbacks:
   every job has exactly one;
2. fills the open callbacks up to `--open` (200,000) and measures the agents' queue page
   (`/callbacks/`, served by gunicorn as in production, logged in as a call-centre agent)
   at concurrency `--concurrency` (8) for `--duration` seconds: p95;
3. makes `--retries` busy/no-answer retries and `--deep` low-score surveys fall due within
   `--window` seconds and runs the callbacks sweep as beat does (every 5 s, two workers):
   the lag from each due time to its handling, and duplicates (none allowed).

The last line is JSON: {"bench": "callbacks", "completed", "callbacks_created", "duplicates",
"queue_p95_ms", "sweep_lag_max_s", ...}.
"""

import argparse
import datetime as dt
import os
import random
import sys
import threading
import time

from bench._common import (
    BASE_DIR,
    CpuMeter,
    Gunicorn,
    bench_env,
    host_reference_ms,
    log,
    manage,
    run_load,
    session_login,
)
from bench.dispatch import _database_urls, _insert_select, _recreate_database

PASSWORD = "bench-pass-2026"


def build(jobs: int, open_total: int) -> dict:
    """Customers, appliances and tickets with SQL: `jobs` on site, the rest completed (their
    open callbacks are inserted after the completion run). One area in a call centre."""
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.utils import timezone

    from tickets.models import (
        Address,
        Appliance,
        CallCentre,
        Customer,
        ServiceArea,
        StaffProfile,
        Ticket,
    )

    started = time.perf_counter()
    total = max(jobs, open_total)  # the jobs, then completed tickets with one open call each
    areas = [
        ServiceArea.objects.create(
            code=f"CB{i}",
            name=f"Area {i}",
            city="Qingdao",
            area_type="urban",
            centroid_lat=36.0,
            centroid_lng=120.3,
        )
        for i in range(20)
    ]
    centre = CallCentre.objects.create(name="Bench centre")
    centre.areas.set(areas[:10])
    agent = User.objects.create_user("cbagent", password=PASSWORD)
    agent.groups.add(Group.objects.get(name="agent"))
    StaffProfile.objects.create(user=agent, call_centre=centre)
    engineer = User.objects.create_user("cbengineer", password=PASSWORD)
    engineer.groups.add(Group.objects.get(name="engineer"))
    area0 = areas[0].pk
    today = timezone.localdate()
    with connection.cursor() as cur:
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
            [total],
        )
        cur.execute("SELECT min(id) FROM tickets_customer")
        (cust0,) = cur.fetchone()
        _insert_select(
            cur,
            Address,
            {
                "customer_id": f"{cust0} + g",
                "line": "g || ' Bench Road'",
                "area_id": f"{area0} + g %% 20",
                "lat": "36.0",
                "lng": "120.3",
                "is_default": "true",
            },
            "generate_series(0, %s - 1) g ORDER BY g",
            [total],
        )
        cur.execute("SELECT min(id) FROM tickets_address")
        (addr0,) = cur.fetchone()
        _insert_select(
            cur,
            Appliance,
            {
                "customer_id": f"{cust0} + g",
                "category": "'fridge'",
                "brand": "'Haier'",
                "model_number": "'BCD-470'",
                "serial_number": "'CB' || g",
                "purchase_date": f"DATE '{today.isoformat()}' - 200",
                "purchase_channel": "'store'",
                "proof_of_purchase": "''",
                "created_at": "now()",
            },
            "generate_series(0, %s - 1) g ORDER BY g",
            [total],
        )
        cur.execute("SELECT min(id) FROM tickets_appliance")
        (app0,) = cur.fetchone()
        _insert_select(
            cur,
            Ticket,
            {
                "number": "'CBN-' || lpad(g::text, 7, '0')",
                "customer_id": f"{cust0} + g",
                "appliance_id": f"{app0} + g",
                "address_id": f"{addr0} + g",
                "area_id": f"{area0} + g %% 20",
                "channel": "'hotline'",
                "priority": "'normal'",
                "fault_class": "'standard'",
                "fault_description": "'Bench fault'",
                "status": f"CASE WHEN g < {jobs} THEN 'on_site' ELSE 'completed' END",
                "in_warranty": "true",
                "public_token": "md5(g::text) || g",
                "created_at": "now() - interval '1 day'",
                "updated_at": "now() - interval '1 day'",
                "preferred_start": "NULL",
                "preferred_end": "NULL",
            },
            "generate_series(0, %s - 1) g ORDER BY g",
            [total],
        )
        cur.execute("ANALYZE")
    return {"build_s": round(time.perf_counter() - started, 1), "engineer_id": engineer.pk}


def _complete_chunk(chunk: list[int], redeliver: set[int], engineer_id: int) -> None:
    """One completing process: each job through ticket_transition; a redelivered job also
    gets the completion handler again."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from callbacks.services.callbacks import follow_up_open
    from tickets.lifecycle import Status
    from tickets.models import Ticket
    from tickets.services import ticket_transition

    engineer = User.objects.get(pk=engineer_id)
    for pk in chunk:
        ticket_transition(ticket=Ticket(pk=pk), to=Status.COMPLETED, actor=engineer)
        if pk in redeliver:
            follow_up_open(ticket=Ticket.objects.get(pk=pk), now=timezone.now())
    connection.close()


def _redeliver_chunk(ids: list[int], redeliver: set[int]) -> None:
    """Another process runs the completion handler of the same jobs at the same time."""
    from django.db import connection
    from django.utils import timezone

    from callbacks.services.callbacks import follow_up_open
    from tickets.lifecycle import Status
    from tickets.models import Ticket

    pending = [pk for pk in ids if pk in redeliver]
    deadline = time.monotonic() + 3600
    while pending and time.monotonic() < deadline:
        done = set(
            Ticket.objects.filter(pk__in=pending, status=Status.COMPLETED).values_list(
                "pk", flat=True
            )
        )
        for pk in done:
            follow_up_open(ticket=Ticket.objects.get(pk=pk), now=timezone.now())
        pending = [pk for pk in pending if pk not in done]
        time.sleep(0.2)
    connection.close()


def complete_all(jobs: int, completers: int, redeliver_share: float) -> dict:
    """Every on-site job completed through ticket_transition by `completers` processes, while
    one more process re-runs the completion handler of a share of them (a redelivered
    event) as soon as each is completed."""
    import multiprocessing

    from django.contrib.auth.models import User
    from django.db import connection, connections
    from django.utils import timezone

    from tickets.lifecycle import Status
    from tickets.models import Ticket

    engineer_id = User.objects.get(username="cbengineer").pk
    ids = list(
        Ticket.objects.filter(status=Status.ON_SITE).order_by("pk").values_list("pk", flat=True)
    )
    redeliver = set(random.Random(7).sample(ids, int(len(ids) * redeliver_share)))
    sim_start = timezone.now()
    connections.close_all()  # each forked process opens its own
    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(target=_complete_chunk, args=(ids[i::completers], redeliver, engineer_id))
        for i in range(completers)
    ]
    procs.append(ctx.Process(target=_redeliver_chunk, args=(ids, redeliver)))
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    if any(p.exitcode for p in procs):
        raise RuntimeError("a completing process failed")
    # Completion times spread over one minute of simulated time (the day's peak minute).
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE callbacks_callback SET created_at = %s + (ticket_id %% 60) * interval '1 s'",
            [sim_start],
        )
    return {
        "complete_wall_s": round(wall, 1),
        "completions_per_s": round(len(ids) / wall, 1),
        "redelivered": len(redeliver),
    }


def count_callbacks(jobs: int) -> dict:
    """Follow-ups of the completed jobs: every job one, none twice."""
    from django.db import connection

    last = f"CBN-{jobs:07d}"
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(DISTINCT ticket_id), count(*) FROM callbacks_callback "
            "WHERE kind = 'follow_up'"
        )
        tickets, rows = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM tickets_ticket t WHERE t.number < %s AND NOT EXISTS "
            "(SELECT 1 FROM callbacks_callback c WHERE c.ticket_id = t.id AND c.kind = "
            "'follow_up')",
            [last],
        )
        (missing,) = cur.fetchone()
    return {"callbacks_created": rows, "duplicates": rows - tickets, "missing": missing}


def fill_open(open_total: int) -> int:
    """Open follow-ups for the other completed tickets, due over the next 48 hours."""
    from django.db import connection

    from callbacks.models import Callback

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM callbacks_callback WHERE state = 'open'")
        (have,) = cur.fetchone()
        need = max(0, open_total - have)
        _insert_select(
            cur,
            Callback,
            {
                "ticket_id": "t.id",
                "kind": "'follow_up'",
                "state": "'open'",
                "area_id": "t.area_id",
                "due_at": "now() + (t.id %% 2880) * interval '1 minute'",
                "window_ends_at": "now() + interval '48 hours'",
                "next_attempt_at": "NULL",
                "retry_marked_at": "NULL",
                "attempts": "0",
                "source_id": "NULL",
                "closed_at": "NULL",
                "closed_by_id": "NULL",
                "created_at": "now()",
            },
            "(SELECT id, area_id FROM tickets_ticket t WHERE status = 'completed' AND NOT EXISTS "
            "(SELECT 1 FROM callbacks_callback c WHERE c.ticket_id = t.id) ORDER BY id LIMIT %s)"
            " t",
            [need],
        )
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM callbacks_callback WHERE state = 'open'")
        (now_open,) = cur.fetchone()
    return now_open


def measure_queue(env, *, concurrency: int, duration: float, workers: int, port: int) -> dict:
    """The agents' queue page at concurrency: latency, and the CPU it costs per request
    (gunicorn workers and Postgres backends), which other load on the machine does not
    change."""
    with Gunicorn(env, port=port, workers=workers) as server:
        cookies = session_login(server.url(""), "cbagent", PASSWORD)
        url = server.url("/callbacks/")
        # warm-up
        run_load(lambda n: ("GET", url, None, {}), concurrency=2, duration_s=2, cookies=cookies)
        reference = host_reference_ms()
        meter = CpuMeter(env, server)
        meter.start()
        result = run_load(
            lambda n: ("GET", url if n % 2 else f"{url}?kind=follow_up", None, {}),
            concurrency=concurrency,
            duration_s=duration,
            cookies=cookies,
        )
        app_s, db_s = meter.stop_split()
    stats = result.stats()
    served = max(1, len(result.latencies_ms))
    stats["cpu_ms_per_request"] = round((app_s + db_s) * 1000 / served, 1)
    stats["db_cpu_ms_per_request"] = round(db_s * 1000 / served, 1)
    stats["host_reference_ms"] = round(reference, 1)
    if result.error_samples:
        log(f"  queue errors: {result.error_samples}")
    return {"queue_" + k: v for k, v in stats.items()}


def measure_sweep(retries: int, deep: int, window: float, period: float) -> dict:
    """Retries and low scores fall due within `window` seconds; two sweepers run as beat
    would; lag from due time to handling; duplicates."""
    from django.db import connection
    from django.utils import timezone

    from callbacks.models import Callback, Survey
    from callbacks.services.closure import hanging_sweep
    from callbacks.services.sweep import callbacks_sweep

    hanging_sweep()  # today's run claimed before the clock starts (a once-a-day pass)
    start = timezone.now() + dt.timedelta(seconds=2)
    rng = random.Random(11)
    due_ids = list(
        Callback.objects.filter(state="open", kind="follow_up")
        .order_by("?")
        .values_list("pk", flat=True)[:retries]
    )
    for pk in due_ids:
        Callback.objects.filter(pk=pk).update(
            attempts=1,
            next_attempt_at=start + dt.timedelta(seconds=rng.uniform(0, window)),
            retry_marked_at=None,
        )
    low_tickets = list(
        Callback.objects.filter(state="open", kind="follow_up")
        .exclude(pk__in=due_ids)
        .values_list("ticket_id", "ticket__customer_id")[:deep]
    )
    Survey.objects.bulk_create(
        [
            Survey(
                ticket_id=t,
                customer_id=c,
                channel="tracking_page",
                speed=5,
                attitude=2,
                quality=4,
                fixed=True,
                created_at=start + dt.timedelta(seconds=rng.uniform(0, window)),
            )
            for t, c in low_tickets
        ]
    )
    stop = time.monotonic() + window + 2 + 3 * period
    counts = []

    def sweeper(offset):
        try:
            time.sleep(offset)
            while time.monotonic() < stop:
                t0 = time.monotonic()
                counts.append(callbacks_sweep())
                time.sleep(max(0.0, period - (time.monotonic() - t0)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper, args=(i * period / 2,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), max(extract(epoch FROM retry_marked_at - next_attempt_at)) "
            "FROM callbacks_callback WHERE id = ANY(%s) AND retry_marked_at IS NOT NULL",
            [due_ids],
        )
        marked, retry_lag = cur.fetchone()
        cur.execute(
            "SELECT count(*) - count(DISTINCT (data->>'callback_id')) FROM tickets_ticketevent "
            "WHERE kind = 'call_retry_due'"
        )
        (retry_dupes,) = cur.fetchone()
        cur.execute(
            "SELECT count(*), max(extract(epoch FROM d.created_at - s.created_at)) "
            "FROM callbacks_survey s JOIN callbacks_callback d "
            "ON d.ticket_id = s.ticket_id AND d.kind = 'deep'"
        )
        deep_made, deep_lag = cur.fetchone()
        cur.execute(
            "SELECT count(*) - count(DISTINCT ticket_id) FROM callbacks_callback "
            "WHERE kind = 'deep'"
        )
        (deep_dupes,) = cur.fetchone()
        cur.execute(
            "SELECT count(*) - count(DISTINCT ticket_id) FROM tickets_ticketevent "
            "WHERE kind = 'deep_callback_opened'"
        )
        (deep_event_dupes,) = cur.fetchone()
    lag = max(float(retry_lag or 0), float(deep_lag or 0))
    return {
        "retries_due": len(due_ids),
        "retries_marked": marked,
        "deep_due": len(low_tickets),
        "deep_created": deep_made,
        "sweep_duplicates": int(retry_dupes) + int(deep_dupes) + int(deep_event_dupes),
        "sweep_lag_max_s": round(lag, 2),
        "sweep_passes": len(counts),
    }


def main(argv) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench callbacks")
    # 50,000 is the design's day; 10,000 keeps a run within minutes on a shared machine.
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--open", type=int, default=200000)
    parser.add_argument("--completers", type=int, default=4)
    parser.add_argument("--redeliver", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8251)
    parser.add_argument("--retries", type=int, default=2000)
    parser.add_argument("--deep", type=int, default=500)
    parser.add_argument("--window", type=float, default=30)
    parser.add_argument("--period", type=float, default=5.0, help="seconds between sweeps")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)

    bench_url, admin_url, name = _database_urls(name_suffix="_cbbench")
    _recreate_database(admin_url, name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        log("building tickets")
        built = build(args.jobs, args.open)
        log(f"completing {args.jobs} jobs")
        completed = complete_all(args.jobs, args.completers, args.redeliver)
        counted = count_callbacks(args.jobs)
        open_now = fill_open(args.open)
        log(f"{open_now} open callbacks; measuring the queue page")
        env = bench_env(name)
        manage(env, "collectstatic", "--noinput", "-v0")
        queue = measure_queue(
            env,
            concurrency=args.concurrency,
            duration=args.duration,
            workers=args.workers,
            port=args.port,
        )
        log("measuring the sweep")
        sweep = measure_sweep(args.retries, args.deep, args.window, args.period)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _recreate_database(admin_url, name, drop_only=True)
    built.pop("engineer_id", None)
    result = {
        "bench": "callbacks",
        "completed": args.jobs,
        **counted,
        "open_callbacks": open_now,
        **built,
        **completed,
        **queue,
        **sweep,
    }
    log(
        f"completed {args.jobs} in {completed['complete_wall_s']} s; callbacks "
        f"{counted['callbacks_created']} (duplicates {counted['duplicates']}); queue p95 "
        f"{queue.get('queue_p95_ms')} ms; sweep lag max {sweep['sweep_lag_max_s']} s"
    )
    # The figures, last.
    keys = ("bench", "completed", "callbacks_created", "duplicates", "queue_p95_ms")
    ordered = {k: result[k] for k in keys}
    ordered["sweep_lag_max_s"] = result["sweep_lag_max_s"]
    return {**ordered, **{k: v for k, v in result.items() if k not in ordered}}
