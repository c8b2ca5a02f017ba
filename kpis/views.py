"""The KPI dashboard, its breakdown tables and the tickets behind every figure."""

from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from engineers.models import Engineer, ServicePoint
from tickets import masterdata
from tickets.models import ServiceArea

from . import definitions, selectors
from .db import read_alias, reads_from_replica
from .exports import csv_response
from .forms import DashboardQuery

PAGE = 50
WINDOW_KEYS = ("period", "start", "end", "area", "point", "engineer", "service_type")


def _window_query(form: DashboardQuery, **overrides) -> str:
    d = form.cleaned_data
    values = {k: d.get(k) for k in WINDOW_KEYS}
    if d["period"] != "range":
        values["start"] = values["end"] = None
    values.update(overrides)
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _ask(request):
    """(scope, form) for a request, or a response: login, 403 or a form error (400)."""
    if not request.user.is_authenticated:
        return None, None, redirect_to_login(request.get_full_path())
    scope = selectors.scope_for(request.user)  # PermissionDenied: 403
    form = DashboardQuery(request.GET)
    if not form.is_valid():
        return scope, form, None
    selectors.narrowing_check(scope, form.narrowing())
    return scope, form, None


def _narrowing_label(form) -> str:
    n = form.narrowing()
    parts = []
    if n.service_type:
        parts.append(masterdata.service_type(n.service_type).name)
    if n.area:
        parts.append(str(ServiceArea.objects.filter(pk=n.area).first() or ""))
    if n.point:
        parts.append(
            ServicePoint.objects.filter(pk=n.point).values_list("name", flat=True).first() or ""
        )
    if n.engineer:
        e = Engineer.objects.filter(pk=n.engineer).select_related("user").first()
        parts.append(e.display_name if e else "")
    return " · ".join(p for p in parts if p)


def _bad_query(request, form, template="kpis/dashboard.html"):
    return render(request, template, {"form": form, "invalid": True}, status=400)


@require_GET
def dashboard_redirect(request):
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("kpi_dashboard") + (f"?{query}" if query else ""))


@require_GET
@reads_from_replica
def dashboard(request):
    scope, form, response = _ask(request)
    if response is not None:
        return response
    if not form.is_valid():
        return _bad_query(request, form)
    d = form.cleaned_data
    narrowing = form.narrowing()
    figures = selectors.figures(scope, narrowing, d["start"], d["end"])
    if request.GET.get("format") == "csv":
        return csv_response(
            f"kpis-{d['start']}-{d['end']}.csv",
            [_("KPI"), _("Version"), _("Value"), _("Target"), _("Numerator"), _("Denominator")],
            (
                [
                    f.kpi.code,
                    f.kpi.version,
                    f.display if f.available else _("no data yet"),
                    f.kpi.target_display,
                    f.top,
                    f.denominator,
                ]
                for f in figures
            ),
        )
    trend_start, trend_end = form.trend_window()
    trend_kpi = definitions.get(d["kpi"])
    context = {
        "form": form,
        "scope": scope,
        "start": d["start"],
        "end": d["end"],
        "period": d["period"],
        "groups": _grouped(figures),
        "headline": [f for f in figures if f.kpi.code in definitions.HEADLINE],
        "window_query": _window_query(form),
        "trend_kpi": trend_kpi,
        "trend": {
            "name": str(trend_kpi.name),
            "unit": trend_kpi.unit,
            "target": _trend_target(trend_kpi),
            "points": selectors.trend(
                scope, narrowing, trend_start, trend_end, code=trend_kpi.code
            ),
        },
        "kpis": definitions.KPIS,
        "narrowed": _narrowing_label(form),
        "refreshed_at": timezone.now(),
        "point_choices": _point_choices(scope),
    }
    if request.htmx and request.htmx.target == "kpi-figures":
        return render(request, "kpis/dashboard.html#figures", context)
    return render(request, "kpis/dashboard.html", context)


def _trend_target(kpi) -> float:
    if kpi.unit == "percent":
        return round(kpi.target * 100, 2)
    if kpi.unit == "hours":
        return round(kpi.target / definitions.HOUR, 2)
    return kpi.target


def _point_choices(scope):
    qs = ServicePoint.objects.order_by("name")
    if not scope.network:
        qs = qs.filter(pk__in=scope.points)
    return list(qs.values_list("pk", "name")[:500])


def _grouped(figures):
    groups: dict[str, list] = {}
    for f in figures:
        groups.setdefault(str(f.kpi.group), []).append(f)
    return list(groups.items())


@require_GET
@reads_from_replica
def breakdown(request):
    scope, form, response = _ask(request)
    if response is not None:
        return response
    if not form.is_valid():
        return _bad_query(request, form)
    d = form.cleaned_data
    codes = list(definitions.HEADLINE)
    if d["kpi"] not in codes:
        codes.append(d["kpi"])
    descending = d.get("dir") == "desc"
    rows = selectors.breakdown(
        scope,
        form.narrowing(),
        d["start"],
        d["end"],
        by=d["by"],
        codes=codes,
        sort=d.get("sort") or "",
        descending=descending,
    )
    kpis = [definitions.get(c) for c in codes]
    if request.GET.get("format") == "csv":
        header = [dict(form.fields["by"].choices)[d["by"]]]
        for k in kpis:
            header += [
                k.code,
                " ".join([k.code, _("numerator")]),
                " ".join([k.code, _("denominator")]),
            ]
        return csv_response(
            f"kpis-by-{d['by']}-{d['start']}-{d['end']}.csv",
            header,
            (
                [r.label or _("Unattributed")]
                + [
                    v
                    for k in kpis
                    for v in (
                        r.figures[k.code].display,
                        r.figures[k.code].top,
                        r.figures[k.code].denominator,
                    )
                ]
                for r in rows
            ),
        )
    context = {
        "form": form,
        "rows": rows,
        "kpis": kpis,
        "by": d["by"],
        "sort": d.get("sort") or "",
        "descending": descending,
        "window_query": _window_query(form),
        "breakdown_query": _window_query(form, by=d["by"], kpi=d["kpi"]),
        "by_choices": form.fields["by"].choices,
        "narrowed": _narrowing_label(form),
    }
    if request.htmx:
        return render(request, "kpis/breakdown.html#table", context)
    return render(request, "kpis/breakdown.html", context)


@require_GET
@reads_from_replica
def tickets(request, code: str):
    kpi = definitions.get(code)
    if kpi is None:
        raise Http404
    scope, form, response = _ask(request)
    if response is not None:
        return response
    if not form.is_valid():
        return _bad_query(request, form)
    d = form.cleaned_data
    facts = selectors.tickets_counted(
        scope, form.narrowing(), d["start"], d["end"], code=code, part=d["part"]
    )
    columns = list(kpi.columns)
    if request.GET.get("format") == "csv":
        zone = timezone.get_current_timezone()
        header = [
            _("Ticket"),
            _("Counted at"),
            _("Area"),
            _("Service point"),
            _("Engineer"),
            _("In the numerator"),
            _("Value"),
        ] + [label for _k, label in columns]
        return csv_response(
            f"{code}-{d['part']}-{d['start']}-{d['end']}.csv",
            header,
            # The stream is read after the view returns: fix the database and zone now.
            (
                _csv_row(kpi, row, columns, zone)
                for row in facts.using(read_alias()).values_list(*CSV_FIELDS).iterator(5000)
            ),
        )
    page = d["page"]
    # Plain rows of the columns shown (one query with its joins): model instances of the
    # fact, its ticket, area, point, engineer and user cost more than the rest of the page.
    rows = list(facts.values(*PAGE_FIELDS)[(page - 1) * PAGE : page * PAGE + 1])
    has_next = len(rows) > PAGE
    rows = rows[:PAGE]
    (figure,) = selectors.figures(scope, form.narrowing(), d["start"], d["end"], codes=[code])
    context = {
        "form": form,
        "kpi": kpi,
        "figure": figure,
        "part": d["part"],
        "rows": [_page_row(kpi, row, columns) for row in rows],
        "columns": columns,
        "page": page,
        "has_next": has_next,
        "window_query": _window_query(form),
        "start": d["start"],
        "end": d["end"],
        "narrowed": _narrowing_label(form),
    }
    return render(request, "kpis/tickets.html", context)


def _value(kpi, value: int) -> str:
    if kpi.aggregate == "count":
        return ""
    if kpi.unit == "hours":
        return f"{value / definitions.HOUR:.1f} h"
    return str(value)


PAGE_FIELDS = (
    "ticket_id",
    "at",
    "numerator",
    "value",
    "detail",
    "ticket__number",
    "area__city",
    "area__name",
    "service_point__name",
    "engineer_id",
    "engineer__user__username",
    "engineer__user__first_name",
    "engineer__user__last_name",
)


def _page_row(kpi, row: dict, columns) -> dict:
    engineer = ""
    if row["engineer_id"]:
        engineer = Engineer.name_shown(
            row["engineer__user__first_name"],
            row["engineer__user__last_name"],
            row["engineer__user__username"],
        )
    return {
        "ticket_id": row["ticket_id"],
        "number": row["ticket__number"],
        "at": row["at"],
        "area": ServiceArea.label(row["area__city"], row["area__name"]),
        "point": row["service_point__name"] or "",
        "engineer": engineer,
        "numerator": row["numerator"],
        "value": _value(kpi, row["value"]),
        "details": [row["detail"].get(k, "") for k, _l in columns],
    }


CSV_FIELDS = (
    "ticket__number",
    "at",
    "area__city",
    "area__name",
    "service_point__name",
    "engineer__user__username",
    "numerator",
    "value",
    "detail",
)


def _csv_row(kpi, row, columns, zone) -> list:
    number, at, city, area, point, engineer, numerator, value, detail = row
    if kpi.aggregate == "count":
        shown = ""
    elif kpi.unit == "hours":
        shown = f"{value / definitions.HOUR:.1f}"
    else:
        shown = value
    return [
        number,
        at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        ServiceArea.label(city, area),
        point or "",
        engineer or "",
        1 if numerator else 0,
        shown,
        *[detail.get(k, "") for k, _l in columns],
    ]


# --- monthly service-provider reports ------------------------------------------------------


def _reports_for(scope):
    from .models import ProviderReport

    qs = ProviderReport.objects.select_related("service_point")
    if not scope.network:
        qs = qs.filter(service_point_id__in=scope.points)
    return qs


@require_GET
@reads_from_replica
def reports(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    scope = selectors.scope_for(request.user)
    qs = _reports_for(scope)
    if request.GET.get("correction") == "1":
        qs = qs.filter(needs_correction=True)
    return render(
        request,
        "kpis/reports.html",
        {"reports": list(qs[:500]), "correction": request.GET.get("correction") == "1"},
    )


@require_GET
@reads_from_replica
def report_download(request, report_id: int, kind: str):
    from django.http import HttpResponse
    from django.shortcuts import get_object_or_404

    from . import reports as provider_reports

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    scope = selectors.scope_for(request.user)
    report = get_object_or_404(_reports_for(scope), pk=report_id)
    name = f"provider-report-{report.service_point_id}-{report.month:%Y-%m}"
    if kind == "pdf":
        response = HttpResponse(provider_reports.render_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    response = HttpResponse(
        provider_reports.render_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
