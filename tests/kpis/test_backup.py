"""`make backup` taken while tickets, events and photos are being written restores into a
fresh database with every one committed before it started, and every photo's file."""

import os
import subprocess
import threading
import time
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from tests.factories import ticket_create
from tickets.models import Ticket, TicketEvent, TicketPhoto

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_during_writes_restores_every_committed_row_and_photo(
    world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    stop = threading.Event()
    committed = []  # (ticket id, photo id, when) after each commit

    def writer():
        try:
            while not stop.is_set():
                t = ticket_create()
                photo = TicketPhoto(ticket=t)
                photo.image.save(f"{t.number}.jpg", ContentFile(b"\xff\xd8 photo"), save=True)
                committed.append((t.pk, photo.pk, time.monotonic()))
        finally:
            from django.db import connection as own

            own.close()

    thread = threading.Thread(target=writer)
    thread.start()
    while len(committed) < 3:
        time.sleep(0.05)
    started = time.monotonic()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "BACKUP_DIR": str(tmp_path / "backup"),
    }
    subprocess.run([ROOT / "kpis/scripts/backup.sh"], env=env, check=True, capture_output=True)
    time.sleep(0.3)  # writes go on after the backup too
    stop.set()
    thread.join(30)
    before = [c for c in committed if c[2] < started]
    assert len(committed) > len(before) >= 3

    restored_url = url.rsplit("/", 1)[0] + f"/{connection.settings_dict['NAME']}_restored"
    restored_media = tmp_path / "restored-media"
    subprocess.run(
        [
            "dropdb",
            "--if-exists",
            "-h",
            connection.settings_dict["HOST"],
            "-U",
            connection.settings_dict["USER"],
            restored_url.rsplit("/", 1)[1],
        ],
        check=True,
    )
    env = {**os.environ, "DATABASE_URL": restored_url, "MEDIA_ROOT": str(restored_media)}
    subprocess.run(
        [ROOT / "kpis/scripts/restore.sh", tmp_path / "backup"],
        env=env,
        check=True,
        capture_output=True,
    )
    try:
        db = psycopg2.connect(restored_url)
        with db.cursor() as cur:
            cur.execute(f"SELECT id FROM {Ticket._meta.db_table}")
            tickets = {r[0] for r in cur.fetchall()}
            cur.execute(f"SELECT ticket_id FROM {TicketEvent._meta.db_table}")
            with_events = {r[0] for r in cur.fetchall()}
            cur.execute(f"SELECT id, image FROM {TicketPhoto._meta.db_table}")
            photos = dict(cur.fetchall())
        db.close()
        for ticket_id, photo_id, _at in before:
            assert ticket_id in tickets and ticket_id in with_events
            assert photo_id in photos
        # Nothing half-written: every photo row restored has its file.
        for name in photos.values():
            assert (restored_media / name).read_bytes() == b"\xff\xd8 photo"
    finally:
        subprocess.run(
            [
                "dropdb",
                "--if-exists",
                "-h",
                connection.settings_dict["HOST"],
                "-U",
                connection.settings_dict["USER"],
                restored_url.rsplit("/", 1)[1],
            ]
        )
