"""`python -m bench parts`: part requests with sourcing and reservation, and "where is this
part nearest to this job", from 4 concurrent worker processes against a network of
20,000 SKUs, 8,000 service-point stores, 30,000 vans and 1,000,000 ledger rows.

Builds its own database (<your database>_partsbench; --reuse keeps a built one), loads the
network with SQL (stock rows are the ledger's sums), then runs for --seconds: four in five
operations are van-refill requests (store, then a regional warehouse within 50 km, then
central: reserve, approve by the rule table, plan the transfer), one in five a look-up; a
tenth of all operations hit 20 hot SKUs. Afterwards: negative stock rows and ledger/stock
differences (both must be 0). The services are called in-process, as a Celery task or a
view would call them (no HTTP in the measurement).
"""

import argparse
import math
import multiprocessing as mp
import os
import random
import time
import uuid

from ._common import bench_env, log, prepare_database, psql_connect

N_SKUS, N_STORES, N_VANS, N_REGIONAL = 20_000, 8_000, 30_000, 30
HOT = 20
SKUS_PER_STORE, SKUS_PER_VAN = 40, 2  # with central and regional: ~1,000,000 ledger rows


def _load(env: dict) -> None:
    conn = psql_connect(env)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM spareparts_ledgerentry")
        if cur.fetchone()[0] >= 900_000:
            log("network already loaded")
            return
        log("loading the network (SQL)")
        cur.execute("SELECT id FROM auth_group WHERE name = 'engineer'")
        group_id = cur.fetchone()[0]
        script = f"""
        INSERT INTO spareparts_part (sku, name, name_en, category, compatible_models, is_original,
               price, warranty_months, tracking, supplier, active)
        SELECT 'B-' || lpad(g::text, 6, '0'), '压测配件 ' || g, 'Bench part ' || g, 'fridge',
               '[]', true, (20 + (g % 60))::numeric, 12, 'batch', 'Bench supplier', true
          FROM generate_series(1, {N_SKUS}) g;
        INSERT INTO engineers_servicepoint (name, stars, stars_surveys, lat, lng, active)
        SELECT 'Bench point ' || g, 4, 0, 22 + (g % 100) * 0.2, 100 + (g / 100) * 0.3, true
          FROM generate_series(1, {N_STORES}) g;
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
               is_staff, is_active, date_joined)
        SELECT '!', false, 'bench' || g, '', '', '', false, true, now()
          FROM generate_series(1, {N_VANS}) g;
        INSERT INTO auth_user_groups (user_id, group_id)
        SELECT id, {group_id} FROM auth_user WHERE username LIKE 'bench%';
        INSERT INTO engineers_engineer (user_id, service_point_id, phone, skills, level,
               certification_expires_on, home_lat, home_lng, working_hours, days_off,
               max_concurrent, max_per_day, first_time_fix_rate, first_time_fix_jobs,
               service_types, active)
        SELECT u.id, sp.id, '', ARRAY['fridge'], 2, now()::date + 365, sp.lat, sp.lng, '{{}}',
               ARRAY[]::date[], 4, 8, 0.8, 0, ARRAY[]::varchar[], true
          FROM auth_user u
          JOIN engineers_servicepoint sp
            ON sp.name = 'Bench point ' || (1 + (substr(u.username, 6)::int % {N_STORES}))
         WHERE u.username LIKE 'bench%';
        INSERT INTO spareparts_location (kind, code, name, address, lat, lng, active)
        VALUES ('central', 'B-CW', 'Bench central', '', 31.2, 121.5, true);
        INSERT INTO spareparts_location (kind, code, name, address, lat, lng, active)
        SELECT 'regional', 'B-RW' || g, 'Bench regional ' || g, '', 22 + (g % 10) * 2,
               100 + (g / 10) * 8, true
          FROM generate_series(1, {N_REGIONAL}) g;
        INSERT INTO spareparts_location (kind, code, name, address, lat, lng, service_point_id,
               active)
        SELECT 'store', 'B-SP' || id, name, '', lat, lng, id, true
          FROM engineers_servicepoint WHERE name LIKE 'Bench point %';
        INSERT INTO spareparts_location (kind, code, name, address, lat, lng, engineer_id,
               active)
        SELECT 'van', 'B-VAN' || e.id, 'Van ' || e.id, '', e.home_lat, e.home_lng, e.id, true
          FROM engineers_engineer e JOIN auth_user u ON u.id = e.user_id
         WHERE u.username LIKE 'bench%';
        CREATE TEMP TABLE bp AS
          SELECT id, row_number() OVER (ORDER BY id) AS n FROM spareparts_part
           WHERE sku LIKE 'B-%';
        CREATE TEMP TABLE receipts AS
          SELECT l.id AS location_id, bp.id AS part_id,
                 CASE WHEN l.kind = 'central' THEN 100000 ELSE 50 END AS qty
            FROM spareparts_location l CROSS JOIN bp
           WHERE l.kind IN ('central', 'regional') AND l.code LIKE 'B-%'
          UNION ALL
          SELECT l.id, bp.id, 5
            FROM spareparts_location l
            JOIN generate_series(1, {SKUS_PER_STORE}) k ON true
            JOIN bp ON bp.n = 1 + ((l.id * 7919 + k * 104729) % {N_SKUS})
           WHERE l.kind = 'store' AND l.code LIKE 'B-%'
          UNION ALL
          SELECT l.id, bp.id, 2
            FROM spareparts_location l
            JOIN generate_series(1, {SKUS_PER_VAN}) k ON true
            JOIN bp ON bp.n = 1 + ((l.id * 31 + k * 7877) % {N_SKUS})
           WHERE l.kind = 'van' AND l.code LIKE 'B-%';
        INSERT INTO spareparts_ledgerentry (kind, location_id, part_id, on_hand_delta,
               reserved_delta, supplier, batch, serials, reason, request_key, created_at)
        SELECT 'receipt', location_id, part_id, qty, 0, 'Bench supplier', 'B1', '{{}}', '',
               '', now()
          FROM receipts;
        INSERT INTO spareparts_stock (location_id, part_id, on_hand, reserved, updated_at)
        SELECT location_id, part_id, SUM(qty), 0, now() FROM receipts
         GROUP BY location_id, part_id;
        ANALYZE;
        """
        cur.execute(script)
        cur.execute("SELECT count(*) FROM spareparts_ledgerentry")
        log(f"ledger rows: {cur.fetchone()[0]}")
    conn.close()


def _worker(seed: int, seconds: float, out) -> None:
    import django

    django.setup()
    from django.db import connection

    from engineers.models import Engineer
    from spareparts.models import Part
    from spareparts.selectors import part_locate
    from spareparts.services import NotEnoughStock, part_request_create

    rng = random.Random(seed)
    parts = list(Part.objects.filter(sku__startswith="B-").order_by("pk").only("pk", "sku"))
    hot = parts[:HOT]
    engineers = list(
        Engineer.objects.filter(user__username__startswith="bench")
        .select_related("user", "service_point")
        .order_by("?")[:2000]
    )
    from spareparts.selectors import part_get_by_sku  # warm the import

    part_get_by_sku(parts[0].sku)
    reserve_ms, locate_ms, refused = [], [], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        part = rng.choice(hot) if rng.random() < 0.1 else rng.choice(parts)
        engineer = rng.choice(engineers)
        if rng.random() < 0.8:
            t0 = time.perf_counter()
            try:
                part_request_create(
                    engineer_user=engineer.user,
                    sku=part.sku,
                    quantity=1,
                    request_key=uuid.uuid4().hex,
                )
            except NotEnoughStock:
                refused += 1
            reserve_ms.append((time.perf_counter() - t0) * 1000)
        else:
            sp = engineer.service_point
            t0 = time.perf_counter()
            part_locate(part=part, lat=sp.lat, lng=sp.lng)
            locate_ms.append((time.perf_counter() - t0) * 1000)
    connection.close()
    out.put({"reserve": reserve_ms, "locate": locate_ms, "refused": refused})


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[max(0, math.ceil(0.95 * len(values)) - 1)], 1)


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench parts")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="keep a database already built")
    args = parser.parse_args(argv)

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/service_dispatch")
    env = bench_env(base.rsplit("/", 1)[1] + "_partsbench")
    if not args.reuse:
        conn = psql_connect(env, maintenance=True)
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{env["DATABASE_URL"].rsplit("/", 1)[1]}"')
        conn.close()
    prepare_database(env, demo=False)
    _load(env)
    os.environ.update(env)

    log(f"running {args.workers} workers for {args.seconds:.0f} s")
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(i, args.seconds, out)) for i in range(args.workers)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    reserve = [ms for r in results for ms in r["reserve"]]
    locate = [ms for r in results for ms in r["locate"]]

    import django

    django.setup()
    from spareparts.services.stock import negative_stock_count, stock_differences

    mismatch = len(stock_differences())
    negative = negative_stock_count()
    log(
        f"{len(reserve)} requests ({sum(r['refused'] for r in results)} refused), "
        f"{len(locate)} look-ups in {elapsed:.1f} s"
    )
    return {
        "bench": "parts",
        "reservations_per_s": round(len(reserve) / args.seconds, 1),
        "reserve_p95_ms": _p95(reserve),
        "locate_p95_ms": _p95(locate),
        "negative": negative,
        "ledger_mismatch": mismatch,
    }
