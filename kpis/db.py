"""Which database the kpis reads go to: the replica when one is configured (see
config/db_router.py), else the primary. Writes never come here."""

from django.conf import settings


def read_alias() -> str:
    return "replica" if "replica" in settings.DATABASES else "default"


def reads(manager_or_qs):
    return manager_or_qs.using(read_alias())
