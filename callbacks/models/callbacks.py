"""Follow-up callbacks, check-backs, surveys and customer ratings."""

from django.db import models  # noqa: F401

__all__: list[str] = []
