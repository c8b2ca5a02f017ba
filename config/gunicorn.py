"""gunicorn's settings for the web process (`gunicorn -c config/gunicorn.py`), used by the
image and the benches alike.

A sync worker that has not answered within `timeout` seconds is killed. The default, 30 s,
cut supervisors' large CSV exports (a million KPI facts, streamed at 40,000-60,000 rows a
second) off half-way; streaming keeps memory flat, so the export may take its time."""

import os

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "300"))
graceful_timeout = 30
