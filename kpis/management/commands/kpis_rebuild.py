from django.core.management.base import BaseCommand

from kpis.services import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute every KPI fact and rollup from the event log (after a definition changed)."

    def handle(self, *args, **options):
        count = rollups_rebuild()
        self.stdout.write(f"KPI facts and rollups rebuilt for {count} tickets.")
