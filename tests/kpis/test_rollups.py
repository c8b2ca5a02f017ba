"""Rollups kept by difference equal a recomputation from the events, whatever the order."""

import random
import threading
from collections import defaultdict

import pytest
from django.db import connection

from kpis import services
from kpis.models import KpiFact, KpiRollup
from tickets.lifecycle import Status
from tickets.models import Ticket

from .conftest import BASE, D, H, catch_up, job, move, open_ticket


def recomputed() -> dict:
    """Rollups as a recomputation from scratch gives them (non-zero rows only)."""
    ids = list(Ticket.objects.values_list("id", flat=True))
    sums = defaultdict(lambda: [0, 0, 0])
    for (_tid, kpi), f in services.facts_compute(ids).items():
        services._add(sums, kpi, f, +1)
    return {k: tuple(v) for k, v in sums.items() if any(v)}


def stored() -> dict:
    return {
        (r.day, r.kpi, r.service_type, r.grain, r.key): (r.denominator, r.numerator, r.value_sum)
        for r in KpiRollup.objects.all()
        if (r.denominator, r.numerator, r.value_sum) != (0, 0, 0)
    }


@pytest.mark.django_db
def test_rollups_equal_a_recomputation_after_a_random_workload(world):
    rng = random.Random(20261203)
    w = world
    engineers = [w.e1, w.e2, w.e3]
    done = []
    for i in range(14):
        area = rng.choice([w.north, w.south])
        start = BASE + i * 7 * H
        if done and rng.random() < 0.35:
            # The same appliance comes back, sometimes linked as a free revisit.
            first = rng.choice(done)
            start = first.created_at + rng.choice([2, 29, 31]) * D
            t = job(
                first.area,
                rng.choice(engineers),
                start,
                appliance=first.appliance,
                fault=rng.choice(["not_cooling", "noise"]),
                related_ticket=first if rng.random() < 0.5 else None,
                complete=rng.random() < 0.8,
            )
        else:
            t = job(
                area,
                rng.choice(engineers),
                start,
                visits=rng.choice([1, 1, 2]),
                manual=rng.random() < 0.3,
                parts_wait=rng.choice([None, None, 20 * H]),
                fault_class=rng.choice(["standard", "complex"]),
                arrive=rng.choice([2 * H, 3 * H, 6 * H]),
                took=rng.choice([5 * H, 50 * H]),
                complete=rng.random() < 0.85,
            )
        done.append(t)
        if rng.random() < 0.4:
            catch_up()  # the rollups move while the history is still being written
    stray = open_ticket(w.north, BASE + 3 * D)
    move(stray, BASE + 3 * D + H, Status.CANCELLED, w.manager)
    catch_up()
    catch_up()  # a second pass over the same events changes nothing
    assert stored() == recomputed()
    every = Ticket.objects.values_list("id", flat=True)
    assert KpiFact.objects.count() == len(services.facts_compute(every))


@pytest.mark.django_db(transaction=True)
def test_two_catch_ups_at_once_count_every_event_once(world):
    for i in range(4):
        job(world.north, world.e1, BASE + i * H)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(services.rollups_catch_up())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2
    catch_up()
    assert stored() == recomputed()
    ftf = KpiRollup.objects.filter(kpi="ftf", grain="network")
    assert sum(r.denominator for r in ftf) == 4
