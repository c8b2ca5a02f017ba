"""Monthly service-provider reports: figures against targets, kept, PDF and XLSX, and points
below target two months in a row flagged for correction."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from kpis import reports
from kpis.models import ProviderReport

from .conftest import BASE, D, H, catch_up, job

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_months(world):
    w = world
    first = BASE.date().replace(day=1)
    second = reports.month_bounds(first)[1] + dt.timedelta(days=1)
    for month_start in (BASE, BASE.replace(day=1) + 32 * D):
        start = month_start.replace(day=min(month_start.day, 20))
        job(w.north, w.e1, start)
        job(w.north, w.e2, start + H, visits=2)  # north: 50% first-time fix, below 90%
        job(w.south, w.e3, start + 2 * H)
    catch_up()
    return first, second


def test_a_point_below_target_two_months_running_is_flagged(world, two_months):
    first, second = two_months
    for month in (first, second):
        for point in (world.p_north, world.p_south):
            reports.provider_report_generate(service_point=point, month=month)
    north1 = ProviderReport.objects.get(service_point=world.p_north, month=first)
    north2 = ProviderReport.objects.get(service_point=world.p_north, month=second)
    south2 = ProviderReport.objects.get(service_point=world.p_south, month=second)
    assert "ftf" in north1.below_target and north1.needs_correction is False
    assert north2.needs_correction is True
    assert south2.below_target == [] and south2.needs_correction is False
    ftf = next(f for f in north2.figures if f["kpi"] == "ftf")
    assert (ftf["numerator"], ftf["denominator"]) == (1, 2)
    assert [w["kpi"] for w in north2.worst] == ["ftf"]
    assert north2.trend[-1]["ftf"] == 0.5 and north2.trend[-2]["ftf"] == 0.5


def test_reports_are_generated_once_on_the_first_for_the_month_before(world, two_months):
    first, second = two_months
    following = reports.month_bounds(second)[1] + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(following, dt.time(1), tzinfo=dt.UTC)):
        assert reports.provider_reports_due() == 2
        assert reports.provider_reports_due() == 0
    assert set(ProviderReport.objects.values_list("month", flat=True)) == {second}


def test_pdf_and_xlsx_downloads_are_scoped(client, world, agent, supervisor, two_months):
    first, _second = two_months
    north = reports.provider_report_generate(service_point=world.p_north, month=first)
    south = reports.provider_report_generate(service_point=world.p_south, month=first)
    client.force_login(supervisor)
    pdf = client.get(f"/kpi/reports/{north.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(f"/kpi/reports/{north.pk}/xlsx/")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "North point" in values and "50.0%" in values
    assert "Needs correction" in client.get("/kpi/reports/").content.decode()

    client.force_login(world.manager)
    assert client.get(f"/kpi/reports/{north.pk}/pdf/").status_code == 200
    assert client.get(f"/kpi/reports/{south.pk}/xlsx/").status_code == 404
    listed = client.get("/kpi/reports/").context["reports"]
    assert [r.pk for r in listed] == [north.pk]
    client.force_login(agent)
    assert client.get("/kpi/reports/").status_code == 403
