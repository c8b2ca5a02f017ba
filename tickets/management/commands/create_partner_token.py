"""`manage.py create_partner_token <username>`: a partner system's API token."""

from django.core.management.base import BaseCommand

from tickets.api import partner_token_issue


class Command(BaseCommand):
    help = (
        "Create (or show) the API token of a partner system or device platform, creating the "
        "partner user when missing. Prints the token."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Replace the existing token with a new one."
        )

    def handle(self, *args, username, rotate, **options):
        self.stdout.write(partner_token_issue(username=username, rotate=rotate))
