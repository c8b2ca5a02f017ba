"""The read-replica router against a real hot standby: dashboard reads are served by it,
and a stopped replica falls back to the primary."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "kpis" / "scripts" / "replica_pair.sh"
PRIMARY, STANDBY = 5491, 5492


@pytest.fixture
def replica_pair(tmp_path):
    if not shutil.which("pg_basebackup") or not shutil.which("initdb"):
        pytest.skip("PostgreSQL server binaries are not installed")
    where = Path("/tmp") / f"kpis-replica-{os.getpid()}"
    subprocess.run([SCRIPT, "start", where, str(PRIMARY), str(STANDBY)], check=True, timeout=120)
    try:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(PRIMARY),
                "-U",
                "postgres",
                "-qc",
                "CREATE DATABASE svc",
            ],
            check=True,
        )
        yield where
    finally:
        subprocess.run([SCRIPT, "stop", where], timeout=60)
        shutil.rmtree(where, ignore_errors=True)


def test_dashboard_reads_go_to_the_standby_and_fall_back_when_it_stops(replica_pair):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PRIMARY}/svc",
        "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{STANDBY}/svc",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "kpis" / "replica_check.py"),
            str(SCRIPT),
            str(replica_pair),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["caught_up"] and result["in_recovery"]
    served = result["with_replica"]
    assert served["status"] == 200 and served["shows"]
    assert served["rollup_reads_replica"] > 0 and served["rollup_reads_primary"] == 0
    fallback = result["replica_stopped"]
    assert fallback["status"] == 200 and fallback["shows"]
    assert fallback["rollup_reads_primary"] > 0 and fallback["rollup_reads_replica"] == 0
