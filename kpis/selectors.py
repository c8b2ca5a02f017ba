"""Reads of the kpis app: who sees which part of the network, the figures of a window,
their breakdown and trend, and the exact tickets behind a figure.

The whole network reads the daily rollups; a service-point manager's share (a handful of
engineers) is added up from the facts themselves. Both sums are the same facts."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404

from engineers.models import Engineer, ServicePoint
from tickets.models import ServiceArea
from tickets.roles import SUPERVISING_ROLES, has_role

from . import definitions
from .models import Grain, KpiFact, KpiRollup

MAX_RANGE_DAYS = 1100  # three years: a list or export may span the whole history


@dataclass(frozen=True)
class Scope:
    """What a user may see: the network (points None) or their own service points."""

    points: tuple[int, ...] | None

    @property
    def network(self) -> bool:
        return self.points is None


@dataclass(frozen=True)
class Narrowing:
    """The part of the scope a page asks for (all optional)."""

    area: int | None = None
    point: int | None = None
    engineer: int | None = None
    service_type: str | None = None  # a service type's code; None: every type


def scope_for(user) -> Scope:
    """Supervisors see the network, a service point's manager their own points; anyone
    else is refused (403)."""
    if has_role(user, *SUPERVISING_ROLES):
        return Scope(points=None)
    points = tuple(
        ServicePoint.objects.filter(manager=user).order_by("pk").values_list("pk", flat=True)
    )
    if points and user.is_authenticated:
        return Scope(points=points)
    raise PermissionDenied


def narrowing_check(scope: Scope, narrowing: Narrowing) -> None:
    """A point or engineer outside the scope is not found (as if it did not exist)."""
    if scope.network:
        return
    if narrowing.point is not None and narrowing.point not in scope.points:
        raise Http404
    if (
        narrowing.engineer is not None
        and not Engineer.objects.filter(
            pk=narrowing.engineer, service_point_id__in=scope.points
        ).exists()
    ):
        raise Http404


@dataclass
class Figure:
    kpi: definitions.Kpi
    numerator: int = 0
    denominator: int = 0
    value_sum: int = 0

    @property
    def available(self) -> bool:
        return self.kpi.available()

    @property
    def value(self) -> float | None:
        return self.kpi.figure(self.numerator, self.denominator, self.value_sum)

    @property
    def meets(self) -> bool | None:
        return self.kpi.meets(self.value)

    @property
    def display(self) -> str:
        return self.kpi.display(self.value)

    @property
    def top(self) -> int:
        """The numerator as shown: a count, or the summed values in the KPI's unit."""
        if self.kpi.aggregate == "count":
            return self.numerator
        return self.value_sum

    @property
    def top_display(self) -> str:
        if self.kpi.aggregate == "count":
            return str(self.numerator)
        if self.kpi.unit == "hours":
            return f"{self.value_sum / definitions.HOUR:.1f} h"
        return str(self.value_sum)


def _facts(scope: Scope, narrowing: Narrowing, start: dt.date, end: dt.date):
    qs = KpiFact.objects.filter(day__gte=start, day__lte=end)
    if not scope.network:
        qs = qs.filter(service_point_id__in=scope.points)
    if narrowing.area is not None:
        qs = qs.filter(area_id=narrowing.area)
    if narrowing.point is not None:
        qs = qs.filter(service_point_id=narrowing.point)
    if narrowing.engineer is not None:
        qs = qs.filter(engineer_id=narrowing.engineer)
    if narrowing.service_type is not None:
        qs = qs.filter(service_type_id=narrowing.service_type)
    return qs


def _rollups(narrowing: Narrowing, start: dt.date, end: dt.date, codes):
    qs = KpiRollup.objects.filter(day__gte=start, day__lte=end)
    if codes is not None:
        qs = qs.filter(kpi__in=list(codes))
    if narrowing.service_type is not None:
        qs = qs.filter(service_type=narrowing.service_type)
    return qs


def _rollup_grain(scope: Scope, narrowing: Narrowing) -> tuple[str, int] | None:
    """The one rollup row family that answers this question, or None (use the facts)."""
    given = [
        (g, k)
        for g, k in (
            (Grain.AREA, narrowing.area),
            (Grain.POINT, narrowing.point),
            (Grain.ENGINEER, narrowing.engineer),
        )
        if k is not None
    ]
    if len(given) > 1:
        return None
    if given:
        grain, key = given[0]
        if scope.network or grain == Grain.POINT:
            return grain, key
        return None
    if scope.network:
        return Grain.NETWORK, 0
    if len(scope.points) == 1:
        return Grain.POINT, scope.points[0]
    return None


def _sums(scope, narrowing, start, end, *, by=(), codes=None):
    """{(kpi, *by values): (numerator, denominator, value_sum)} from rollups or facts."""
    grain = _rollup_grain(scope, narrowing)
    if grain is not None and set(by) <= {"day"}:
        qs = _rollups(narrowing, start, end, codes).filter(grain=grain[0], key=grain[1])
        rows = qs.values("kpi", *by).annotate(
            n=Sum("numerator"), d=Sum("denominator"), v=Sum("value_sum")
        )
    elif (
        scope.network
        and not any((narrowing.area, narrowing.point, narrowing.engineer))
        and (len(by) == 1 and by[0] in COLUMN_GRAINS)
    ):
        qs = _rollups(narrowing, start, end, codes).filter(grain=COLUMN_GRAINS[by[0]])
        rows = qs.values("kpi", "key").annotate(
            n=Sum("numerator"), d=Sum("denominator"), v=Sum("value_sum")
        )
        return {(r["kpi"], r["key"] or None): (r["n"], r["d"], r["v"]) for r in rows}
    else:
        rows = (
            _facts(scope, narrowing, start, end)
            .values("kpi", *by)
            .annotate(n=Count("id", filter=Q(numerator=True)), d=Count("id"), v=Sum("value"))
        )
    return {(r["kpi"], *(r[b] for b in by)): (r["n"], r["d"], r["v"] or 0) for r in rows}


def figures(
    scope: Scope, narrowing: Narrowing, start: dt.date, end: dt.date, *, codes=None
) -> list[Figure]:
    sums = _sums(scope, narrowing, start, end, codes=codes)
    out = []
    for kpi in definitions.KPIS:
        if codes is not None and kpi.code not in codes:
            continue
        n, d, v = sums.get((kpi.code,), (0, 0, 0))
        out.append(Figure(kpi=kpi, numerator=n, denominator=d, value_sum=v))
    return out


BREAKDOWN_COLUMNS = {"area": "area_id", "point": "service_point_id", "engineer": "engineer_id"}
# The rollup grain that holds the sums per value of a fact column (key 0: none).
COLUMN_GRAINS = {
    "area_id": Grain.AREA,
    "service_point_id": Grain.POINT,
    "engineer_id": Grain.ENGINEER,
}


@dataclass
class BreakdownRow:
    key: int | None
    label: str
    figures: dict[str, Figure] = field(default_factory=dict)
    cells: list[Figure] = field(default_factory=list)  # the figures in column order


def _labels(by: str, keys) -> dict[int, str]:
    keys = [k for k in keys if k]
    if by == "area":
        return {a.pk: str(a) for a in ServiceArea.objects.filter(pk__in=keys)}
    if by == "point":
        return dict(ServicePoint.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {
        e.pk: f"{e.display_name} ({e.user.get_username()})"
        for e in Engineer.objects.filter(pk__in=keys).select_related("user")
    }


def breakdown(
    scope: Scope,
    narrowing: Narrowing,
    start: dt.date,
    end: dt.date,
    *,
    by: str,
    codes: list[str],
    sort: str = "",
    descending: bool = False,
) -> list[BreakdownRow]:
    column = BREAKDOWN_COLUMNS[by]
    sums = _sums(scope, narrowing, start, end, by=(column,) if by else (), codes=codes)
    keys = {k[1] for k in sums}
    labels = _labels(by, keys)
    rows = {}
    for (code, key), (n, d, v) in sums.items():
        kpi = definitions.get(code)
        if kpi is None or code not in codes:
            continue
        row = rows.setdefault(key, BreakdownRow(key=key, label=labels.get(key, "")))
        row.figures[code] = Figure(kpi=kpi, numerator=n, denominator=d, value_sum=v)
    for row in rows.values():
        for code in codes:
            row.figures.setdefault(code, Figure(kpi=definitions.get(code)))
        row.cells = [row.figures[code] for code in codes]
    out = list(rows.values())
    if sort in codes:
        present = [r for r in out if r.figures[sort].value is not None]
        absent = [r for r in out if r.figures[sort].value is None]
        present.sort(key=lambda r: (r.figures[sort].value, r.label), reverse=descending)
        return present + sorted(absent, key=lambda r: r.label)
    out.sort(key=lambda r: (r.label == "", r.label), reverse=descending)
    return out


def trend(scope, narrowing, start: dt.date, end: dt.date, *, code: str) -> list[dict]:
    kpi = definitions.get(code)
    sums = _sums(scope, narrowing, start, end, by=("day",), codes=[code])
    out = []
    day = start
    while day <= end:
        n, d, v = sums.get((code, day), (0, 0, 0))
        value = kpi.figure(n, d, v)
        if value is not None and kpi.unit == "percent":
            value = round(value * 100, 2)
        elif value is not None and kpi.unit == "hours":
            value = round(value / definitions.HOUR, 2)
        elif value is not None:
            value = round(value, 2)
        out.append({"day": day.isoformat(), "value": value, "denominator": d})
        day += dt.timedelta(days=1)
    return out


def tickets_counted(
    scope: Scope,
    narrowing: Narrowing,
    start: dt.date,
    end: dt.date,
    *,
    code: str,
    part: str = "den",
):
    """The facts behind a figure: every ticket of its denominator, or of its numerator,
    in the order counted. Read them with .values() of the columns shown: a list page of
    model instances with their tickets, areas, points and engineers costs twice the time."""
    qs = _facts(scope, narrowing, start, end).filter(kpi=code)
    if part == "num":
        qs = qs.filter(numerator=True)
    return qs.order_by("day", "id")
