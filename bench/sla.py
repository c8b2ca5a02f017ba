"""`python -m bench sla`: the SLA sweep under load, with real Celery workers and beat.

Creates its own database (<your database>_slabench) and a private redis-server, loads
200,000 running clocks with SQL, starts Celery workers and beat as subprocesses, makes
10,000 clocks fall due within one minute and measures, from the database alone, the lag
from each due time to the sweep noticing its breach, how many were handled and whether any was
handled twice; then times an idle sweep (nothing due) on the full table.

`python -m bench sla --drill` is the fault drill instead: workers killed with SIGKILL,
Redis flushed, beat stopped while warnings and breaches fall due (an outage of
--outage-minutes, simulated by due times in the past); after restart every missed warning
and breach must be handled exactly once within 60 seconds.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent


def _base_db_url() -> str:
    url = os.environ.get("DATABASE_URL")
    env_file = ROOT / ".env"
    if not url and env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                url = line.split("=", 1)[1].strip()
    return url or "postgres://postgres@127.0.0.1:5432/service_dispatch"


def _bench_db_url(base: str) -> tuple[str, str]:
    parts = urlparse(base)
    name = parts.path.lstrip("/") + "_slabench"
    return urlunparse(parts._replace(path="/" + name)), name


def _admin_sql(base: str, sql: str) -> None:
    import psycopg2

    parts = urlparse(base)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _start_redis(port: int) -> subprocess.Popen:
    import socket

    proc = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not start on port {port}")


class Fleet:
    """Celery workers, the task relay and one beat, as subprocesses of this benchmark."""

    def __init__(self, env: dict, workers: int, concurrency: int, tmp: str):
        self.env, self.workers, self.concurrency, self.tmp = env, workers, concurrency, tmp
        self.procs: list[subprocess.Popen] = []
        self.beat: subprocess.Popen | None = None
        self.logs: list = []

    def _spawn(self, args: list[str], tag: str, *, command=None) -> subprocess.Popen:
        log = open(Path(self.tmp) / f"{tag}.log", "ab")  # noqa: SIM115
        self.logs.append(log)
        return subprocess.Popen(
            command or [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we can kill it and its children
        )

    def start_workers(self) -> None:
        for i in range(self.workers):
            self.procs.append(
                self._spawn(
                    [
                        "worker",
                        "--loglevel",
                        "WARNING",
                        "-c",
                        str(self.concurrency),
                        "-n",
                        f"slabench{i}@%h",
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    f"worker{i}",
                )
            )
        # The relay publishes what the sweep queues (re-dispatch) as soon as it commits.
        self.procs.append(
            self._spawn([], "relay", command=[sys.executable, "manage.py", "relay_tasks"])
        )

    def start_beat(self) -> None:
        schedule = str(Path(self.tmp) / "beat-schedule")
        self.beat = self._spawn(["beat", "--loglevel", "WARNING", "-s", schedule], "beat")

    def kill_workers(self) -> None:
        for proc in self.procs:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.procs = []

    def stop_beat(self) -> None:
        if self.beat is not None:
            os.killpg(self.beat.pid, signal.SIGKILL)
            self.beat.wait()
            self.beat = None

    def stop(self) -> None:
        self.kill_workers()
        self.stop_beat()
        for log in self.logs:
            log.close()


def _load(n_clocks: int) -> int:
    """Tickets and running arrival clocks, all due far in the future. Returns the policy id."""
    from django.db import connection

    from tickets.models import Address, Appliance, Customer, ServiceArea, SlaPolicy

    area = ServiceArea.objects.create(
        code="BENCH",
        name="Bench",
        city="Qingdao",
        area_type="urban",
        centroid_lat=36.0,
        centroid_lng=120.3,
    )
    customer = Customer.objects.create(name="Bench", mobile="+8613800000000")
    address = Address.objects.create(customer=customer, line="1 Bench Road", area=area)
    appliance = Appliance.objects.create(
        customer=customer, category="fridge", brand="Haier", model_number="B-1"
    )
    policy = SlaPolicy.objects.get(priority="normal", area_type="urban")
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO tickets_ticket (number, channel, priority, fault_class, fault_description,
                fault_code, status, in_warranty, warranty_detail, public_token, close_reason,
                created_at, updated_at, address_id, appliance_id, area_id, customer_id,
                service_type_id)
            SELECT 'BENCH-' || g, 'hotline', 'normal', 'standard', 'bench', '',
                'awaiting_dispatch', true, '{}'::jsonb, md5(g::text || random()::text), '',
                now(), now(), %s, %s, %s, %s, 'repair'
            FROM generate_series(1, %s) AS g
            """,
            [address.pk, appliance.pk, area.pk, customer.pk, n_clocks],
        )
        cur.execute(
            """
            INSERT INTO tickets_slaclock (kind, ref, cycle, target_seconds, warn_ratio, state,
                started_at, segment_started_at, used_seconds, due_at, warn_at, warned_at,
                paused_seconds, pause_reason, created_at, ticket_id, policy_id)
            SELECT 'arrival', '', 1, 14400, 0.75, 'running', now(), now(), 0,
                now() + interval '1 day' + (random() * interval '1 day'),
                now() + interval '20 hours', now(), 0, '', now(), t.id, %s
            FROM tickets_ticket t WHERE t.area_id = %s
            """,
            [policy.pk, area.pk],
        )
        cur.execute("ANALYZE tickets_slaclock; ANALYZE tickets_ticket")
    return policy.pk


def _make_due(n_due: int, lead_s: float, window_s: float) -> None:
    """The first n_due clocks fall due evenly over [now+lead, now+lead+window]."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            WITH picked AS (
                SELECT id, row_number() OVER (ORDER BY id) AS rn FROM tickets_slaclock
                WHERE state = 'running' ORDER BY id LIMIT %s)
            UPDATE tickets_slaclock c
            SET due_at = clock_timestamp() + make_interval(secs => %s + %s * picked.rn / %s)
            FROM picked WHERE c.id = picked.id
            """,
            [n_due, lead_s, window_s, n_due],
        )


def _measure() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY lag),
                percentile_cont(0.99) WITHIN GROUP (ORDER BY lag),
                max(lag)
            FROM (SELECT extract(epoch FROM breach_noticed_at - due_at) AS lag
                  FROM tickets_slaclock WHERE state = 'breached') s
            """
        )
        handled, p50, p99, mx = cur.fetchone()
        cur.execute(
            """
            SELECT coalesce(sum(n - 1), 0) FROM (
                SELECT count(*) AS n FROM tickets_ticketevent WHERE kind = 'sla_breached'
                GROUP BY data->>'clock_id') s
            """
        )
        (dup_events,) = cur.fetchone()
        cur.execute("SELECT count(*) FROM tickets_ticketevent WHERE kind = 'sla_breached'")
        (events,) = cur.fetchone()
    # A duplicate is a breach handled twice (two events) or an event without its clock.
    return {
        "handled": handled,
        "lag_p50_s": round(float(p50 or 0), 3),
        "lag_p99_s": round(float(p99 or 0), 3),
        "lag_max_s": round(float(mx or 0), 3),
        "duplicates": int(dup_events) + max(0, int(events) - handled - int(dup_events)),
    }


def _idle_sweep_ms(runs: int = 50) -> float:
    from django.db import connection

    from tickets.sla.services import sla_sweep

    with connection.cursor() as cur:  # what autovacuum does on a live system
        cur.execute("VACUUM ANALYZE tickets_slaclock")
        cur.execute("VACUUM ANALYZE tickets_slaescalation")
    sla_sweep()  # warm the connection and caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        counts = sla_sweep()
        timings.append((time.perf_counter() - started) * 1000)
        assert not any(counts.values()), counts
    connection.close()
    return round(statistics.median(timings), 3)


def _wait_for(predicate, timeout: float, poll: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return predicate()


def _count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench sla")
    parser.add_argument("--clocks", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--sweep-seconds", type=float, default=1.0)
    parser.add_argument("--redis-port", type=int, default=8302)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--drill", action="store_true", help="run the fault drill instead")
    parser.add_argument("--outage-minutes", type=float, default=15.0)
    args = parser.parse_args(argv)
    if args.drill and "--clocks" not in " ".join(argv):
        args.clocks, args.due = 20_000, 2_000

    base = _base_db_url()
    url, dbname = _bench_db_url(base)
    broker = f"redis://127.0.0.1:{args.redis_port}/0"
    _admin_sql(base, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    _admin_sql(base, f'CREATE DATABASE "{dbname}"')
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "SLA_SWEEP_SECONDS": str(args.sweep_seconds),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()

    tmp = tempfile.mkdtemp(prefix="slabench-")
    redis_proc = _start_redis(args.redis_port)
    fleet = Fleet(env, args.workers, args.concurrency, tmp)
    try:
        started = time.monotonic()
        _load(args.clocks)
        load_s = round(time.monotonic() - started, 2)
        if args.drill:
            result = _drill(args, fleet, redis_proc_port=args.redis_port)
        else:
            fleet.start_workers()
            fleet.start_beat()
            time.sleep(3)  # let workers connect before the clock starts
            _make_due(args.due, lead_s=2.0, window_s=args.window)
            due_sql = "SELECT count(*) FROM tickets_slaclock WHERE state = 'breached'"
            _wait_for(lambda: _count(due_sql) >= args.due, timeout=args.window + 60)
            time.sleep(2 * args.sweep_seconds)  # let any duplicate show itself
            fleet.stop()
            result = {
                "bench": "sla",
                "clocks": args.clocks,
                "due": args.due,
                **_measure(),
                "idle_sweep_ms": _idle_sweep_ms(),
                "load_s": load_s,
                "workers": f"{args.workers}x{args.concurrency}",
            }
        return result
    finally:
        fleet.stop()
        redis_proc.kill()
        redis_proc.wait()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            _admin_sql(base, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def _drill(args, fleet: Fleet, redis_proc_port: int) -> dict:
    """SIGKILL the workers, flush Redis, stop beat; warnings and breaches fall due during the
    outage; restart and check every one is handled exactly once, within 60 seconds."""
    import redis
    from django.db import connection

    fleet.start_workers()
    fleet.start_beat()
    time.sleep(3)
    # Work in flight when the fault hits: some clocks fall due right now.
    _make_due(args.due // 4, lead_s=0.0, window_s=2.0)
    time.sleep(1.5)
    fleet.kill_workers()
    redis.Redis(port=redis_proc_port).flushall()
    fleet.stop_beat()
    outage = args.outage_minutes * 60
    with connection.cursor() as cur:
        # Everything else that fell due during the outage: breaches spread over it, and
        # warnings (75% used) for clocks not yet due.
        cur.execute(
            """
            WITH picked AS (
                SELECT id, row_number() OVER (ORDER BY id) AS rn FROM tickets_slaclock
                WHERE state = 'running' AND due_at > now() + interval '1 hour'
                ORDER BY id LIMIT %s)
            UPDATE tickets_slaclock c
            SET due_at = now() - make_interval(secs => %s * picked.rn / %s)
            FROM picked WHERE c.id = picked.id
            """,
            [args.due - args.due // 4, outage, args.due],
        )
        cur.execute(
            """
            WITH picked AS (
                SELECT id FROM tickets_slaclock
                WHERE state = 'running' AND due_at > now() + interval '1 hour'
                ORDER BY id LIMIT %s)
            UPDATE tickets_slaclock c
            SET warned_at = NULL, warn_at = now() - interval '5 minutes',
                due_at = now() + interval '2 hours'
            FROM picked WHERE c.id = picked.id
            """,
            [args.due],
        )
    restarted = time.monotonic()
    fleet.start_workers()
    fleet.start_beat()
    breached = "SELECT count(*) FROM tickets_slaclock WHERE state = 'breached'"
    warned = "SELECT count(*) FROM tickets_ticketevent WHERE kind = 'sla_warning'"
    _wait_for(lambda: _count(breached) >= args.due and _count(warned) >= args.due, timeout=120)
    recovered_s = round(time.monotonic() - restarted, 1)
    time.sleep(3)
    fleet.stop()
    measured = _measure()
    warn_dups = _count(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM tickets_ticketevent"
        " WHERE kind = 'sla_warning' GROUP BY data->>'clock_id') s"
    )
    return {
        "bench": "sla-drill",
        "clocks": args.clocks,
        "outage_minutes": args.outage_minutes,
        "breaches_expected": args.due,
        "breaches_handled": measured["handled"],
        "breach_duplicates": measured["duplicates"],
        "warnings_expected": args.due,
        "warnings_handled": _count(warned),
        "warning_duplicates": int(warn_dups),
        "recovered_within_s": recovered_s,
        "ok": measured["handled"] == args.due
        and measured["duplicates"] == 0
        and _count(warned) == args.due
        and warn_dups == 0
        and recovered_s <= 60,
    }
