"""Monthly service-provider reports: generated once for the previous month (the catch-up
task starts it on the 1st), kept, and rendered as PDF and XLSX from the stored figures."""

import datetime as dt
import io

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import ServicePoint

from . import definitions
from .models import Grain, KpiFact, KpiRollup, KpiWatermark, ProviderReport
from .services import local_day

# The KPIs a provider is judged and paid on (the operator's seed targets).
REPORT_KPIS = [
    "ftf",
    "response_time",
    "on_time_arrival",
    "manual_dispatch",
    "repeat_fault",
    "complaint_rate",
    "csat_quality_share",
]
TREND_MONTHS = 6
WORST = 20
REPORTS = "reports"


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _point_sums(point_id: int, start: dt.date, end: dt.date) -> dict:
    rows = (
        KpiRollup.objects.filter(
            grain=Grain.POINT, key=point_id, day__gte=start, day__lte=end, kpi__in=REPORT_KPIS
        )
        .values("kpi")
        .annotate(n=Sum("numerator"), d=Sum("denominator"), v=Sum("value_sum"))
    )
    return {r["kpi"]: (r["n"], r["d"], r["v"]) for r in rows}


def _figures(point_id: int, month: dt.date) -> list[dict]:
    start, end = month_bounds(month)
    sums = _point_sums(point_id, start, end)
    out = []
    for code in REPORT_KPIS:
        kpi = definitions.get(code)
        n, d, v = sums.get(code, (0, 0, 0))
        value = kpi.figure(n, d, v) if kpi.available() else None
        out.append(
            {
                "kpi": code,
                "version": kpi.version,
                "numerator": n,
                "denominator": d,
                "value_sum": v,
                "value": value,
                "target": kpi.target,
                "meets": kpi.meets(value),
            }
        )
    return out


def _worst(point_id: int, month: dt.date) -> list[dict]:
    """The tickets that cost the point most: first-time-fix failures and late arrivals."""
    start, end = month_bounds(month)
    rows = (
        KpiFact.objects.filter(
            service_point_id=point_id,
            day__gte=start,
            day__lte=end,
            kpi__in=["ftf", "on_time_arrival"],
            numerator=False,
        )
        .select_related("ticket", "engineer__user")
        .order_by("day", "id")[:WORST]
    )
    return [
        {
            "ticket": f.ticket.number,
            "kpi": f.kpi,
            "day": f.day.isoformat(),
            "engineer": f.engineer.user.get_username() if f.engineer_id else "",
            "detail": f.detail,
        }
        for f in rows
    ]


def _trend(point_id: int, month: dt.date) -> list[dict]:
    months = [month]
    for _i in range(TREND_MONTHS - 1):
        months.insert(0, previous_month(months[0]))
    out = []
    for m in months:
        start, end = month_bounds(m)
        sums = _point_sums(point_id, start, end)
        row = {"month": m.strftime("%Y-%m")}
        for code in ("ftf", "response_time", "on_time_arrival"):
            kpi = definitions.get(code)
            row[code] = kpi.figure(*sums.get(code, (0, 0, 0)))
        out.append(row)
    return out


def provider_report_generate(*, service_point: ServicePoint, month: dt.date) -> ProviderReport:
    """The report of one point and month (the first day); generating again replaces it."""
    month = month.replace(day=1)
    figures = _figures(service_point.pk, month)
    below = [f["kpi"] for f in figures if f["meets"] is False]
    earlier = ProviderReport.objects.filter(
        service_point=service_point, month=previous_month(month)
    ).first()
    with transaction.atomic():
        report, _created = ProviderReport.objects.update_or_create(
            service_point=service_point,
            month=month,
            defaults={
                "generated_at": timezone.now(),
                "figures": figures,
                "worst": _worst(service_point.pk, month),
                "trend": _trend(service_point.pk, month),
                "below_target": below,
                "needs_correction": bool(below) and bool(earlier and earlier.below_target),
            },
        )
    return report


def provider_reports_due(*, now: dt.datetime | None = None) -> int:
    """Once a month: every active point's report for the previous month. Called by the
    catch-up task; a month already done (the watermark says so) costs one query."""
    month = previous_month(local_day(now or timezone.now()))
    with transaction.atomic():
        mark, _c = KpiWatermark.objects.get_or_create(name=REPORTS)
        mark = KpiWatermark.objects.select_for_update(skip_locked=True).filter(pk=REPORTS).first()
        if mark is None or mark.value == month.isoformat():
            return 0
        count = 0
        for point in ServicePoint.objects.filter(active=True).order_by("pk").iterator(500):
            provider_report_generate(service_point=point, month=month)
            count += 1
        mark.value, mark.updated_at = month.isoformat(), timezone.now()
        mark.save()
    return count


# --- rendering ----------------------------------------------------------------------------


def _rows(report: ProviderReport) -> list[list[str]]:
    rows = []
    for f in report.figures:
        kpi = definitions.get(f["kpi"])
        if kpi is None:
            continue
        shown = kpi.display(f["value"]) if kpi.available() else _("no data yet")
        verdict = (
            "" if f["meets"] is None else (_("on target") if f["meets"] else _("below target"))
        )
        rows.append(
            [
                str(kpi.name),
                shown,
                kpi.target_display,
                str(f["numerator"]),
                str(f["denominator"]),
                verdict,
            ]
        )
    return rows


def _header() -> list[str]:
    return [_("KPI"), _("Value"), _("Target"), _("Numerator"), _("Denominator"), _("Verdict")]


def render_xlsx(report: ProviderReport) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("KPIs")[:31]
    sheet.append([report.service_point.name, report.month.strftime("%Y-%m")])
    if report.needs_correction:
        sheet.append([_("Below target two months in a row: correction required.")])
    sheet.append(_header())
    for row in _rows(report):
        sheet.append(row)
    worst = book.create_sheet(_("Worst tickets")[:31])
    worst.append([_("Ticket"), _("KPI"), _("Day"), _("Engineer")])
    for w in report.worst:
        worst.append([w["ticket"], w["kpi"], w["day"], w["engineer"]])
    trend = book.create_sheet(_("Trend")[:31])
    trend.append([_("Month"), "ftf", "response_time (s)", "on_time_arrival"])
    for t in report.trend:
        trend.append([t["month"], t["ftf"], t["response_time"], t["on_time_arrival"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_pdf(report: ProviderReport) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"  # a CID font every PDF reader has: Chinese without embedding
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    styles = getSampleStyleSheet()
    for s in styles.byName.values():
        s.fontName = font
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, title=f"{report.service_point.name} {report.month:%Y-%m}"
    )
    story = [
        Paragraph(
            _("Service provider report: %(point)s, %(month)s")
            % {"point": report.service_point.name, "month": report.month.strftime("%Y-%m")},
            styles["Title"],
        )
    ]
    if report.needs_correction:
        story.append(
            Paragraph(
                _("Below target two months in a row: correction required."), styles["Heading3"]
            )
        )
    table = Table([_header(), *_rows(report)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    story += [table, Spacer(1, 12), Paragraph(_("Worst tickets"), styles["Heading2"])]
    worst = [[_("Ticket"), _("KPI"), _("Day"), _("Engineer")]] + [
        [w["ticket"], w["kpi"], w["day"], w["engineer"]] for w in report.worst
    ]
    wt = Table(worst, repeatRows=1)
    wt.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8)])
    )
    story += [wt, Spacer(1, 12), Paragraph(_("Trend"), styles["Heading2"])]
    trend = [
        [
            _("Month"),
            str(definitions.get("ftf").name),
            str(definitions.get("response_time").name),
            str(definitions.get("on_time_arrival").name),
        ]
    ]
    for t in report.trend:
        trend.append(
            [t["month"]]
            + [
                definitions.get(c).display(t[c])
                for c in ("ftf", "response_time", "on_time_arrival")
            ]
        )
    tt = Table(trend, repeatRows=1)
    tt.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8)])
    )
    story.append(tt)
    doc.build(story)
    return out.getvalue()
