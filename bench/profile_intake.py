"""`python -m bench profile_intake`: what one API intake costs, in-process and without HTTP:
statements per ticket, CPU milliseconds of this process and of its Postgres backend. On a
shared machine CPU per request moves far less than a throughput figure does.

Uses the `bench intake` database (`--db`), which must exist (run `bench intake` once).
`--cprofile` prints the top functions by cumulative time; `--queries` lists one ticket's SQL.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

from bench._common import _proc_cpu_s, bench_env, log


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench profile_intake")
    p.add_argument("--db", default="svc_bench_intake")
    p.add_argument("--tickets", type=int, default=1000)
    p.add_argument("--cprofile", action="store_true")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--sort", default="cumulative", help="cProfile order: cumulative, tottime")
    p.add_argument("--queries", action="store_true")
    p.add_argument("--query-chars", type=int, default=150, help="how much of each statement")
    return p.parse_args(argv)


def main(argv) -> dict:
    args = parse(argv)
    os.environ.update(bench_env(args.db))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.intake import intake_requests
    from tickets.api import partner_token_issue

    token = partner_token_issue(username="bench-partner")
    client = Client(HTTP_HOST="127.0.0.1")
    make = intake_requests("/api/v1/tickets/", token, seed=random.randrange(10**6))

    def post(i: int) -> None:
        _method, url, body, headers = make(i)
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        response = client.post(url, data=json.dumps(body), content_type="application/json", **extra)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")

    for i in range(50):  # warm: imports, caches, connection
        post(i)
    counts = []
    for i in range(50, 100):
        with CaptureQueriesContext(connection) as queries:
            post(i)
        counts.append(len(queries.captured_queries))
    if args.queries:
        for q in queries.captured_queries:
            log(f"  {q['sql'][: args.query_chars]}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    db_before, app_before = _proc_cpu_s(backend), time.process_time()
    for i in range(100, 100 + args.tickets):
        post(i)
    app_ms = (time.process_time() - app_before) * 1000 / args.tickets
    db_ms = (_proc_cpu_s(backend) - db_before) * 1000 / args.tickets

    if args.cprofile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for i in range(200):
            post(10**6 + i)
        profile.disable()
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)

    return {
        "bench": "profile_intake",
        "tickets": args.tickets,
        "statements_per_ticket_avg": round(sum(counts) / len(counts), 1),
        "statements_per_ticket_max": max(counts),
        "app_cpu_ms_per_ticket": round(app_ms, 2),
        "db_cpu_ms_per_ticket": round(db_ms, 2),
    }
