"""Every visit is an appointment: a second visit or a "parts arrived" booking made on site
goes through `hooks.book_visit` (dispatch's booking service, with its clash check), and the
customer's link shows it. One idempotency mechanism (tickets.idempotency) serves forms and
the API."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from tickets.errors import Conflict, DomainError
from tickets.idempotency import idempotency_claim
from tickets.lifecycle import Status
from tickets.models import IdempotencyKey, TicketEvent
from tickets.onsite import services
from tickets.templatetags.language_tags import natural_datetime

from .test_services import check_in, diagnose


def tomorrow_at(hour):
    return (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def second_visit(ticket, user, start):
    return services.outcome_second_visit(
        ticket=ticket,
        engineer_user=user,
        customer_name="Li Lei",
        agreed=True,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )


def test_a_second_visit_is_booked_through_the_visit_booker(
    warranty_job, engineer_user, visit_booker, client
):
    check_in(warranty_job, engineer_user)
    start = tomorrow_at(10)
    second_visit(warranty_job, engineer_user, start)
    assert len(visit_booker.calls) == 1
    call = visit_booker.calls[0]
    assert call["ticket"].pk == warranty_job.pk and call["engineer_user"] == engineer_user
    assert call["window_start"] == start
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.SCHEDULED
    move = TicketEvent.objects.filter(ticket=warranty_job, to_status=Status.SCHEDULED).last()
    assert move.data["appointment_id"] == 1 and move.data["customer_consent"] == "Li Lei"
    # The customer's link shows the new visit.
    page = client.get(f"/t/{warranty_job.public_token}/").content.decode()
    with translation.override("en"):
        assert natural_datetime(start) in page  # read as on the staff pages


def test_a_clashing_second_visit_is_refused_and_nothing_changes(
    warranty_job, paid_job, engineer_user, visit_booker
):
    start = tomorrow_at(10)
    check_in(paid_job, engineer_user)
    second_visit(paid_job, engineer_user, start)  # bob's 10:00-12:00 tomorrow
    check_in(warranty_job, engineer_user)
    with pytest.raises(Conflict):
        second_visit(warranty_job, engineer_user, start + dt.timedelta(hours=1))
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ON_SITE
    assert warranty_job.onsite_job.outcome == ""


def test_a_clashing_second_visit_through_the_page_is_a_form_error(
    client, warranty_job, paid_job, engineer_user, visit_booker
):
    start = tomorrow_at(10)
    check_in(paid_job, engineer_user)
    second_visit(paid_job, engineer_user, start)
    check_in(warranty_job, engineer_user)
    client.force_login(engineer_user)
    response = client.post(
        reverse("onsite_outcome", args=[warranty_job.pk]),
        {
            "action": "second_visit",
            "visit-window_start": start.strftime("%Y-%m-%dT%H:%M"),
            "visit-window_end": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "visit-customer_name": "Li Lei",
            "visit-agreed": "on",
        },
    )
    assert response.status_code == 400
    assert "clashes" in response.content.decode()


def test_parts_arrived_with_a_window_books_the_engineers_visit(
    warranty_job, engineer_user, dispatcher, visit_booker, client
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    services.outcome_waiting_for_parts(
        ticket=warranty_job, engineer_user=engineer_user, parts_needed="Fan motor"
    )
    start = tomorrow_at(14)
    services.parts_arrived(
        ticket=warranty_job,
        actor=dispatcher,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )
    # Booked for the job's engineer, though the desk made the booking.
    assert [c["engineer_user"] for c in visit_booker.calls] == [engineer_user]
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.SCHEDULED
    move = TicketEvent.objects.filter(ticket=warranty_job, to_status=Status.SCHEDULED).last()
    assert move.data["parts_arrived"] is True and move.actor == dispatcher
    page = client.get(f"/t/{warranty_job.public_token}/").content.decode()
    with translation.override("en"):
        assert natural_datetime(start) in page  # read as on the staff pages


def test_a_booker_that_schedules_the_ticket_itself_is_not_scheduled_twice(
    warranty_job, engineer_user
):
    """Dispatch's booker may move the ticket to scheduled itself: the on-site facts are then
    kept as a `visit_booked` event, and no second move is attempted."""
    from tickets import hooks
    from tickets.services import ticket_transition

    def booker(*, ticket, engineer_user, window_start, window_end):
        ticket_transition(
            ticket=ticket,
            to=Status.SCHEDULED,
            actor=engineer_user,
            data={"window_start": window_start.isoformat(), "window_end": window_end.isoformat()},
        )
        return None

    previous = hooks._one.get(hooks.VISIT_BOOKER)
    hooks.set_visit_booker(booker)
    try:
        check_in(warranty_job, engineer_user)
        second_visit(warranty_job, engineer_user, tomorrow_at(10))
    finally:
        hooks._one[hooks.VISIT_BOOKER] = previous
    moves = TicketEvent.objects.filter(ticket=warranty_job, kind="status", to_status="scheduled")
    assert moves.count() == 2  # the first booking (fixture) and the second visit
    booked = TicketEvent.objects.get(ticket=warranty_job, kind="visit_booked")
    assert booked.data["customer_consent"] == "Li Lei"


# --- one idempotency mechanism -------------------------------------------------------------


def test_an_onsite_form_key_is_a_row_of_the_one_idempotency_table(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    assert diagnose(warranty_job, engineer_user, key="form-1") is not None
    assert diagnose(warranty_job, engineer_user, key="form-1") is None
    row = IdempotencyKey.objects.get(client=engineer_user, key="form-1")
    assert row.ticket_id == warranty_job.pk
    # The same key sent with another form is refused, not silently dropped.
    with pytest.raises(DomainError):
        with transaction.atomic():
            idempotency_claim(
                client=engineer_user, key="form-1", scope="onsite:photo", ticket_id=warranty_job.pk
            )


@pytest.mark.django_db(transaction=True)
def test_two_claims_of_one_key_at_once_let_one_through(
    transactional_db, warranty_policies, fee_schedule, engineer_user
):
    from tests.factories import ApplianceFactory, ticket_create

    ticket = ticket_create(appliance=ApplianceFactory())
    results, errors = [], []
    barrier = threading.Barrier(4)

    def claim():
        try:
            barrier.wait()
            with transaction.atomic():
                results.append(
                    idempotency_claim(
                        client=engineer_user, key="same", scope="onsite:photo", ticket_id=ticket.pk
                    )
                )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert IdempotencyKey.objects.filter(client=engineer_user, key="same").count() == 1
