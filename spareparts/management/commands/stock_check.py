"""Recompute every stock row from the ledger and report any difference (there must be
none). Exits with status 1 when there is one."""

import json

from django.core.management.base import BaseCommand, CommandError

from spareparts.services.stock import negative_stock_count, stock_differences


class Command(BaseCommand):
    help = "Recompute stock from the ledger and report differences."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="One JSON line.")

    def handle(self, *args, **options):
        differences = stock_differences()
        negative = negative_stock_count()
        if options["json"]:
            self.stdout.write(json.dumps({"differences": differences, "negative": negative}))
        else:
            for d in differences:
                self.stdout.write(
                    "location {location_id} part {part_id}: stock {stock_on_hand}/"
                    "{stock_reserved}, ledger {ledger_on_hand}/{ledger_reserved}".format(**d)
                )
            self.stdout.write(f"{len(differences)} differences, {negative} negative")
        if differences or negative:
            raise CommandError("Stock differs from the ledger.")
