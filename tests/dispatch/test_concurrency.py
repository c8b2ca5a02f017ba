"""Real threads on their own database connections against one Postgres."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from dispatch.models import Assignment
from dispatch.services import ticket_dispatch_auto
from tests.dispatch.factories import EngineerFactory
from tests.factories import UserFactory
from tickets.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


def run_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def work(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_fifty_concurrent_dispatches_of_one_ticket_give_one_assignment(make_ticket):
    for _ in range(5):
        EngineerFactory()
    ticket = make_ticket()
    dispatcher = UserFactory(username="dora", roles=["dispatcher"])

    def attempt(i):
        client = APIClient()
        client.force_authenticate(dispatcher)
        return client.post(f"/api/v1/dispatch/tickets/{ticket.pk}/auto/")

    results, errors = run_threads(50, attempt)
    assert errors == []
    codes = Counter(r.status_code for r in results)
    assert codes == {201: 1, 409: 49}
    conflict = next(r for r in results if r.status_code == 409).json()
    assert conflict["error"]["code"] == "already_assigned"
    assert Assignment.objects.filter(ticket=ticket).count() == 1
    ticket.refresh_from_db()
    assert ticket.status == "assigned"


def test_four_concurrent_sweeps_over_200_tickets_never_double_assign_or_overfill(make_ticket):
    engineers = [EngineerFactory(max_concurrent=3, max_per_day=50) for _ in range(20)]
    tickets = [make_ticket() for _ in range(200)]
    ids = [t.pk for t in tickets]

    def sweep(i):
        assigned = 0
        order = ids if i % 2 == 0 else list(reversed(ids))
        for pk in order:
            try:
                if ticket_dispatch_auto(ticket_id=pk) is not None:
                    assigned += 1
            except Conflict:
                pass
        return assigned

    results, errors = run_threads(4, sweep)
    assert errors == []
    live = Assignment.objects.filter(state__in=Assignment.LIVE)
    per_ticket = Counter(live.values_list("ticket_id", flat=True))
    assert max(per_ticket.values()) == 1
    per_engineer = Counter(live.values_list("engineer_id", flat=True))
    assert all(per_engineer[e.pk] <= e.max_concurrent for e in engineers)
    # Every slot is filled: 20 engineers x 3 jobs.
    assert sum(results) == live.count() == 60


def test_first_choice_filled_meanwhile_goes_to_the_next_and_says_why(make_ticket):
    """The best engineer's last slot is taken by another transaction between the matching
    (which saw it free) and the commit: the job goes to the next candidate, and the
    explanation says the first filled up meanwhile."""
    from django.db import transaction

    from engineers.models import Engineer
    from tests.dispatch.factories import km_north

    best = EngineerFactory(max_concurrent=1)
    second = EngineerFactory(home_lat=km_north(36.07, 3))
    other, ticket = make_ticket(), make_ticket()
    holding = threading.Event()

    def fill_the_last_slot():
        try:
            with transaction.atomic():
                Engineer.objects.select_for_update().get(pk=best.pk)
                Assignment.objects.create(ticket=other, engineer=best, state="accepted")
                holding.set()
                time.sleep(1.0)  # the dispatch below waits for this lock meanwhile
        finally:
            holding.set()
            connection.close()

    filler = threading.Thread(target=fill_the_last_slot)
    filler.start()
    assert holding.wait(10)
    assignment = ticket_dispatch_auto(ticket_id=ticket.pk)
    filler.join()

    assert assignment.engineer == second
    by_id = {c["engineer_id"]: c for c in assignment.candidates}
    assert by_id[best.pk]["reasons"] == ["taken_meanwhile"]
    assert by_id[best.pk]["eligible"] is False and "chosen" not in by_id[best.pk]
    assert by_id[second.pk]["chosen"] is True
    assert Assignment.objects.filter(engineer=best, state__in=Assignment.LIVE).count() == 1


def test_concurrent_visit_bookings_never_double_book_the_engineer(make_ticket):
    import datetime as dt

    from django.utils import timezone

    from dispatch import services
    from dispatch.models import Appointment
    from tickets import hooks
    from tickets.errors import DomainError
    from tickets.lifecycle import Status
    from tickets.services import ticket_transition

    engineer = EngineerFactory()
    on_site, accepted = make_ticket(), make_ticket()
    for t in (on_site, accepted):
        ticket_dispatch_auto(ticket_id=t.pk)
        services.assignment_accept(engineer=engineer, ticket_id=t.pk)
    on_site.refresh_from_db()
    ticket_transition(ticket=on_site, to=Status.EN_ROUTE, actor=engineer.user)
    ticket_transition(ticket=on_site, to=Status.ON_SITE, actor=engineer.user)
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0)
    end = start + dt.timedelta(hours=2)

    def attempt(i):
        if i % 2:
            return services.appointment_book(
                engineer=engineer, ticket_id=accepted.pk, window_start=start, window_end=end
            ).ticket_id
        return hooks.book_visit(
            ticket=on_site, engineer_user=engineer.user, window_start=start, window_end=end
        ).ticket_id

    results, errors = run_threads(8, attempt)
    # Whichever ticket got the window first keeps it; every attempt for the other clashes.
    assert len(set(results)) == 1
    assert errors and all(isinstance(e, DomainError) and e.code == "clash" for e in errors)
    booked = Appointment.objects.filter(engineer=engineer, state="booked")
    assert booked.count() == 1 and booked.get().ticket_id == results[0]
