import zoneinfo

from django.conf import settings
from django.utils import timezone


class OperatorTimezoneMiddleware:
    """Times are stored in UTC and shown in the operator's time zone."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def __call__(self, request):
        timezone.activate(self.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
