"""Eligibility rules, radius widening, ranking and its explanation."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import matching
from dispatch.models import Appointment, Assignment, QueueEntry
from dispatch.services import ticket_dispatch_auto
from engineers.models import CertificationLevel
from tests.dispatch.factories import EngineerFactory, ServicePointFactory, km_north
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

BASE_LAT = 36.07


def reasons_for(result, engineer):
    return next(c for c in result.considered if c.engineer.pk == engineer.pk).reasons


def test_an_eligible_engineer_nearby_gets_the_job(make_ticket):
    engineer = EngineerFactory()
    ticket = make_ticket()
    assignment = ticket_dispatch_auto(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert assignment.engineer == engineer
    assert ticket.status == "assigned"
    event = ticket.events.filter(to_status="assigned").get()
    assert event.data["engineer_user_id"] == engineer.user_id
    assert event.data["engineer_name"] == engineer.display_name
    assert event.data["assignment_id"] == assignment.pk


def test_no_skill_is_never_considered_and_queues_with_the_reason(make_ticket):
    EngineerFactory(skills=["tv"])
    ticket = make_ticket()
    assert ticket_dispatch_auto(ticket_id=ticket.pk) is None
    entry = QueueEntry.objects.get(ticket=ticket)
    assert entry.reason == QueueEntry.Reason.NO_SKILL
    event = TicketEvent.objects.get(ticket=ticket, kind="dispatch_failed")
    assert event.data["reason_code"] == "no_skill_within_reach"


@pytest.mark.parametrize(
    "overrides, fault_class, rule",
    [
        ({"level": CertificationLevel.INTERMEDIATE}, "complex", "no_certification"),
        (
            {"certification_expires_on": dt.date(2020, 1, 1)},
            "complex",
            "certification_expired",
        ),
        ({"working_hours": {}}, "standard", "off_shift"),
        ({"max_concurrent": 1}, "standard", "at_capacity"),
        ({"max_per_day": 1}, "standard", "daily_capacity"),
    ],
)
def test_each_rule_alone_makes_an_engineer_ineligible(make_ticket, overrides, fault_class, rule):
    engineer = EngineerFactory(**overrides)
    if rule in ("at_capacity", "daily_capacity"):
        other = make_ticket()
        Assignment.objects.create(
            ticket=other,
            engineer=engineer,
            state="accepted" if rule == "at_capacity" else "ended",
        )
        if rule == "daily_capacity":
            engineer.max_concurrent = 4
            engineer.save()
    ticket = make_ticket(fault_class=fault_class)
    result = matching.find_candidates(ticket)
    assert reasons_for(result, engineer) == [rule]
    assert result.ranked == []


def test_a_senior_ticket_goes_to_the_senior_not_the_nearer_junior(make_ticket):
    EngineerFactory(level=CertificationLevel.JUNIOR)
    senior = EngineerFactory(level=CertificationLevel.SENIOR, home_lat=km_north(BASE_LAT, 3))
    ticket = make_ticket(fault_class="complex")
    assert ticket_dispatch_auto(ticket_id=ticket.pk).engineer == senior


def test_appointment_clash_with_travel_is_a_rule_of_its_own(make_ticket):
    engineer = EngineerFactory()
    # Tomorrow 10:00 local: inside every shift whatever time the suite runs at.
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    start = tomorrow.replace(hour=10, minute=0, second=0, microsecond=0)
    other = make_ticket()
    a = Assignment.objects.create(ticket=other, engineer=engineer, state="ended")
    Appointment.objects.create(
        assignment=a,
        ticket=other,
        engineer=engineer,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
        lat=BASE_LAT,
        lng=120.38,
    )
    # The customer wants the hour right after the other visit, 10 km away: travel ~26 min.
    ticket = make_ticket(
        priority="appointment",
        preferred_start=start + dt.timedelta(hours=2),
        preferred_end=start + dt.timedelta(hours=3),
        lat=km_north(BASE_LAT, 10),
    )
    result = matching.find_candidates(ticket)
    assert reasons_for(result, engineer) == ["appointment_clash"]


def test_declined_engineer_is_not_offered_again(make_ticket):
    engineer = EngineerFactory()
    ticket = make_ticket()
    Assignment.objects.create(ticket=ticket, engineer=engineer, state="declined")
    result = matching.find_candidates(ticket, exclude={engineer.pk})
    assert reasons_for(result, engineer) == ["declined_before"]


def test_declines_and_time_outs_are_found_by_the_search_itself(make_ticket):
    """Without being told (`exclude`), the search knows who declined or timed out on this
    ticket; a decline of another ticket, or a job that merely ended, does not count."""
    declined, timed_out, elsewhere, ended = (EngineerFactory() for _ in range(4))
    ticket, other = make_ticket(), make_ticket()
    Assignment.objects.create(ticket=ticket, engineer=declined, state="declined")
    Assignment.objects.create(ticket=ticket, engineer=timed_out, state="timed_out")
    Assignment.objects.create(ticket=other, engineer=elsewhere, state="declined")
    Assignment.objects.create(ticket=other, engineer=ended, state="ended")
    result = matching.find_candidates(ticket)
    assert reasons_for(result, declined) == ["declined_before"]
    assert reasons_for(result, timed_out) == ["declined_before"]
    assert reasons_for(result, elsewhere) == []
    assert reasons_for(result, ended) == []
    # Declines and time-outs are not jobs of the day; the ended job is.
    by_id = {c.engineer.pk: c for c in result.considered}
    assert (by_id[declined.pk].today, by_id[elsewhere.pk].today) == (0, 0)
    assert (by_id[ended.pk].live, by_id[ended.pk].today) == (0, 1)


def test_jobs_of_earlier_days_do_not_count_for_today(make_ticket):
    engineer = EngineerFactory(max_per_day=1)
    old = Assignment.objects.create(ticket=make_ticket(), engineer=engineer, state="ended")
    Assignment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    result = matching.find_candidates(make_ticket())
    assert reasons_for(result, engineer) == []
    assert result.ranked[0].engineer == engineer and result.ranked[0].today == 0


def test_radius_widens_from_5_to_10_to_20_km_then_service_points(make_ticket, qd_area):
    ticket = make_ticket()
    far = EngineerFactory(home_lat=km_north(BASE_LAT, 15))
    result = matching.find_candidates(ticket)
    assert result.stage == "20km" and result.ranked[0].engineer == far

    mid = EngineerFactory(home_lat=km_north(BASE_LAT, 8))
    result = matching.find_candidates(ticket)
    assert result.stage == "10km" and [c.engineer for c in result.ranked] == [mid]

    near = EngineerFactory(home_lat=km_north(BASE_LAT, 4))
    result = matching.find_candidates(ticket)
    assert result.stage == "5km" and [c.engineer for c in result.ranked] == [near]


def test_beyond_20_km_only_the_service_points_covering_the_area(make_ticket, qd_area):
    ticket = make_ticket()
    EngineerFactory(home_lat=km_north(BASE_LAT, 40))  # far, not covering the area
    covering = EngineerFactory(
        home_lat=km_north(BASE_LAT, 60), service_point=ServicePointFactory(areas=[qd_area])
    )
    result = matching.find_candidates(ticket)
    assert result.stage == "service_point"
    assert [c.engineer for c in result.ranked] == [covering]


def test_ranking_weighs_distance_workload_ftf_and_stars_and_explains_it(make_ticket):
    ticket = make_ticket()
    # Same place; the one with the better first-time-fix rate and stars wins.
    good = EngineerFactory(first_time_fix_rate=0.95, service_point__stars=5)
    ok = EngineerFactory(first_time_fix_rate=0.60, service_point__stars=1)
    busy = EngineerFactory(first_time_fix_rate=0.95, service_point__stars=5, max_concurrent=2)
    Assignment.objects.create(ticket=make_ticket(), engineer=busy, state="accepted")
    assignment = ticket_dispatch_auto(ticket_id=ticket.pk)
    assert assignment.engineer == good
    by_id = {c["engineer_id"]: c for c in assignment.candidates}
    assert by_id[good.pk]["rank"] == 1 and by_id[good.pk]["chosen"] is True
    assert by_id[busy.pk]["rank"] == 2  # half its capacity is used
    assert by_id[ok.pk]["rank"] == 3
    assert by_id[good.pk]["components"] == {
        "distance": 1.0,
        "capacity": 1.0,
        "ftf": 0.95,
        "stars": 1.0,
    }
    assert by_id[busy.pk]["components"]["capacity"] == 0.5
    assert by_id[good.pk]["score"] > by_id[busy.pk]["score"] > by_id[ok.pk]["score"]
    assert assignment.stage == "5km"


def test_nearer_wins_when_all_else_is_equal(make_ticket):
    ticket = make_ticket()
    EngineerFactory(home_lat=km_north(BASE_LAT, 4))
    nearer = EngineerFactory(home_lat=km_north(BASE_LAT, 1))
    assert ticket_dispatch_auto(ticket_id=ticket.pk).engineer == nearer


@pytest.mark.parametrize(
    "gap_minutes, clashes",
    [(26, False), (25, True), (0, True)],
)
def test_clash_at_the_window_edges_with_travel(gap_minutes, clashes):
    start = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
    end = start + dt.timedelta(hours=2)
    travel = matching.travel_minutes(10)  # 10 km: 26 minutes
    assert travel == 26
    nxt = end + dt.timedelta(minutes=gap_minutes)
    assert matching.windows_clash(nxt, nxt + dt.timedelta(hours=1), start, end, travel) is clashes


def test_touching_windows_at_the_same_place_are_allowed_overlap_is_not():
    start = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
    end = start + dt.timedelta(hours=2)
    assert not matching.windows_clash(end, end + dt.timedelta(hours=1), start, end, 0)
    assert matching.windows_clash(
        end - dt.timedelta(minutes=1), end + dt.timedelta(hours=1), start, end, 0
    )


def test_an_inactive_engineer_is_never_considered(make_ticket):
    EngineerFactory(active=False)
    active = EngineerFactory(home_lat=km_north(BASE_LAT, 3))
    ticket = make_ticket()
    result = matching.find_candidates(ticket)
    assert [c.engineer for c in result.considered] == [active]
