"""Item 3: the customer rates the job themselves; one survey per job whatever the channel."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from callbacks.models import CallbackPolicy, Survey
from callbacks.services.call_logging import follow_up_log
from callbacks.services.links import rating_code, rating_sms_body
from callbacks.services.surveys import AlreadyRated, survey_submit
from tickets.lifecycle import Status
from tickets.models import Ticket

from .conftest import GOOD, completed_job, follow_up_of, new_ticket

pytestmark = pytest.mark.django_db

FORM = {"speed": "5", "attitude": "4", "quality": "5", "fixed": "yes", "comment": "Quick!"}


def test_customer_rates_from_the_tracking_page_and_the_call_is_not_needed(
    world, engineer_user, client
):
    ticket = completed_job(engineer_user)
    page = client.get(reverse("ticket_track", args=[ticket.public_token]))
    assert "Rate our service" in page.content.decode()
    response = client.post(reverse("callback_rate", args=[ticket.public_token]), FORM)
    assert response.status_code == 302
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.channel, survey.attitude, survey.comment) == ("tracking_page", 4, "Quick!")
    callback = follow_up_of(ticket)
    assert (callback.state, callback.result) == ("done", "already_rated")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    again = client.get(reverse("ticket_track", args=[ticket.public_token]))
    assert 'data-testid="rating-done"' in again.content.decode()


def test_the_qr_link_records_its_channel_and_the_qr_image_is_served(world, engineer_user, client):
    ticket = completed_job(engineer_user)
    url = reverse("callback_rate", args=[ticket.public_token])
    client.post(f"{url}?via=qr", FORM)
    assert Survey.objects.get(ticket=ticket).channel == "qr_code"
    svg = client.get(reverse("callback_rate_qr", args=[ticket.public_token]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_a_later_agent_call_sees_the_job_is_rated_and_does_not_ask_again(
    world, engineer_user, agent
):
    ticket = completed_job(engineer_user)
    callback = follow_up_of(ticket)
    survey_submit(ticket=ticket, channel="tracking_page", answers=GOOD)
    with pytest.raises(AlreadyRated):
        survey_submit(ticket=ticket, channel="qr_code", answers={**GOOD, "speed": 1})
    assert Survey.objects.filter(ticket=ticket).count() == 1
    callback.refresh_from_db()
    assert callback.state == "done"


def test_incomplete_answers_are_refused_naming_the_field(world, engineer_user, client):
    ticket = completed_job(engineer_user)
    response = client.post(
        reverse("callback_rate", args=[ticket.public_token]), {**FORM, "speed": "9"}
    )
    assert response.status_code == 422
    assert not Survey.objects.filter(ticket=ticket).exists()
    long = client.post(
        reverse("callback_rate", args=[ticket.public_token]), {**FORM, "comment": "x" * 501}
    )
    assert long.status_code == 422


def test_an_open_job_cannot_be_rated_yet(world, client):
    ticket = new_ticket()
    response = client.post(reverse("callback_rate", args=[ticket.public_token]), FORM)
    assert not Survey.objects.filter(ticket=ticket).exists()
    assert "once the repair is complete" in response.content.decode()


def test_the_sms_carries_the_private_link_or_the_fixed_address_and_code(world, engineer_user):
    ticket = completed_job(engineer_user)
    assert ticket.public_token in rating_sms_body(ticket)
    policy = CallbackPolicy.objects.get()
    policy.sms_links = CallbackPolicy.SmsLinks.FIXED_ADDRESS
    policy.save()
    body = rating_sms_body(ticket)
    assert ticket.public_token not in body
    assert "/rate/" in body and rating_code(ticket) in body


def test_fixed_address_with_number_and_code_rates_the_job(world, engineer_user, client):
    ticket = completed_job(engineer_user)
    url = reverse("callback_rate_fixed")
    step = client.post(url, {"number": ticket.number, "code": rating_code(ticket)})
    assert step.status_code == 200 and "Send my rating" in step.content.decode()
    # it shows the ticket's own summary only: no name, address or phone
    text = step.content.decode()
    assert ticket.customer.name not in text and ticket.customer.mobile not in text
    client.post(url, {"number": ticket.number, "code": rating_code(ticket), **FORM})
    assert Survey.objects.get(ticket=ticket).channel == "sms_code"


def test_a_wrong_code_is_refused_and_attempts_are_rate_limited(world, engineer_user, client):
    from django.core.cache import cache

    cache.clear()
    ticket = completed_job(engineer_user)
    url = reverse("callback_rate_fixed")
    wrong = "000000" if rating_code(ticket) != "000000" else "111111"
    for _ in range(5):
        response = client.post(url, {"number": ticket.number, "code": wrong, **FORM})
        assert response.status_code == 422
    blocked = client.post(url, {"number": ticket.number, "code": rating_code(ticket), **FORM})
    assert blocked.status_code == 429
    assert not Survey.objects.filter(ticket=ticket).exists()
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_agent_call_page_and_qr_race_and_one_survey_wins(
    transactional_db, warranty_policies, area, engineer_user, agent
):
    ticket = completed_job(engineer_user)
    callback = follow_up_of(ticket)
    barrier, outcomes = threading.Barrier(3), []

    def agent_call():
        follow_up_log(callback=callback, outcome="reached", actor=agent, survey=GOOD)
        return "agent"

    def page(channel):
        def run():
            survey_submit(ticket=Ticket.objects.get(pk=ticket.pk), channel=channel, answers=GOOD)
            return channel

        return run

    def run(fn):
        try:
            barrier.wait()
            outcomes.append(fn())
        except Exception as exc:  # the losers: already rated / call already finished
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(fn,))
        for fn in (agent_call, page("tracking_page"), page("qr_code"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Survey.objects.filter(ticket=ticket).count() == 1
    winners = [o for o in outcomes if o in ("agent", "tracking_page", "qr_code")]
    assert len(winners) == 1, outcomes
    assert all(o in ("AlreadyRated", "Conflict") for o in outcomes if o not in winners)
    follow = follow_up_of(ticket)
    assert follow.state == "done"


def test_the_service_report_gets_the_rating_qr_code(world, engineer_user):
    from reportlab.graphics.shapes import Drawing

    from tickets import hooks

    ticket = completed_job(engineer_user)
    drawings = hooks.report_drawings(ticket=ticket)
    assert len(drawings) == 1 and isinstance(drawings[0], Drawing)


def test_the_private_rating_page_shows_only_the_tickets_own_summary(world, engineer_user, client):
    ticket = completed_job(engineer_user)
    response = client.get(reverse("callback_rate", args=[ticket.public_token]))
    text = response.content.decode()
    assert response.status_code == 200 and ticket.number in text
    customer = ticket.customer
    for private in (customer.name, customer.mobile, customer.national_number()):
        assert private not in text
    assert ticket.address.line not in text
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get(reverse("callback_rate", args=["not-a-token"])).status_code == 404
