"""The web process's gunicorn settings come from one file, and a deployment that streams
very large CSV exports can give a worker longer than the 30 s default (which killed a
1M-row export half-way)."""

import subprocess
import sys

from django.conf import settings


def _timeout(env_value: str | None) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_TIMEOUT"}
    if env_value is not None:
        env["GUNICORN_TIMEOUT"] = env_value
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "config/gunicorn.py",
            "--print-config",
            "config.wsgi:application",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    (line,) = [x for x in printed.stdout.splitlines() if x.replace(" ", "").startswith("timeout=")]
    return line.split("=", 1)[1].strip()


def test_the_worker_timeout_is_set_in_one_place():
    assert "config/gunicorn.py" in (settings.BASE_DIR / "Dockerfile").read_text()
    assert _timeout(None) == "30"
    assert _timeout("300") == "300"
