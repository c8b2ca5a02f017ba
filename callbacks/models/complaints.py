"""Complaints (ISO 10002 steps) and quality-assurance reviews."""

from django.db import models  # noqa: F401

__all__: list[str] = []
