"""Load the demo operator. Idempotent: a second run adds nothing.

Each app that has demo data owns a `demo.py` with `build(stdout)`; they run in
dependency order, so engineers exist before tickets are dispatched to them.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = [
    "tickets.demo",
    "engineers.demo",
    "dispatch.demo",
    "spareparts.demo",
    "tickets.onsite.demo",
    "callbacks.demo",
    "callbacks.demo_complaints",
    "dispatch.demo_installation",  # after the callbacks demo resolves the newest queued jobs
    "tickets.extended_warranty.demo",
    "tickets.exchanges.demo",
    "proactive.demo",
    "tickets.sla.demo",  # backdates a few clocks of the tickets made above
    "kpis.demo",  # last: carries out some visits and catches the rollups up on everything
]


class Command(BaseCommand):
    help = "Load a believable demo operator (idempotent)."

    def handle(self, *args, **options):
        from tickets.auth import sync_role_permissions

        sync_role_permissions()
        for dotted in DEMO_MODULES:
            try:
                module = importlib.import_module(dotted)
            except ModuleNotFoundError as exc:
                if exc.name == dotted:
                    continue
                raise
            with transaction.atomic():
                module.build(self.stdout)
        from tickets.demo import print_logins

        print_logins(self.stdout)
        from tickets.api import print_demo_partner_token

        print_demo_partner_token(self.stdout)
