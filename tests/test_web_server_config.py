"""The web process's gunicorn settings: a supervisor's large CSV export streams for longer
than gunicorn's default 30 s worker timeout, which killed it half-way."""

import runpy
import subprocess
import sys

from django.conf import settings


def test_the_web_process_lets_a_long_export_finish(monkeypatch):
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    config = runpy.run_path(str(settings.BASE_DIR / "config" / "gunicorn.py"))
    assert config["timeout"] >= 120  # 1,000,000 rows at 40,000 rows/s is 25 s, with room
    image = (settings.BASE_DIR / "Dockerfile").read_text()
    assert "config/gunicorn.py" in image
    # gunicorn itself reads the file and takes the timeout from it.
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
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    assert any(
        line.replace(" ", "") == f"timeout={config['timeout']}"
        for line in printed.stdout.splitlines()
    ), printed.stdout[:2000]
