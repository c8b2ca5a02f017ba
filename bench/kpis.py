"""`python -m bench kpis`: the KPI dashboard over years of history.

History is generated in SQL (closed tickets spread over two years, each with the facts the
definitions would give it and the rollups that add them up) and kept for the next run;
it grows through the sizes on the way to --tickets (1M and 5M when the target is above
them), measuring at each. Measured through HTTP, logged in as the demo supervisor, at
--concurrency: the network month dashboard, one service point's month, a drill-down
list's first page, the rollups catching up after --events new events (through the real
catch-up service), and a CSV export of up to --csv-rows rows with the web worker's RSS.

The default size runs in a few minutes; the design's scale is `--tickets 20000000`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import urllib.request
from pathlib import Path

from ._common import (
    BASE_DIR,
    CpuMeter,
    Gunicorn,
    bench_env,
    host_reference_ms,
    log,
    prepare_database,
    psql_connect,
    run_load,
)

KPIS = [
    # code, share in the numerator, value range in seconds (None: a rate), hours after report
    ("ftf", 0.88, None, 6),
    ("repeat_fault", 0.04, None, 6),
    ("manual_dispatch", 0.07, None, 0.1),
    ("response_time", 1.0, (600, 18000), 1),
    ("time_to_arrive", 1.0, (3600, 28800), 3),
    ("on_time_arrival", 0.94, None, 3),
    ("sla_breach_arrival", 0.06, None, 3),
]
BATCH = 250_000


def _sql(conn, sql: str, params=None):
    with conn.cursor() as cur:
        cur.execute(sql, params or [])
        return cur.fetchall() if cur.description else None


def _history_size(conn) -> int:
    return _sql(conn, "SELECT count(*) FROM tickets_ticket WHERE number LIKE 'BK-%%'")[0][0]


def _grow(conn, target: int) -> float:
    """Add generated closed tickets (and their facts and rollups) up to `target`."""
    have = _history_size(conn)
    if have >= target:
        return 0.0
    t0 = time.perf_counter()
    customer_id, address_id = _sql(
        conn, "SELECT customer_id, id FROM tickets_address ORDER BY id LIMIT 1"
    )[0]
    areas = [r[0] for r in _sql(conn, "SELECT id FROM tickets_servicearea ORDER BY id")]
    engineers = _sql(conn, "SELECT id, service_point_id FROM engineers_engineer ORDER BY id")
    eng_ids = "ARRAY[" + ",".join(str(e) for e, _p in engineers) + "]::bigint[]"
    sp_ids = "ARRAY[" + ",".join(str(p) for _e, p in engineers) + "]::bigint[]"
    area_ids = "ARRAY[" + ",".join(str(a) for a in areas) + "]::bigint[]"
    n_eng, n_area = len(engineers), len(areas)
    for lo in range(have + 1, target + 1, BATCH):
        hi = min(target, lo + BATCH - 1)
        log(f"kpis bench: history tickets {lo:,}..{hi:,}")
        _sql(
            conn,
            f"""
            WITH a AS (
              INSERT INTO tickets_appliance (category, brand, model_number, serial_number,
                purchase_channel, proof_of_purchase, created_at, customer_id, has_extended_warranty,
                state)
              SELECT 'fridge', 'Haier', 'BCD-BENCH', 'BKA' || i, 'store', '',
                     now() - interval '800 days', {customer_id}, false, 'in_use'
              FROM generate_series({lo}, {hi}) i
              RETURNING id, serial_number
            )
            INSERT INTO tickets_ticket (number, channel, priority, fault_class,
              fault_description, fault_code, status, in_warranty, warranty_detail,
              public_token, close_reason, created_at, updated_at, closed_at, address_id,
              appliance_id, area_id, customer_id, service_type_id)
            SELECT 'BK-' || s.i, 'hotline', 'normal', 'standard', 'bench', '', 'closed', true,
                   '{{}}', md5('bk' || s.i), 'bench', s.at, s.at, s.at + interval '2 days',
                   {address_id}, a.id, ({area_ids})[1 + s.i %% {n_area}], {customer_id}, 'repair'
            FROM a, LATERAL (SELECT substr(a.serial_number, 4)::bigint AS i,
                   now() - interval '1 hour' - (random() * interval '730 days') AS at) s
            """,
        )
        lo_id, hi_id = _sql(
            conn,
            "SELECT min(id), max(id) FROM tickets_ticket WHERE number = ANY(%s)",
            [[f"BK-{lo}", f"BK-{hi}"]],
        )[0]
        for code, share, span, after in KPIS:
            value = "0" if span is None else f"({span[0]} + random() * {span[1] - span[0]})::int"
            _sql(
                conn,
                f"""
                INSERT INTO kpis_kpifact (ticket_id, kpi, version, at, day, area_id,
                  service_point_id, engineer_id, service_type_id, numerator, value, detail)
                SELECT t.id, '{code}', 1, x.at, (x.at AT TIME ZONE 'Asia/Shanghai')::date,
                       t.area_id, ({sp_ids})[1 + t.id %% {n_eng}], t.service_type_id,
                       ({eng_ids})[1 + t.id %% {n_eng}], random() < {share}, {value}, '{{}}'
                FROM tickets_ticket t,
                     LATERAL (SELECT t.created_at + interval '{after} hours' AS at) x
                WHERE t.id BETWEEN {lo_id} AND {hi_id} AND t.number LIKE 'BK-%%'
                """,
            )
        for grain, key in (
            ("network", "0"),
            ("area", "area_id"),
            ("point", "coalesce(service_point_id, 0)"),
            ("engineer", "coalesce(engineer_id, 0)"),
        ):
            _sql(
                conn,
                f"""
                INSERT INTO kpis_kpirollup (day, kpi, service_type, grain, key, denominator,
                  numerator, value_sum)
                SELECT day, kpi, coalesce(service_type_id, ''), '{grain}', {key}, count(*),
                       count(*) FILTER (WHERE numerator), sum(value)
                FROM kpis_kpifact WHERE ticket_id BETWEEN {lo_id} AND {hi_id}
                GROUP BY day, kpi, service_type_id{"" if key == "0" else ", " + key}
                ON CONFLICT (grain, key, service_type, kpi, day) DO UPDATE SET
                  denominator = kpis_kpirollup.denominator + EXCLUDED.denominator,
                  numerator = kpis_kpirollup.numerator + EXCLUDED.numerator,
                  value_sum = kpis_kpirollup.value_sum + EXCLUDED.value_sum
                """,
            )
    _sql(conn, "ANALYZE tickets_ticket; ANALYZE kpis_kpifact; ANALYZE kpis_kpirollup")
    return round(time.perf_counter() - t0, 1)


def _new_events(conn, n_events: int) -> int:
    """Fresh repairs written as their event logs (8 events each); returns the last id."""
    n = max(1, n_events // 8)
    row = _sql(
        conn,
        "SELECT e.user_id, t.id FROM engineers_engineer e, tickets_ticket t "
        "WHERE t.number LIKE 'BK-%%' ORDER BY e.id, t.id LIMIT 1",
    )
    user_id = row[0][0]
    mark = f"LIVE-{int(time.time())}-"
    _sql(
        conn,
        f"""
        WITH a AS (
          INSERT INTO tickets_appliance (category, brand, model_number, serial_number,
            purchase_channel, proof_of_purchase, created_at, customer_id, has_extended_warranty,
            state)
          SELECT 'fridge', 'Haier', 'BCD-BENCH', '{mark}' || i, 'store', '', now(),
                 (SELECT customer_id FROM tickets_address ORDER BY id LIMIT 1), false, 'in_use'
          FROM generate_series(1, {n}) i RETURNING id, serial_number
        )
        INSERT INTO tickets_ticket (number, channel, priority, fault_class, fault_description,
          fault_code, status, in_warranty, warranty_detail, public_token, close_reason,
          created_at, updated_at, address_id, appliance_id, area_id, customer_id, service_type_id)
        SELECT a.serial_number, 'hotline', 'normal', 'standard', 'bench', '', 'completed', true,
               '{{}}', md5(a.serial_number), '', now() - interval '5 hours', now(),
               (SELECT id FROM tickets_address ORDER BY id LIMIT 1), a.id,
               (SELECT id FROM tickets_servicearea ORDER BY id LIMIT 1),
               (SELECT customer_id FROM tickets_address ORDER BY id LIMIT 1), 'repair'
        FROM a
        """,
    )
    steps = [
        ("status", "new", "awaiting_dispatch", "{}", 0),
        (
            "status",
            "awaiting_dispatch",
            "assigned",
            f'{{"engineer_user_id": {user_id}, "manual": false}}',
            5,
        ),
        ("status", "assigned", "accepted", "{}", 10),
        (
            "customer_call",
            "accepted",
            "accepted",
            f'{{"outcome": "reached", "engineer_user_id": {user_id}}}',
            40,
        ),
        ("status", "accepted", "scheduled", "{}", 45),
        ("status", "scheduled", "on_site", '{"check_in": true}', 170),
        ("diagnosis", "on_site", "on_site", '{"fault": "not_cooling"}', 175),
        ("status", "on_site", "completed", '{"outcome": "fixed"}', 240),
    ]
    for kind, frm, to, data, minutes in steps:
        _sql(
            conn,
            f"""
            INSERT INTO tickets_ticketevent (ticket_id, kind, actor_id, actor_label,
              from_status, to_status, reason, data, created_at)
            SELECT t.id, '{kind}', {user_id if to != "awaiting_dispatch" else "NULL"},
                   'bench', '{frm}', '{to}', '', '{data}'::jsonb,
                   t.created_at + interval '{minutes} minutes'
            FROM tickets_ticket t WHERE t.number LIKE '{mark}%%'
            """,
        )
    return _sql(conn, "SELECT max(id) FROM tickets_ticketevent")[0][0]


def _rollup_lag(conn, n_events: int) -> dict:
    from kpis.models import KpiWatermark
    from kpis.services import rollups_catch_up

    top = _sql(conn, "SELECT coalesce(max(id), 0) FROM tickets_ticketevent")[0][0]
    KpiWatermark.objects.update_or_create(
        name="events", defaults={"last_event_id": top, "value": str(top)}
    )
    last = _new_events(conn, n_events)
    t0 = time.perf_counter()
    runs = 0
    while KpiWatermark.objects.get(name="events").last_event_id < last:
        rollups_catch_up()
        runs += 1
    return {"rollup_lag_s": round(time.perf_counter() - t0, 2), "rollup_runs": runs}


def _rss_mb(pids) -> float:
    best = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    best = max(best, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return best


def _csv(server, cookies, path: str) -> dict:
    from ._common import child_pids

    pids = child_pids(server.proc.pid)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb(pids))
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    request = urllib.request.Request(
        server.url(path),
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    t0 = time.perf_counter()
    rows = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        while chunk := response.read(1 << 20):
            rows += chunk.count(b"\n")
    took = time.perf_counter() - t0
    done.set()
    watcher.join()
    rows -= 1  # the header
    return {
        "csv_rows": rows,
        "csv_rows_per_s": round(rows / took) if took else 0,
        "csv_rss_mb": round(peak[0], 1),
    }


def _supervisor_login(base_url: str) -> dict[str, str]:
    """The demo supervisor's session, through the password page and then the second factor
    (supervisors must have one; the demo enrols them with DEMO_TOTP_SECRET)."""
    import http.cookiejar
    import re
    import urllib.parse

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tickets.second_factor import DEMO_TOTP_SECRET

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, fields: dict) -> str:
        page = opener.open(f"{base_url}{path}", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            f"{base_url}{path}", data=data, headers={"Referer": f"{base_url}/"}
        )
        with opener.open(request, timeout=30) as response:
            return response.geturl()

    landed = post("/accounts/login/", {"login": "supervisor", "password": "demo-pass-2026"})
    if "/2fa/" in landed:
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))
        post(urllib.parse.urlsplit(landed).path, {"code": code})
    cookies = {c.name: c.value for c in jar}
    check = urllib.request.Request(
        f"{base_url}/kpi/?period=month",
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    with urllib.request.urlopen(check, timeout=60) as response:
        if "/kpi/" not in response.geturl():
            raise RuntimeError(f"supervisor login failed: landed on {response.geturl()}")
    return cookies


def _measure(env, args, conn) -> dict:
    point = _sql(conn, "SELECT id FROM engineers_servicepoint ORDER BY id LIMIT 1")[0][0]
    first_day = _sql(conn, "SELECT min(day) FROM kpis_kpifact")[0][0]
    # The 1M-row CSV export streams for longer than the 30 s default worker timeout.
    with Gunicorn(
        env | {"GUNICORN_TIMEOUT": "300"}, port=args.port, workers=args.workers
    ) as server:
        cookies = _supervisor_login(server.url(""))

        def load(path):
            # The cores are shared: the CPU a request costs (gunicorn workers and their
            # Postgres backends) is steadier than its latency.
            meter = CpuMeter(env, server)
            meter.start()
            result = run_load(
                lambda i: ("GET", server.url(path), None, {}),
                concurrency=args.concurrency,
                duration_s=args.duration,
                cookies=cookies,
            )
            app_s, db_s = meter.stop_split()
            stats = result.stats()
            if stats["errors"]:
                raise RuntimeError(f"{path}: {stats}")
            served = max(1, len(result.latencies_ms))
            stats["cpu_ms_per_request"] = round((app_s + db_s) * 1000 / served, 1)
            stats["db_cpu_ms_per_request"] = round(db_s * 1000 / served, 1)
            return stats

        out = {
            "host_reference_ms": host_reference_ms(),
            "dashboard": load("/kpi/?period=month"),
            "point": load(f"/kpi/?period=month&point={point}"),
            "drill": load("/kpi/ftf/tickets/?period=month"),
            "breakdown": load("/kpi/breakdown/?period=month&by=point"),
        }
        end = time.strftime("%Y-%m-%d")
        out.update(
            _csv(
                server,
                cookies,
                f"/kpi/ftf/tickets/?period=range&start={first_day}&end={end}&format=csv"
                if args.csv_rows >= 10**9
                else f"/kpi/ftf/tickets/?period=range&start={_csv_start(conn, args.csv_rows)}"
                f"&end={end}&format=csv",
            )
        )
    return out


def _csv_start(conn, rows: int):
    """The first day of the latest range holding about `rows` first-time-fix facts."""
    found = _sql(
        conn,
        "SELECT day FROM (SELECT day, sum(denominator) OVER (ORDER BY day DESC) AS c "
        "FROM kpis_kpirollup WHERE grain = 'network' AND kpi = 'ftf') s "
        "WHERE c >= %s ORDER BY day DESC LIMIT 1",
        [rows],
    )
    if found:
        return found[0][0]
    return _sql(conn, "SELECT min(day) FROM kpis_kpifact")[0][0]


def _summary(m: dict) -> dict:
    return {
        "dashboard_p95_ms": m["dashboard"]["p95_ms"],
        "point_p95_ms": m["point"]["p95_ms"],
        "drill_p95_ms": m["drill"]["p95_ms"],
        "breakdown_p95_ms": m["breakdown"]["p95_ms"],
        "cpu_ms_per_request": {
            page: m[page]["cpu_ms_per_request"]
            for page in ("dashboard", "point", "drill", "breakdown")
        },
        "host_reference_ms": m["host_reference_ms"],
        "csv_rows": m["csv_rows"],
        "csv_rows_per_s": m["csv_rows_per_s"],
        "csv_rss_mb": m["csv_rss_mb"],
    }


def main(argv) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench kpis")
    parser.add_argument("--tickets", type=int, default=300_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per page")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8188)
    parser.add_argument("--db", default="svc_bench_kpis")
    args = parser.parse_args(argv)

    env = bench_env(args.db)
    prepare_database(env)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")})
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    conn = psql_connect(env)
    steps = [s for s in (1_000_000, 5_000_000) if s < args.tickets] + [args.tickets]
    growth, generate_s = {}, 0.0
    for size in steps:
        generate_s += _grow(conn, size)
        measured = _measure(env, args, conn)
        if size != args.tickets:
            growth[f"{size // 1_000_000}M"] = _summary(measured)
    lag = _rollup_lag(conn, args.events)
    conn.close()
    return {
        "bench": "kpis",
        "tickets": args.tickets,
        **_summary(measured),
        **lag,
        "generate_s": generate_s,
        "growth": growth,
        "concurrency": args.concurrency,
        "detail": measured,
    }
