"""`python -m bench profile_dispatch --db NAME`: what one automatic dispatch decision costs.

Runs against a database that `python -m bench dispatch --db NAME --keep` built, on tickets
still waiting (each run uses up --decisions of them). One process, one connection, so the
figures do not depend on what else the machine is doing:

  - cpu_ms: this process's CPU time per decision (time.process_time);
  - db_cpu_ms: the Postgres backend's CPU time per decision (from /proc; local server only);
  - queries: SQL statements per decision (CaptureQueriesContext, in a separate pass so its
    own cost is not in cpu_ms), with savepoints and locks counted apart;
  - phases_cpu_ms: the same CPU split by phase (the candidate search, the ticket's state
    change, and within it the transition handlers: SLA clocks and the apps' reactions);
  - with --cprofile, the functions that take the most time (cumulative).

Options: --decisions N --seed N --cprofile --top N --show-sql --phases-db
"""

import argparse
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

from bench._common import _proc_cpu_s as _backend_cpu_s  # a Postgres server on this machine

BASE_DIR = Path(__file__).resolve().parent.parent


def _kind(sql: str) -> str:
    s = sql.lstrip()
    head = s.split(None, 1)[0].upper()
    if head in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "savepoint" if head != "ROLLBACK" or "SAVEPOINT" in s.upper() else "rollback"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', s, re.I)
    lock = " FOR UPDATE" if "FOR UPDATE" in s.upper() else ""
    return f"{head} {table.group(1) if table else '?'}{lock}"


def _tickets(n: int, seed: int) -> list[int]:
    from dispatch.models import QueueEntry
    from tickets.models import Ticket

    queued = QueueEntry.objects.values("ticket_id")
    ids = list(
        Ticket.objects.filter(status="awaiting_dispatch")
        .exclude(pk__in=queued)
        .values_list("pk", flat=True)
    )
    random.Random(seed).shuffle(ids)
    return ids[:n]


def _run(ids: list[int]) -> int:
    from dispatch.services import ticket_dispatch_auto
    from tickets.errors import Conflict

    assigned = 0
    for pk in ids:
        try:
            if ticket_dispatch_auto(ticket_id=pk) is not None:
                assigned += 1
        except Conflict:
            pass
    return assigned


class _Phases:
    """CPU time spent inside a few functions, by wrapping them where they are looked up."""

    def __init__(self):
        self.cpu: Counter = Counter()
        self.db: Counter = Counter()
        self.backend = 0  # the Postgres backend's pid, once known

    def wrap(self, owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            # The backend's CPU comes in 10 ms ticks: summed over many calls it evens out.
            d0 = _backend_cpu_s(self.backend) if self.backend else 0.0
            t0 = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.cpu[label] += time.process_time() - t0
                if self.backend:
                    self.db[label] += _backend_cpu_s(self.backend) - d0

        setattr(owner, name, timed)


def main(argv) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench profile_dispatch")
    parser.add_argument("--db", required=True, help="a database built with bench dispatch --keep")
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--phases-db", action="store_true", help="split the backend's CPU by phase too"
    )
    parser.add_argument("--show-sql", action="store_true", help="print one decision's SQL")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BASE_DIR))
    from bench._common import database_url

    os.environ["DATABASE_URL"] = database_url(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    n = args.decisions
    ids = _tickets(50 + 2 * n + 1, args.seed)
    warm, timed, counted, shown = ids[:50], ids[50 : 50 + n], ids[50 + n : 50 + 2 * n], ids[-1:]
    import dispatch.matching
    import dispatch.services.assignments
    import tickets.hooks

    phases = _Phases()
    phases.wrap(dispatch.matching, "find_candidates", "find_candidates")
    phases.wrap(dispatch.services.assignments, "ticket_transition", "ticket_transition")
    phases.wrap(tickets.hooks, "run_transition_handlers", "transition_handlers")
    _run(warm)  # connection, imports, translations, plans
    phases.cpu.clear()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        (backend,) = cur.fetchone()
    if args.phases_db:
        phases.backend = backend

    db0, cpu0, wall0 = _backend_cpu_s(backend), time.process_time(), time.perf_counter()
    if args.cprofile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    assigned = _run(timed)
    if args.cprofile:
        prof.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    db_cpu = _backend_cpu_s(backend) - db0
    phases_cpu = {k: round(v * 1000 / n, 2) for k, v in phases.cpu.items()}
    phases_db = {k: round(v * 1000 / n, 2) for k, v in phases.db.items()}

    kinds: Counter = Counter()
    total = 0
    for pk in counted:  # one capture per decision: the query log holds at most 9000
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            _run([pk])
        total += len(ctx.captured_queries)
        kinds.update(_kind(q["sql"]) for q in ctx.captured_queries)
    if args.show_sql:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as one:
            _run(shown)
        for q in one.captured_queries:
            print(f"[{q['time']}] {q['sql'][:600]}", file=sys.stderr)
    if args.cprofile:
        stats = pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(args.top)

    from dispatch.models import Assignment

    sizes = list(
        Assignment.objects.filter(ticket_id__in=timed)
        .extra(select={"c": "pg_column_size(candidates)"})
        .values_list("c", flat=True)
    )
    return {
        "bench": "profile_dispatch",
        "decisions": n,
        "assigned": assigned,
        "cpu_ms": round(cpu * 1000 / n, 2),
        "db_cpu_ms": round(db_cpu * 1000 / n, 2),
        "wall_ms": round(wall * 1000 / n, 2),
        "phases_cpu_ms": phases_cpu,
        "phases_db_cpu_ms": phases_db,
        "queries": round(total / n, 2),
        "query_kinds": {k: round(v / n, 2) for k, v in kinds.most_common()},
        "explanation_bytes": round(sum(sizes) / len(sizes)) if sizes else 0,
        "cprofile": args.cprofile,
    }
