"""KPI rollups (see kpis/definitions.py)."""

from django.db import models  # noqa: F401
