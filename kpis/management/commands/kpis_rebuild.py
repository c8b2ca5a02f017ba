from django.core.management.base import BaseCommand

from kpis.services import facts_service_type_backfill, rollups_rebuild


class Command(BaseCommand):
    help = "Recompute every KPI fact and rollup from the event log (after a definition changed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--service-types",
            action="store_true",
            help=(
                "Only give the facts counted before the service-type dimension existed their "
                "ticket's type and move their rollups (fast, in SQL batches; the catch-up "
                "keeps running)."
            ),
        )

    def handle(self, *args, service_types=False, **options):
        if service_types:
            moved = facts_service_type_backfill()
            self.stdout.write(f"{moved} KPI facts given their ticket's service type.")
            return
        count = rollups_rebuild()
        self.stdout.write(f"KPI facts and rollups rebuilt for {count} tickets.")
