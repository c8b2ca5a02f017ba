"""Due times in service hours: split shifts, holidays, a daylight-saving change, and an
edit of the schedule reaching the clocks already running."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from tests.sla.conftest import clock, make_ticket
from tickets.models import Holiday, ServiceCalendar, ServiceHours, SlaTarget
from tickets.sla.calendar import Schedule
from tickets.sla.services import calendar_recompute_clocks

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SPLIT = {d: [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(18))] for d in range(5)}


def test_budget_skips_the_lunch_break_of_a_split_shift():
    s = Schedule(time_zone="Asia/Shanghai", shifts=SPLIT)
    start = dt.datetime(2026, 3, 2, 11, 30, tzinfo=SH)  # Monday
    assert s.add(start, 3600) == dt.datetime(2026, 3, 2, 13, 30, tzinfo=SH)
    assert s.working_seconds(start, dt.datetime(2026, 3, 2, 13, 30, tzinfo=SH)) == 3600


def test_budget_runs_over_the_night_and_the_weekend():
    s = Schedule(time_zone="Asia/Shanghai", shifts=SPLIT)
    friday_5pm = dt.datetime(2026, 3, 6, 17, 0, tzinfo=SH)
    # 1 h left on Friday, the rest from Monday 08:00.
    assert s.add(friday_5pm, 4 * 3600) == dt.datetime(2026, 3, 9, 11, 0, tzinfo=SH)
    # Started in the evening: counts from the next morning.
    assert s.add(dt.datetime(2026, 3, 2, 21, 0, tzinfo=SH), 1800) == dt.datetime(
        2026, 3, 3, 8, 30, tzinfo=SH
    )


def test_holidays_are_skipped():
    s = Schedule(
        time_zone="Asia/Shanghai",
        shifts=SPLIT,
        holidays=frozenset({dt.date(2026, 3, 3), dt.date(2026, 3, 4)}),
    )
    start = dt.datetime(2026, 3, 2, 17, 0, tzinfo=SH)
    assert s.add(start, 2 * 3600) == dt.datetime(2026, 3, 5, 9, 0, tzinfo=SH)


def test_daylight_saving_change_in_berlin():
    every_day = {d: [(dt.time(0), dt.time(23, 59, 59))] for d in range(7)}
    s = Schedule(time_zone="Europe/Berlin", shifts=every_day)
    # 29 March 2026 02:00 CET -> 03:00 CEST: that day is an hour shorter.
    sat = dt.datetime(2026, 3, 28, 22, 0, tzinfo=BERLIN)
    sun_noon = dt.datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN)
    assert s.working_seconds(sat, sun_noon) == pytest.approx(13 * 3600, abs=2)
    office = {d: [(dt.time(9), dt.time(17))] for d in range(7)}
    s = Schedule(time_zone="Europe/Berlin", shifts=office)
    fri_4pm = dt.datetime(2026, 3, 27, 16, 0, tzinfo=BERLIN)
    due = s.add(fri_4pm, 3 * 3600)  # 1 h Friday, 2 h on Saturday
    assert due == dt.datetime(2026, 3, 28, 11, 0, tzinfo=BERLIN)
    due = s.add(dt.datetime(2026, 3, 28, 16, 0, tzinfo=BERLIN), 2 * 3600)
    # Sunday 10:00 local, which is CEST (UTC+2) after the change.
    assert due == dt.datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN)
    assert due.astimezone(dt.UTC).hour == 8


@pytest.mark.django_db
def test_a_new_holiday_moves_the_running_clocks_of_its_calendar(warranty_policies, area):
    calendar = ServiceCalendar.objects.get(name="Service hours")
    SlaTarget.objects.filter(kind="arrival", policy__priority="normal").update(
        service_hours_only=True
    )
    monday_6pm = dt.datetime(2026, 3, 2, 18, 0, tzinfo=SH)
    with time_machine.travel(monday_6pm, tick=False):
        ticket = make_ticket()
        arrival = clock(ticket, "arrival")
        # 2 h before closing at 20:00, then 2 h from 08:00 next day.
        assert arrival.due_at == dt.datetime(2026, 3, 3, 10, 0, tzinfo=SH)
        Holiday.objects.create(calendar=calendar, date=dt.date(2026, 3, 3), name="Test day")
        calendar.save()  # the admin saves the calendar with its inlines
        assert calendar_recompute_clocks(calendar_id=calendar.pk) == 1
        arrival.refresh_from_db()
        assert arrival.due_at == dt.datetime(2026, 3, 4, 10, 0, tzinfo=SH)
        # An evening shift added on Monday brings it forward to 22:00 that day.
        ServiceHours.objects.create(
            calendar=calendar, weekday=0, start=dt.time(20), end=dt.time(22)
        )
        calendar.save()
        calendar_recompute_clocks(calendar_id=calendar.pk)
        arrival.refresh_from_db()
        assert arrival.due_at == dt.datetime(2026, 3, 2, 22, 0, tzinfo=SH)
        assert timezone.now() == monday_6pm


def test_more_hours_counted_by_an_edit_breach_the_clock_at_the_edit(warranty_policies, area):
    from tickets.sla.services import sla_sweep

    calendar = ServiceCalendar.objects.get(name="Service hours")
    SlaTarget.objects.filter(kind="arrival", policy__priority="normal").update(
        service_hours_only=True
    )
    monday_10am = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    with time_machine.travel(monday_10am, tick=False) as traveller:
        ticket = make_ticket()
        assert clock(ticket, "arrival").due_at == dt.datetime(2026, 3, 2, 15, 0, tzinfo=SH)
        traveller.move_to(dt.datetime(2026, 3, 2, 14, 30, tzinfo=SH))
        # The lunch hour now counts: 4.5 of the 4 service hours are used.
        ServiceHours.objects.create(
            calendar=calendar, weekday=0, start=dt.time(12), end=dt.time(13)
        )
        calendar.save()
        calendar_recompute_clocks(calendar_id=calendar.pk)
        traveller.shift(dt.timedelta(minutes=1))
        sla_sweep()
        arrival = clock(ticket, "arrival")
        assert arrival.state == "breached"
        assert arrival.breached_at == dt.datetime(2026, 3, 2, 14, 30, tzinfo=SH)
