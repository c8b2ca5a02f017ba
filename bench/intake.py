"""`python -m bench intake`: ticket intake through the API, then the agent's phone lookup
and ticket list with a million customers and a million tickets.

1. Its own database (`svc_bench_intake` next to your DATABASE_URL), created and migrated,
   with the demo operator loaded; the app served by gunicorn with DEBUG off.
2. POST /api/v1/tickets/ as a partner (token, a fresh Idempotency-Key per ticket) at
   concurrency 1, 8 and 32, `--duration` seconds each.
3. 1,000,000 customers (address, appliance) and 1,000,000 tickets generated in SQL
   (kept for the next run), then ANALYZE.
4. Logged in as an agent (session cookie), concurrency 8: GET /console/?phone=<last 4-8
   digits or the full number> and GET /tickets/?status=awaiting_dispatch.

The last line printed is the JSON result; progress goes to stderr. Each intake level carries
`host_reference_ms` (bench._common.host_reference_ms): how fast the shared host was just
before it.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid

from bench._common import (
    CpuMeter,
    Gunicorn,
    bench_env,
    host_reference_ms,
    log,
    manage,
    prepare_database,
    psql_connect,
    run_load,
    session_login,
)

AREAS = ["QD-SN", "QD-LS", "QD-JM", "ZH-XZ", "ZH-DM"]
CATEGORIES = ["fridge", "ac", "washer", "water_heater", "tv"]
# Generated customers have mobiles +86 147 NNNNNNNN (N = 0 .. count-1): a prefix the demo
# never draws, so they cannot collide with its customers (one customer per mobile).
BULK_PREFIX = "147"


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench intake")
    p.add_argument("--db", default="svc_bench_intake")
    p.add_argument("--port", type=int, default=8201)
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    p.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per load step")
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--read-concurrency", type=int, default=8)
    p.add_argument("--skip-intake", action="store_true")
    p.add_argument("--skip-reads", action="store_true", help="only the intake part")
    p.add_argument("--levels", default="1,8,32", help="intake concurrency levels, comma-separated")
    return p.parse_args(argv)


# --- intake through the API ---------------------------------------------------------------


def intake_requests(url: str, token: str, seed: int):
    rng = random.Random(seed)
    today = time.strftime("%Y-%m-%d")
    year_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 400 * 86400))

    def make(i: int):
        # Mostly new callers, some repeat callers (found by mobile, appliance by serial).
        n = rng.randrange(200_000) if rng.random() < 0.3 else rng.randrange(10**8)
        body = {
            "channel": rng.choice(["partner_api", "web", "store"]),
            "customer_name": f"压测客户{n}",
            "mobile": f"+86186{n:08d}",
            "address_line": f"青岛市市南区香港中路{n % 300}号",
            "area_code": AREAS[n % len(AREAS)],
            "lat": 36.06,
            "lng": 120.38,
            "category": CATEGORIES[n % len(CATEGORIES)],
            "brand": "海尔",
            "model": "BCD-470WDPG",
            "serial_number": f"BN{n:010d}",
            "purchase_date": year_ago if n % 2 else today,
            "fault_description": "不制冷，压缩机有异响",
            "fault_class": "standard",
            "priority": "normal",
        }
        headers = {
            "Authorization": f"Token {token}",
            "Idempotency-Key": str(uuid.uuid4()),
            "Accept-Language": "zh-hans",
        }
        return "POST", url, body, headers

    return make


# --- a million customers and tickets in SQL ----------------------------------------------

BULK_SQL = """
CREATE TABLE IF NOT EXISTS bench_marker (name text PRIMARY KEY, value bigint NOT NULL);

INSERT INTO tickets_customer (id, name, mobile, mobile_reversed, duplicate_reason, created_at,
                              updated_at)
SELECT %(c0)s + g, '客户' || g, '+86{p}' || lpad(g::text, 8, '0'),
       reverse('{p}' || lpad(g::text, 8, '0')), '',
       now() - (g || ' seconds')::interval * 60, now()
FROM generate_series(0, %(n)s - 1) AS g;

INSERT INTO tickets_address (id, customer_id, line, area_id, lat, lng, is_default, contact_name,
                             needs_confirmation)
SELECT %(a0)s + g, %(c0)s + g, '测试路' || (g %% 500) || '号' || (g %% 30) || '栋',
       (%(areas)s)[1 + g %% array_length(%(areas)s, 1)],
       36.0 + (g %% 1000) / 10000.0, 120.3 + (g %% 777) / 10000.0, true, '', false
FROM generate_series(0, %(n)s - 1) AS g;

INSERT INTO tickets_appliance (id, customer_id, category, brand, model_number, serial_number,
                               purchase_date, purchase_channel, proof_of_purchase, created_at,
                               has_extended_warranty, state)
SELECT %(p0)s + g, %(c0)s + g,
       (ARRAY['fridge','ac','washer','water_heater','tv'])[1 + g %% 5], '海尔', 'BCD-470WDPG',
       'BK' || lpad(g::text, 10, '0'), current_date - (g %% 2500), 'store', '',
       now() - (g || ' seconds')::interval * 60, false, 'in_use'
FROM generate_series(0, %(n)s - 1) AS g;
"""

TICKETS_SQL = """
INSERT INTO tickets_ticket (
    id, number, customer_id, appliance_id, address_id, area_id, channel, priority, fault_class,
    fault_description, fault_code, status, in_warranty, warranty_detail, fee_estimate,
    public_token, close_reason, created_at, updated_at, closed_at, service_type_id)
SELECT %(t0)s + g,
       'SR-' || to_char(now() - (g || ' seconds')::interval * 60, 'YYYYMMDD') || '-9'
             || lpad(g::text, 7, '0'),
       %(c0)s + (g %% %(n)s), %(p0)s + (g %% %(n)s), %(a0)s + (g %% %(n)s),
       (%(areas)s)[1 + (g %% %(n)s) %% array_length(%(areas)s, 1)],
       (ARRAY['hotline','web','partner_api','store','iot_alarm'])[1 + g %% 5],
       (ARRAY['normal','normal','normal','emergency','appointment'])[1 + g %% 5],
       'standard', '不制冷', '',
       CASE WHEN g %% 100 < 2 THEN 'awaiting_dispatch'
            WHEN g %% 100 < 3 THEN 'assigned'
            WHEN g %% 100 < 4 THEN 'scheduled'
            WHEN g %% 100 < 5 THEN 'awaiting_fee_acceptance'
            WHEN g %% 100 < 7 THEN 'completed'
            WHEN g %% 100 < 9 THEN 'cancelled'
            ELSE 'closed' END,
       g %% 3 <> 0, '{}'::jsonb, NULL,
       md5('bench-ticket-' || g), '',
       now() - (g || ' seconds')::interval * 60, now(),
       CASE WHEN g %% 100 >= 7 THEN now() - (g || ' seconds')::interval * 60 + interval '2 days'
            ELSE NULL END,
       'repair'
FROM generate_series(0, %(m)s - 1) AS g;
"""


def _marker(cur, name: str) -> int | None:
    cur.execute("CREATE TABLE IF NOT EXISTS bench_marker (name text PRIMARY KEY, value bigint)")
    cur.execute("SELECT value FROM bench_marker WHERE name = %s", [name])
    row = cur.fetchone()
    return row[0] if row else None


def generate_bulk(env, *, customers: int, tickets: int) -> dict:
    conn = psql_connect(env)
    conn.autocommit = False
    with conn.cursor() as cur:
        have = _marker(cur, "bulk")
        conn.commit()
        if have == customers * 10**7 + tickets:
            log(f"reusing {customers:,} generated customers and {tickets:,} tickets")
            return {"generated_s": 0.0, "reused": True}
        if have is not None:
            raise SystemExit(
                "the bench database holds bulk data of another size: "
                f"drop it (DROP DATABASE {env['DATABASE_URL'].rsplit('/', 1)[1]}) and re-run"
            )
        log(f"generating {customers:,} customers and {tickets:,} tickets in SQL...")
        t0 = time.monotonic()
        cur.execute("SELECT array_agg(id ORDER BY code) FROM tickets_servicearea")
        (areas,) = cur.fetchone()
        starts = {}
        for key, table in (
            ("c0", "tickets_customer"),
            ("a0", "tickets_address"),
            ("p0", "tickets_appliance"),
            ("t0", "tickets_ticket"),
        ):
            cur.execute(f"SELECT coalesce(max(id), 0) + 1000 FROM {table}")
            starts[key] = cur.fetchone()[0]
        params = {**starts, "n": customers, "m": tickets, "areas": areas}
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute(BULK_SQL.format(p=BULK_PREFIX), params)
        log(f"  customers, addresses, appliances: {time.monotonic() - t0:.0f} s")
        cur.execute(TICKETS_SQL, params)
        log(f"  tickets: {time.monotonic() - t0:.0f} s")
        for table in ("tickets_customer", "tickets_address", "tickets_appliance", "tickets_ticket"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute(
            "INSERT INTO bench_marker (name, value) VALUES ('bulk', %s)",
            [customers * 10**7 + tickets],
        )
        conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE tickets_customer")
        cur.execute("VACUUM ANALYZE tickets_address")
        cur.execute("VACUUM ANALYZE tickets_appliance")
        cur.execute("VACUUM ANALYZE tickets_ticket")
    conn.close()
    took = time.monotonic() - t0
    log(f"  generated and analysed in {took:.0f} s")
    return {"generated_s": round(took, 1), "reused": False}


# --- the agent's pages --------------------------------------------------------------------


def phone_requests(base: str, customers: int, seed: int):
    rng = random.Random(seed)

    def make(i: int):
        number = f"{BULK_PREFIX}{rng.randrange(customers):08d}"
        kind = i % 3
        if kind == 0:
            query = number  # the full number (a screen pop from the softphone)
        else:
            query = number[-rng.randint(4, 8) :]  # the last digits the caller reads out
        return "GET", f"{base}/console/?phone={query}", None, {"Accept-Language": "zh-hans"}

    return make


def list_requests(base: str):
    def make(i: int):
        return (
            "GET",
            f"{base}/tickets/?status=awaiting_dispatch",
            None,
            {"Accept-Language": "zh-hans"},
        )

    return make


def _with_samples(result) -> dict:
    stats = result.stats()
    if result.error_samples:
        stats["error_statuses"] = result.error_samples
    return stats


def main(argv) -> dict:
    args = parse(argv)
    env = bench_env(args.db)
    log(f"preparing database {args.db}...")
    prepare_database(env)
    token = manage(env, "create_partner_token", "bench-partner", capture=True).strip()
    out: dict = {"bench": "intake"}
    server_args = dict(
        port=args.port, workers=args.workers, worker_class=args.worker_class, threads=args.threads
    )

    if not args.skip_intake:
        with Gunicorn(env, **server_args) as server:
            url = server.url("/api/v1/tickets/")
            # Warm every worker's connections and caches; not measured.
            # A new seed every run: the database outlives a run, and a repeated sequence of
            # callers would find every one of them registered already.
            seed = random.randrange(2**32)
            run_load(intake_requests(url, token, seed), concurrency=8, duration_s=1.5)
            meter = CpuMeter(env, server)
            for c in [int(level) for level in args.levels.split(",")]:
                log(f"intake at concurrency {c} for {args.duration:.0f} s...")
                reference = host_reference_ms()
                meter.start()
                client_before = time.process_time()
                result = run_load(
                    intake_requests(url, token, seed + c), concurrency=c, duration_s=args.duration
                )
                app_s, db_s = meter.stop_split()
                client_s = time.process_time() - client_before
                out[f"c{c}"] = _with_samples(result)
                out[f"c{c}"]["host_reference_ms"] = reference
                done = len(result.latencies_ms)
                if done:
                    # Server-side CPU (gunicorn + Postgres) per ticket: 2 cores / this is
                    # the rate the server could sustain on an otherwise idle machine.
                    out[f"c{c}"]["server_cpu_ms_per_request"] = round(
                        (app_s + db_s) * 1000 / done, 2
                    )
                    out[f"c{c}"]["app_cpu_ms_per_request"] = round(app_s * 1000 / done, 2)
                    out[f"c{c}"]["db_cpu_ms_per_request"] = round(db_s * 1000 / done, 2)
                    # The load generator's own share of the two cores.
                    out[f"c{c}"]["client_cpu_ms_per_request"] = round(client_s * 1000 / done, 2)
                log(f"  {out[f'c{c}']}")

    if args.skip_reads:
        return out
    bulk = generate_bulk(env, customers=args.customers, tickets=args.tickets)

    with Gunicorn(env, **server_args) as server:
        base = server.url("")
        cookies = session_login(base, "agent", "demo-pass-2026")
        c = args.read_concurrency
        run_load(
            phone_requests(base, args.customers, 0), concurrency=c, duration_s=1, cookies=cookies
        )
        log(f"phone lookup at concurrency {c}...")
        phone = run_load(
            phone_requests(base, args.customers, 1),
            concurrency=c,
            duration_s=args.duration,
            cookies=cookies,
            ok_statuses=(200,),
        )
        log(f"  {_with_samples(phone)}")
        run_load(list_requests(base), concurrency=c, duration_s=1, cookies=cookies)
        log(f"ticket list at concurrency {c}...")
        listing = run_load(
            list_requests(base),
            concurrency=c,
            duration_s=args.duration,
            cookies=cookies,
            ok_statuses=(200,),
        )
        log(f"  {_with_samples(listing)}")

    out["phone_lookup_ms_p95"] = phone.stats()["p95_ms"]
    out["ticket_list_ms_p95"] = listing.stats()["p95_ms"]
    out["phone_lookup"] = _with_samples(phone)
    out["ticket_list"] = _with_samples(listing)
    out["data"] = {"customers": args.customers, "tickets": args.tickets, **bulk}
    return out
