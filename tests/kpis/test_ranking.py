"""Dispatch ranks engineers by the first-time-fix rate the KPIs compute, not a typed one."""

import pytest
from django.utils import timezone

from dispatch.services import ticket_dispatch_auto
from engineers.models import FTF_WINDOW_DAYS, Engineer, ServicePoint

from .conftest import BASE, D, H, at, catch_up, job, open_ticket

pytestmark = pytest.mark.django_db


def test_dispatch_ranks_by_computed_ftf_with_a_prior_for_new_engineers(world):
    w = world
    for i in range(3):
        job(w.north, w.e1, BASE + i * H)  # fixed first time
        job(w.north, w.e2, BASE + i * H, visits=2)  # needed a second visit
    catch_up()
    e1, e2, e3 = (Engineer.objects.get(pk=e.pk) for e in (w.e1, w.e2, w.e3))
    # Network rate 3/6 = 0.5 is the prior worth 10 jobs; e3 has no jobs: the prior.
    assert e1.first_time_fix_rate == pytest.approx((3 + 5) / 13, abs=1e-4)
    assert e2.first_time_fix_rate == pytest.approx(5 / 13, abs=1e-4)
    assert e3.first_time_fix_rate == pytest.approx(0.5) and e3.first_time_fix_jobs == 0
    assert (e1.first_time_fix_jobs, e2.first_time_fix_jobs) == (3, 3)

    ticket = open_ticket(w.north, timezone.now())
    assignment = ticket_dispatch_auto(ticket_id=ticket.pk)
    assert assignment.engineer_id == w.e1.pk
    by_id = {c["engineer_id"]: c for c in assignment.candidates}
    assert by_id[w.e1.pk]["ftf_window_days"] == FTF_WINDOW_DAYS
    assert by_id[w.e1.pk]["ftf_jobs"] == 3
    assert by_id[w.e3.pk]["rank"] < by_id[w.e2.pk]["rank"]


def test_the_rate_is_not_typed_in_the_admin(world, admin_client):
    response = admin_client.get(f"/admin/engineers/engineer/{world.e1.pk}/change/")
    assert response.status_code == 200
    assert 'name="first_time_fix_rate"' not in response.content.decode()


def _rated(area, engineer, start, score):
    from callbacks.services.surveys import survey_submit

    ticket = job(area, engineer, start)
    with at(start + 6 * H):
        survey_submit(
            ticket=ticket,
            channel="tracking_page",
            answers={"speed": score, "attitude": score, "quality": score, "fixed": True},
        )
    return ticket


def test_service_points_are_ranked_by_stars_computed_from_their_surveys(world):
    w = world
    for i in range(4):
        _rated(w.north, w.e1, BASE + i * H, 5)  # the north point's customers: all 5 stars
    _rated(w.south, w.e3, BASE, 4)
    _rated(w.south, w.e3, BASE + H, 4)
    with at(BASE + D):
        catch_up()
    north, south = (ServicePoint.objects.get(pk=p.pk) for p in (w.p_north, w.p_south))
    # Network mean (4 x 5 + 2 x 4) / 6 is the prior worth 20 surveys.
    prior = 28 / 6
    assert north.stars == pytest.approx((4 * 5 + 20 * prior) / 24, abs=0.01)
    assert south.stars == pytest.approx((2 * 4 + 20 * prior) / 22, abs=0.01)
    assert (north.stars_surveys, south.stars_surveys) == (4, 2)

    # Dispatch weighs the computed stars and shows them with the surveys behind them.
    ticket = open_ticket(w.north, BASE + D)
    assignment = ticket_dispatch_auto(ticket_id=ticket.pk)
    by_id = {c["engineer_id"]: c for c in assignment.candidates}
    assert by_id[w.e1.pk]["stars"] == round(north.stars, 1)
    assert by_id[w.e1.pk]["stars_surveys"] == 4
    assert by_id[w.e1.pk]["components"]["stars"] == round((north.stars - 1) / 4, 3)


def test_the_stars_are_not_typed_in_the_admin(world, admin_client):
    response = admin_client.get(f"/admin/engineers/servicepoint/{world.p_north.pk}/change/")
    assert response.status_code == 200
    assert 'name="stars"' not in response.content.decode()
