"""`manage.py relay_tasks`: the task-outbox relay. Publishes queued Celery tasks the moment
the transaction that queued them commits (Postgres LISTEN/NOTIFY). Run one or more."""

import signal

from django.core.management.base import BaseCommand

from tickets.taskqueue import relay_listen


class Command(BaseCommand):
    help = "Publish queued tasks from the task outbox as their transactions commit."

    def add_arguments(self, parser):
        parser.add_argument(
            "--idle-seconds",
            type=float,
            default=5.0,
            help="Look at the outbox at least this often without a notification.",
        )

    def handle(self, *args, **options):
        stopping = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.append(True))
        self.stdout.write("task relay: listening")
        relay_listen(idle_seconds=options["idle_seconds"], should_stop=lambda: bool(stopping))
        self.stdout.write("task relay: stopped")
