"""The one rule for a visit window someone books (desk, web form, partner API, dispatcher,
engineer, maintenance calls): it ends after it starts, does not start in the past, and
starts at most `settings.BOOKING_MAX_DAYS_AHEAD` days ahead. Windows the system opens by
itself (maintenance plans, the demo) are not bookings and are not checked here."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError

# A form filled a few minutes ago still books the window the customer was told.
PAST_GRACE = dt.timedelta(minutes=5)


def booking_window_check(
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime | None = None,
    start_field: str = "window_start",
    end_field: str = "window_end",
) -> None:
    now = now or timezone.now()
    if end <= start:
        raise DomainError(_("The window must end after it starts."), field=end_field)
    if start < now - PAST_GRACE:
        raise DomainError(_("The window cannot start in the past."), field=start_field)
    days = settings.BOOKING_MAX_DAYS_AHEAD
    if start > now + dt.timedelta(days=days):
        raise DomainError(
            _("Choose a window within the next %(days)s days.") % {"days": days},
            field=start_field,
        )
