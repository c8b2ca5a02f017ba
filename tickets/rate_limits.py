"""Rate limits: per API token (creates and reads counted apart) and per address on the
public pages (tracking link, rating, report), which are also never cached or indexed.
Counters live in Redis (the `ratelimit` cache), so every web process counts together.

Limits come from settings at request time (`API_RATES`, `PUBLIC_PAGE_RATE`), so an
operator can raise them for a partner's batch load without a deploy of code."""

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.shortcuts import render
from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _namespace() -> str:
    # The database name keeps two checkouts (or two test workers) on one Redis apart.
    return connection.settings_dict["NAME"]


PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/min" -> (600, 60)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period]


def _incr(key: str, timeout: int) -> int | None:
    """Add one to a counter that lives `timeout` seconds from its first count; None when
    Redis is unavailable (the web tier never waits on it: the request goes uncounted).

    One round trip: SET NX with the expiry (only the first count sets it), then INCR, in
    one pipeline on the cache's own connection pool and key names, so `tally` reads the
    same counter through the cache."""
    cache = caches["ratelimit"]
    name = cache.make_and_validate_key(key)
    try:
        pipe = cache._cache.get_client(name, write=True).pipeline(transaction=False)
        pipe.set(name, 0, ex=timeout, nx=True)
        pipe.incr(name)
        return int(pipe.execute()[1])
    except RedisError:
        log.warning("rate limit not counted: Redis unavailable")
        return None


def hit(key: str, limit: int, seconds: int) -> float | None:
    """Count one request in the current fixed window; None when allowed, else the seconds
    until the window ends. One Redis round trip or two, whatever the rate."""
    now = time.time()
    window = int(now // seconds)
    count = _incr(f"{key}:{window}", seconds + 1)
    if count is None or count <= limit:
        return None
    return (window + 1) * seconds - now


def address_hit(request, scope: str, rate: tuple[int, int]) -> float | None:
    """`hit` for one kind of request (`scope`) from the request's address."""
    limit, seconds = rate
    address = request.META.get("REMOTE_ADDR", "")
    return hit(f"{scope}:{_namespace()}:{address}", limit, seconds)


def tally_add(key: str, seconds: int) -> None:
    """Count a failure (a wrong code) under `key`, for `seconds` from the first one."""
    _incr(f"tally:{_namespace()}:{key}", seconds)


def tally(key: str) -> int:
    """How many failures `key` has counted in its window (0 without Redis)."""
    try:
        return caches["ratelimit"].get(f"tally:{_namespace()}:{key}") or 0
    except RedisError:
        return 0


class TokenRateThrottle(BaseThrottle):
    """Per caller (the token's user, else the address), reads and creates each with their
    own rate (`API_RATES`)."""

    def allow_request(self, request, view):
        scope = "read" if request.method in SAFE_METHODS else "write"
        limit, seconds = parse_rate(settings.API_RATES[scope])
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        self._wait = hit(f"throttle:{_namespace()}:{scope}:{ident}", limit, seconds)
        return self._wait is None

    def wait(self):
        return self._wait


class PublicPageMiddleware:
    """The customer's public pages (`PUBLIC_VIEWS`: tracking link, rating, report, complaint
    form): a fixed window of `PUBLIC_PAGE_RATE` = (requests, seconds) per address, and never
    cached or indexed (the link is private and may be forwarded)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in settings.PUBLIC_VIEWS:
            response["Cache-Control"] = "no-store"
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.url_name not in settings.PUBLIC_VIEWS:
            return None
        limit, seconds = settings.PUBLIC_PAGE_RATE
        address = request.META.get("REMOTE_ADDR", "")
        wait = hit(f"public:{_namespace()}:{address}", limit, seconds)
        if wait is None:
            return None
        response = render(
            request,
            "429.html",
            {"message": _("Too many requests from your address. Please wait a minute.")},
            status=429,
        )
        response["Retry-After"] = str(int(wait) + 1)
        return response
