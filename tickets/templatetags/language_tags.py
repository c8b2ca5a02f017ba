"""One language at a time in templates: stored reasons as words, dates as people say them.

{% load language_tags %}
{{ clock.pause_reason|reason }}       a code or an old system sentence, translated
{{ appointment.window_start|natural_date }}   12月4日 星期五 / Fri 4 Dec
{{ ticket.created_at|natural_datetime }}      12月4日 星期五 14:05 / Fri 4 Dec 14:05
"""

import datetime as dt

from django import template
from django.utils import timezone

from tickets.languages import chinese
from tickets.timeline import stored_reason_text

register = template.Library()


@register.filter
def reason(value) -> str:
    return stored_reason_text(str(value or ""))


_WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _local(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def natural_day(value, *, with_year: bool = False) -> str:
    """The day in the active language: "12月4日 星期五" / "Fri 4 Dec" (the year added when
    asked, or when it is not this year)."""
    if value in (None, ""):
        return ""
    day = _local(value)
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        return str(value)
    with_year = with_year or day.year != timezone.localdate().year
    if chinese():
        text = f"{day.month}月{day.day}日 {_WEEKDAYS_ZH[day.weekday()]}"
        return f"{day.year}年{text}" if with_year else text
    text = f"{_WEEKDAYS_EN[day.weekday()]} {day.day} {_MONTHS_EN[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


@register.filter
def natural_date(value) -> str:
    return natural_day(value)


@register.filter
def natural_datetime(value) -> str:
    if not isinstance(value, dt.datetime):
        return natural_day(value)
    local = _local(value)
    return f"{natural_day(local)} {local:%H:%M}"
