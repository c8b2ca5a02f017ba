"""Master data cached per process: an edit made anywhere (another process, raw SQL, the
admin) reaches the cache once the recheck interval has passed, and never before it commits."""

import psycopg2
import pytest
from django.db import connection

from tickets import masterdata
from tickets.sla.models import SlaTarget


def _other_session():
    """A second database session, as another web process would have."""
    conn = psycopg2.connect(**connection.get_connection_params())
    conn.autocommit = True
    return conn


def _accept_minutes() -> int:
    policy = masterdata.sla_policy(priority="normal", area_type="urban")
    return next(t.minutes for t in policy.targets.all() if t.kind == "accept")


def test_every_watched_table_bumps_the_generation(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_object_table FROM information_schema.triggers "
            "WHERE trigger_name LIKE '%%_masterdata_bump'"
        )
        triggered = {row[0] for row in cursor.fetchall()}
    assert set(masterdata.WATCHED_TABLES) | {"auth_user"} <= triggered


@pytest.mark.django_db(transaction=True)
def test_an_edit_in_another_session_is_seen_after_the_recheck_interval(settings):
    settings.MASTERDATA_RECHECK_SECONDS = 3600
    masterdata.clear()
    before = _accept_minutes()
    target = SlaTarget.objects.get(
        policy__priority="normal", policy__area_type="urban", kind="accept"
    )

    other = _other_session()
    try:
        with other.cursor() as cur:
            cur.execute("UPDATE tickets_slatarget SET minutes = %s WHERE id = %s", [77, target.pk])
    finally:
        other.close()

    assert _accept_minutes() == before  # within the interval the cached policy stands
    settings.MASTERDATA_RECHECK_SECONDS = 0
    assert _accept_minutes() == 77


@pytest.mark.django_db(transaction=True)
def test_an_uncommitted_edit_elsewhere_is_not_seen(settings):
    masterdata.clear()
    before = _accept_minutes()
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cur:  # a transaction left open: not committed
            cur.execute("UPDATE tickets_slatarget SET minutes = 1 WHERE kind = 'accept'")
            assert _accept_minutes() == before
        other.rollback()
    finally:
        other.close()
    assert _accept_minutes() == before


def test_a_rolled_back_edit_does_not_stay_in_the_cache(db):
    from django.db import transaction

    before = _accept_minutes()
    with pytest.raises(RuntimeError), transaction.atomic():
        SlaTarget.objects.filter(kind="accept").update(minutes=3)
        assert _accept_minutes() == 3  # this transaction sees its own edit
        raise RuntimeError("the edit is abandoned")
    assert _accept_minutes() == before


def test_the_counter_survives_a_flushed_table(db):
    from tickets.models import MasterDataGeneration

    before = _accept_minutes()
    MasterDataGeneration.objects.all().delete()  # as manage.py flush would leave it
    SlaTarget.objects.filter(kind="accept").update(minutes=before + 1)
    assert MasterDataGeneration.objects.get(pk=1).value >= 1
    assert _accept_minutes() == before + 1
