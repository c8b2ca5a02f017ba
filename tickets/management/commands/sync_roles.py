"""`manage.py sync_roles`: create the role groups and grant their permissions (idempotent)."""

from django.core.management.base import BaseCommand

from tickets.auth import sync_role_permissions


class Command(BaseCommand):
    help = "Create the role groups and grant their permissions, including supervisors' master data."

    def handle(self, *args, **options):
        counts = sync_role_permissions()
        if options["verbosity"] > 1:
            for role, count in counts.items():
                self.stdout.write(f"{role}: {count} permissions")
