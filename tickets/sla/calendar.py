"""Service-hours arithmetic: how much working time lies between two instants, and when a
budget of working time runs out. Works in the calendar's own time zone, so split shifts,
holidays and daylight-saving changes fall where the operator's wall clock puts them."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

MAX_DAYS = 800  # a budget that needs longer has no service hours to run in


@dataclass(frozen=True)
class Schedule:
    """A calendar loaded into memory: `shifts[weekday]` = [(start, end), ...] local times."""

    time_zone: str
    shifts: dict[int, list[tuple[dt.time, dt.time]]] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def has_hours(self) -> bool:
        return any(self.shifts.values())

    def _intervals_on(self, day: dt.date):
        if day in self.holidays:
            return
        tz = self.tz
        for start, end in self.shifts.get(day.weekday(), ()):
            # Local wall times; in a DST gap/overlap zoneinfo picks fold=0, and UTC
            # arithmetic below measures real elapsed time.
            a = dt.datetime.combine(day, start, tzinfo=tz).astimezone(dt.UTC)
            b = dt.datetime.combine(day, end, tzinfo=tz).astimezone(dt.UTC)
            if b > a:
                yield a, b

    def _intervals_from(self, when: dt.datetime):
        day = when.astimezone(self.tz).date() - dt.timedelta(days=1)
        for offset in range(MAX_DAYS):
            yield from self._intervals_on(day + dt.timedelta(days=offset))

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Service-hours seconds in [start, end)."""
        if end <= start:
            return 0.0
        total = 0.0
        for a, b in self._intervals_from(start):
            if a >= end:
                break
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        return total

    def add(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The instant when `seconds` of service hours counted from `start` are used up."""
        if seconds <= 0:
            return self.next_open(start)
        left = seconds
        for a, b in self._intervals_from(start):
            if b <= start:
                continue
            lo = max(a, start)
            span = (b - lo).total_seconds()
            if span >= left:
                return lo + dt.timedelta(seconds=left)
            left -= span
        raise ValueError("The calendar has no service hours to count in.")

    def is_open(self, when: dt.datetime) -> bool:
        return any(a <= when < b for a, b in self._intervals_on(when.astimezone(self.tz).date()))

    def next_open(self, when: dt.datetime) -> dt.datetime:
        """`when` itself if inside service hours, else the start of the next shift."""
        for a, b in self._intervals_from(when):
            if b > when:
                return max(a, when)
        return when


ROUND_THE_CLOCK = None


def add(schedule: Schedule | None, start: dt.datetime, seconds: float) -> dt.datetime:
    if schedule is None or not schedule.has_hours:
        return start + dt.timedelta(seconds=seconds)
    return schedule.add(start, seconds)


def elapsed(schedule: Schedule | None, start: dt.datetime, end: dt.datetime) -> float:
    if schedule is None or not schedule.has_hours:
        return max(0.0, (end - start).total_seconds())
    return schedule.working_seconds(start, end)


def schedule_for(calendar) -> Schedule | None:
    """Load a ServiceCalendar row (with its hours and holidays) into a Schedule."""
    if calendar is None:
        return None
    shifts: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for hours in calendar.hours.all():
        shifts.setdefault(hours.weekday, []).append((hours.start, hours.end))
    for day in shifts.values():
        day.sort()
    holidays = frozenset(h.date for h in calendar.holidays.all())
    return Schedule(time_zone=calendar.time_zone, shifts=shifts, holidays=holidays)
