"""Master data that every intake and dispatch reads, kept in memory per process.

Service areas, SLA policies with their targets, service calendars, warranty terms, the fee
schedule and API tokens change a few times a month and are read on every request that
opens or moves a ticket. Reading them from Postgres each time was a third of the cost of
an intake.

How a change reaches every process: a statement trigger on each of those tables bumps one
generation counter in the same transaction as the change (admin edits, bulk updates and
raw SQL alike; migration 0102). A process compares the counter with the one its cache was
loaded at, at most every `MASTERDATA_RECHECK_SECONDS` (setting, default 1 s; 0 in tests),
and drops the whole cache when it moved. A process never serves master data older than
that interval after the change committed.

The objects handed out are shared by every request of the process: read them, never
change them.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import F, Q

# Tables whose rows are cached here (or that decide who a cached token belongs to).
WATCHED_TABLES = (
    "tickets_servicearea",
    "tickets_slapolicy",
    "tickets_slatarget",
    "tickets_servicecalendar",
    "tickets_servicehours",
    "tickets_holiday",
    "tickets_warrantypolicy",
    "tickets_warrantycomponentterm",
    "tickets_feeitem",
    "tickets_servicetype",
    # The callbacks policy's SMS link setting, read by every intake (callbacks migration 0003).
    "callbacks_callbackpolicy",
    "authtoken_token",
    "auth_user_groups",
    "auth_group",
)
# auth_user is watched only for the columns that decide whether a token still works.
WATCHED_USER_COLUMNS = ("is_active", "is_superuser", "username")


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: tuple | None = None
        self.checked_at = 0.0
        self.entries: dict[tuple, object] = {}


_cache = _Cache()


def _current_generation() -> tuple:
    # xmin (the transaction that last bumped it) tells apart two bumps to the same value
    # of which one was rolled back, as every test does.
    with connection.cursor() as cursor:
        cursor.execute("SELECT value, xmin::text FROM tickets_masterdatageneration WHERE id = 1")
        row = cursor.fetchone()
    return tuple(row) if row else (0, "")


def _fresh() -> dict[tuple, object]:
    """The cache's entries, dropped first if the generation moved since the last look."""
    recheck = getattr(settings, "MASTERDATA_RECHECK_SECONDS", 1.0)
    now = time.monotonic()
    if _cache.generation is None or now - _cache.checked_at >= recheck:
        generation = _current_generation()
        with _cache.lock:
            if generation != _cache.generation:
                _cache.entries = {}
                _cache.generation = generation
            _cache.checked_at = now
    return _cache.entries


def cached(key: tuple, load):
    """The value under `key`, loaded with `load()` when missing. `None` is not cached (an
    unknown code may become known at any moment and must be looked up again)."""
    entries = _fresh()
    try:
        return entries[key]
    except KeyError:
        pass
    value = load()
    if value is not None:
        entries[key] = value
    return value


def recheck() -> None:
    """Look at the generation on the next read, whatever the interval: for work that
    follows an edit it knows of (e.g. recomputing clocks after a calendar change)."""
    _cache.checked_at = float("-inf")


def clear() -> None:
    """Drop everything (tests; a management command that edits master data in bulk)."""
    with _cache.lock:
        _cache.entries = {}
        _cache.generation = None


# --- what is cached -------------------------------------------------------------------------


def area_by_code(code: str):
    from .models import ServiceArea

    return cached(("area_code", code), lambda: ServiceArea.objects.filter(code=code).first())


def area_by_id(area_id: int):
    from .models import ServiceArea

    return cached(("area_id", area_id), lambda: ServiceArea.objects.filter(pk=area_id).first())


_NO_POLICY = object()


def sla_policy(*, priority: str, area_type: str, service_type: str = "repair"):
    """The SLA policy for a service type, priority and area type with its targets loaded
    (the type's own policy, else the one for every type), or None."""
    from .sla.models import SlaPolicy

    def load():
        policy = (
            SlaPolicy.objects.filter(priority=priority, area_type=area_type)
            .filter(Q(service_type=service_type) | Q(service_type__isnull=True))
            .select_related("calendar")
            .prefetch_related("targets")
            .order_by(F("service_type").asc(nulls_last=True))
            .first()
        )
        if policy is None:
            return _NO_POLICY
        policy.targets_by_kind = {target.kind: target for target in policy.targets.all()}
        return policy

    policy = cached(("sla_policy", service_type, priority, area_type), load)
    return None if policy is _NO_POLICY else policy


def service_types() -> dict:
    """Every service type by code, in list order."""
    from .models import ServiceType

    return cached(("service_types",), lambda: {t.code: t for t in ServiceType.objects.all()})


def service_type(code: str):
    """The service type with this code, or None."""
    return service_types().get(code)


def schedule(calendar_id: int):
    """A service calendar as an in-memory `Schedule` (hours and holidays)."""
    from .sla import calendar as cal
    from .sla.models import ServiceCalendar

    def load():
        calendar = (
            ServiceCalendar.objects.prefetch_related("hours", "holidays")
            .filter(pk=calendar_id)
            .first()
        )
        return cal.schedule_for(calendar) if calendar else None

    return cached(("schedule", calendar_id), load)


@dataclass(frozen=True)
class WarrantyTerms:
    whole_unit_months: int
    components: tuple[tuple[str, int], ...]  # (component, months), shortest first
    starts_from: str = "purchase"  # or "installation" (WarrantyPolicy.StartsFrom)


def warranty_terms(category: str) -> WarrantyTerms | None:
    from .models import WarrantyPolicy

    def load():
        policy = (
            WarrantyPolicy.objects.filter(category=category).prefetch_related("components").first()
        )
        if policy is None:
            return None
        terms = sorted(policy.components.all(), key=lambda t: t.months)
        return WarrantyTerms(
            whole_unit_months=policy.whole_unit_months,
            components=tuple((t.component, t.months) for t in terms),
            starts_from=policy.starts_from,
        )

    return cached(("warranty", category), load)


def fee_items() -> dict:
    """The published call-out and labour fees by (kind, category, fault class, service
    type code or "" for the lines of every type)."""
    from .models import FeeItem

    def load():
        kinds = [FeeItem.Kind.CALL_OUT, FeeItem.Kind.LABOUR]
        return {
            (i.kind, i.category, i.fault_class, i.service_type_id or ""): i.amount
            for i in FeeItem.objects.filter(kind__in=kinds)
        }

    return cached(("fee_items",), load)


@dataclass(frozen=True)
class MaterialPrice:
    code: str
    name_zh_hans: str
    name_en: str
    unit: str
    unit_price: object  # Decimal
    free_allowance: int

    @property
    def name(self) -> str:
        from .languages import in_language

        return in_language(self.name_zh_hans, self.name_en) or self.code

    @property
    def unit_label(self) -> str:
        """The unit's short form as printed after a quantity: "6 m", "1 pcs"."""
        from .models import FeeItem

        try:
            return str(FeeItem.Unit(self.unit).label).split(" ")[0]
        except ValueError:
            return self.unit


def materials(*, service_type: str, category: str) -> dict[str, MaterialPrice]:
    """The materials an engineer may charge on a job of this type and category, by code:
    the service type's own lines before the lines of every type, the category's before
    the general ones."""
    from .models import FeeItem

    def load():
        return list(FeeItem.objects.filter(kind=FeeItem.Kind.MATERIAL))

    rows = cached(("materials",), load) or []

    def rank(item):
        return (item.service_type_id != service_type, item.category != category)

    found: dict[str, MaterialPrice] = {}
    for item in sorted(rows, key=rank):
        if item.service_type_id not in (service_type, None) or item.category not in (category, ""):
            continue
        found.setdefault(
            item.material_code,
            MaterialPrice(
                code=item.material_code,
                name_zh_hans=item.name_zh_hans,
                name_en=item.name_en,
                unit=item.unit,
                unit_price=item.amount,
                free_allowance=item.free_allowance,
            ),
        )
    return dict(sorted(found.items()))


def token_user(key: str):
    """The active user holding this API token with their roles loaded, or None. A copy
    per call: a request may set attributes on its user."""
    from rest_framework.authtoken.models import Token

    from .roles import roles_of

    def load():
        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None or not token.user.is_active:
            return None
        roles_of(token.user)  # loads and keeps the roles on the object
        return token.user

    user = cached(("token", key), load)
    return copy.copy(user) if user is not None else None
