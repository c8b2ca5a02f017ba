"""Run by tests/kpis/test_replica.py in its own process, against a throwaway primary and
its hot standby (kpis/scripts/replica_pair.sh): prints what the router did, as JSON."""

import json
import subprocess
import sys
import time

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from kpis.models import KpiRollup  # noqa: E402


def scalar(alias, sql):
    with connections[alias].cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def caught_up():
    target = scalar("default", "SELECT pg_current_wal_lsn()::text")
    for _ in range(100):
        if scalar("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            return True
        time.sleep(0.1)
    return False


def dashboard(client):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get("/kpi/?period=today")

    def rollups(ctx):
        return sum("kpis_kpirollup" in q["sql"] for q in ctx.captured_queries)

    return {
        "status": response.status_code,
        "shows": "90.0%" in response.content.decode(),
        "rollup_reads_primary": rollups(primary),
        "rollup_reads_replica": rollups(replica),
    }


call_command("migrate", verbosity=0)
user = User.objects.create_user("sam", password="x")
user.groups.add(Group.objects.get(name="supervisor"))
KpiRollup.objects.create(
    day=timezone.localdate(), kpi="ftf", grain="network", key=0, denominator=10, numerator=9
)
result = {"caught_up": caught_up(), "in_recovery": scalar("replica", "SELECT pg_is_in_recovery()")}
client = Client()
client.force_login(user)
result["with_replica"] = dashboard(client)
subprocess.run([sys.argv[1], "stop-standby", sys.argv[2]], check=True)
result["replica_stopped"] = dashboard(client)
print(json.dumps(result))
