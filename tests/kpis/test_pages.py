"""The dashboard, breakdown and drill-down pages: who sees what, and that every figure
opens exactly the tickets it counted."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from kpis import definitions

from .conftest import BASE, H, catch_up, job

pytestmark = pytest.mark.django_db

RANGE = {
    "period": "range",
    "start": BASE.date().isoformat(),
    "end": timezone.localdate().isoformat(),
}


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))[1:]


@pytest.fixture
def history(world):
    w = world
    made = {
        "north_fixed": job(w.north, w.e1, BASE),
        "north_twice": job(w.north, w.e2, BASE + H, visits=2),
        "north_manual": job(w.north, w.e1, BASE + 2 * H, manual=True),
        "south_fixed": job(w.south, w.e3, BASE + 3 * H),
        "south_twice": job(w.south, w.e3, BASE + 4 * H, visits=2),
    }
    catch_up()
    return made


def test_supervisor_sees_the_network_and_dashboard_reaches_it(client, supervisor, history):
    client.force_login(supervisor)
    response = client.get("/dashboard/", RANGE, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith("/kpi/")
    ftf = next(f for f in response.context["groups"][0][1] if f.kpi.code == "ftf")
    assert (ftf.numerator, ftf.denominator) == (3, 5)
    assert "60.0%" in response.content.decode()
    # No survey was answered in the window: CSAT shows no figure, not 0%.
    csat = next(
        f
        for _g, rows in response.context["groups"]
        for f in rows
        if f.kpi.code == "csat_speed_share"
    )
    assert csat.available and csat.denominator == 0 and csat.display == "—"


def test_an_agent_is_refused_and_a_visitor_logs_in(client, agent, history):
    assert client.get("/kpi/").status_code == 302
    client.force_login(agent)
    assert client.get("/kpi/").status_code == 403
    assert client.get("/kpi/ftf/tickets/").status_code == 403
    assert client.get("/kpi/breakdown/").status_code == 403


def test_a_service_point_manager_sees_only_their_point(client, world, history):
    client.force_login(world.manager)
    response = client.get("/kpi/", RANGE)
    assert response.status_code == 200
    ftf = next(f for f in response.context["headline"] if f.kpi.code == "ftf")
    assert (ftf.numerator, ftf.denominator) == (2, 3)
    rows = csv_rows(client.get("/kpi/ftf/tickets/", {**RANGE, "format": "csv"}))
    numbers = {r[0] for r in rows}
    assert numbers == {history[k].number for k in ("north_fixed", "north_twice", "north_manual")}
    assert client.get("/kpi/", {**RANGE, "point": world.p_south.pk}).status_code == 404
    assert client.get("/kpi/ftf/tickets/", {**RANGE, "engineer": world.e3.pk}).status_code == 404
    breakdown = client.get("/kpi/breakdown/", {**RANGE, "by": "engineer"})
    assert {r.key for r in breakdown.context["rows"]} == {world.e1.pk, world.e2.pk}


def test_every_figure_opens_exactly_the_tickets_it_counts(client, supervisor, history):
    client.force_login(supervisor)
    figures = client.get("/kpi/", RANGE).context["groups"]
    checked = 0
    for _group, rows in figures:
        for f in rows:
            if not f.available or not f.denominator:
                continue
            den = csv_rows(client.get(f"/kpi/{f.kpi.code}/tickets/", {**RANGE, "format": "csv"}))
            num = csv_rows(
                client.get(f"/kpi/{f.kpi.code}/tickets/", {**RANGE, "part": "num", "format": "csv"})
            )
            assert len(den) == f.denominator, f.kpi.code
            assert len({r[0] for r in den}) == len(den)
            assert len(num) == f.numerator, f.kpi.code
            if f.kpi.aggregate == "sum" and f.kpi.unit == "hours":
                assert sum(float(r[6]) for r in den) == pytest.approx(f.value_sum / 3600, abs=0.1)
            checked += 1
    assert checked >= 6


def test_drill_down_shows_the_columns_that_explain_first_time_fix(
    client, supervisor, world, history, django_assert_max_num_queries
):
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        response = client.get("/kpi/ftf/tickets/", {**RANGE, "point": world.p_north.pk})
    assert len(response.context["rows"]) == 3
    response = client.get("/kpi/ftf/tickets/", RANGE)
    html = response.content.decode()
    assert "Visits" in html and "Repeat ticket" in html
    assert history["north_twice"].number in html
    num = client.get("/kpi/ftf/tickets/", {**RANGE, "part": "num"}).content.decode()
    assert history["north_twice"].number not in num and history["north_fixed"].number in num


def test_dashboard_and_breakdown_read_a_fixed_number_of_queries(
    client, supervisor, world, history, django_assert_max_num_queries
):
    client.force_login(supervisor)
    with django_assert_max_num_queries(10):
        assert client.get("/kpi/", RANGE).status_code == 200
    for by in ("point", "area", "engineer"):
        with django_assert_max_num_queries(10):
            assert client.get("/kpi/breakdown/", {**RANGE, "by": by}).status_code == 200
    with django_assert_max_num_queries(12):
        assert (
            client.get(
                "/kpi/breakdown/", {**RANGE, "point": world.p_north.pk, "by": "engineer"}
            ).status_code
            == 200
        )


def test_network_dashboard_and_breakdown_read_the_rollups_not_the_facts(
    client, supervisor, world, history
):
    """A network figure costs the same however long the history: no query over the facts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/kpi/", RANGE).status_code == 200
        for by in ("point", "area", "engineer"):
            assert client.get("/kpi/breakdown/", {**RANGE, "by": by}).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "kpis_kpifact" in q["sql"]]


def test_breakdown_by_service_point_sorts_and_exports(client, supervisor, world, history):
    client.force_login(supervisor)
    response = client.get("/kpi/breakdown/", {**RANGE, "by": "point", "sort": "ftf"})
    rows = response.context["rows"]
    assert [r.key for r in rows] == [world.p_south.pk, world.p_north.pk]  # 50% then 66.7%
    rows = client.get(
        "/kpi/breakdown/", {**RANGE, "by": "point", "sort": "ftf", "dir": "desc"}
    ).context["rows"]
    assert rows[0].key == world.p_north.pk
    exported = csv_rows(client.get("/kpi/breakdown/", {**RANGE, "by": "point", "format": "csv"}))
    assert {r[0] for r in exported} == {"North point", "South point"}


def test_a_bad_range_is_a_form_error(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/kpi/", {"period": "range", "start": "2026-05-02", "end": "2026-05-01"})
    assert response.status_code == 400
    assert "must end on or after" in response.content.decode()


def test_figures_refresh_in_place(client, supervisor, history):
    client.force_login(supervisor)
    response = client.get("/kpi/", RANGE, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="kpi-figures")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "kpi-table" in html


def test_definitions_text_reaches_the_list(client, supervisor, history):
    client.force_login(supervisor)
    html = client.get("/kpi/manual_dispatch/tickets/", RANGE).content.decode()
    assert str(definitions.get("manual_dispatch").denominator_text) in html
    assert history["north_manual"].number in html


def test_drill_down_cost_does_not_grow_with_its_rows(client, supervisor, world):
    """The same queries and no model instance per row, however many rows the page shows;
    each row still links to its ticket and names its engineer."""
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.force_login(supervisor)

    def measure():
        built = []

        def count(sender, **kwargs):
            built.append(sender)

        client.get("/kpi/manual_dispatch/tickets/", RANGE)  # warm the caches
        post_init.connect(count)
        try:
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/kpi/manual_dispatch/tickets/", RANGE)
        finally:
            post_init.disconnect(count)
        return response, len(queries.captured_queries), len(built)

    first = [job(world.north, world.e1, BASE + i * H) for i in range(2)]
    catch_up()
    small, small_queries, small_built = measure()
    more = [job(world.south, world.e3, BASE + (10 + i) * H) for i in range(5)]
    catch_up()
    large, large_queries, large_built = measure()
    assert (len(small.context["rows"]), len(large.context["rows"])) == (2, 7)
    assert large_queries == small_queries
    assert large_built == small_built
    html = large.content.decode()
    for t in first + more:
        assert f'href="{reverse("ticket_detail", args=[t.pk])}"' in html
        assert t.number in html
    assert world.e3.display_name in html and "North · Qingdao" not in html
    assert "Qingdao · South" in html
