"""The service type as a dimension of the KPIs: one filter narrows the dashboard, the
per-area and per-point views, the breakdowns, the trend, the lists and the CSV, and a
figure for one type is what counting that type's tickets by hand gives."""

import io
from collections import defaultdict

import pytest

from kpis import services
from kpis.models import KpiFact, KpiRollup
from tickets.models import Ticket

from .conftest import BASE, H, catch_up, job
from .test_pages import RANGE, csv_rows
from .test_rollups import recomputed, stored

pytestmark = pytest.mark.django_db

INSTALLATION = {**RANGE, "service_type": "installation"}


@pytest.fixture
def two_types(world):
    w = world
    made = {
        "r1": job(w.north, w.e1, BASE),
        "r2": job(w.south, w.e3, BASE + H, manual=True),
        "i1": job(
            w.north, w.e1, BASE + 2 * H, service_type="installation", manual=True, reached=2 * H
        ),
        "i2": job(w.north, w.e2, BASE + 3 * H, service_type="installation", reached=3 * H),
        "i3": job(w.south, w.e3, BASE + 4 * H, service_type="installation", manual=True),
    }
    catch_up()
    return made


def by_hand(service_type="installation", **where):
    """manual_dispatch and response_time counted from the tickets and their events."""
    tickets = Ticket.objects.filter(service_type=service_type, **where)
    assigned = tickets.filter(events__to_status="assigned").distinct()
    manual = assigned.filter(events__to_status="assigned", events__data__manual=True).distinct()
    seconds = 0
    reached = 0
    for t in tickets:
        call = t.events.filter(kind="customer_call", data__outcome="reached").order_by("id").first()
        if call:
            seconds += int((call.created_at - t.created_at).total_seconds())
            reached += 1
    return {"manual": (manual.count(), assigned.count()), "response": (seconds, reached)}


def figure(response, code):
    return next(f for _g, rows in response.context["groups"] for f in rows if f.kpi.code == code)


def test_one_type_figures_equal_a_count_by_hand_on_every_view(client, supervisor, world, two_types):
    client.force_login(supervisor)
    hand = by_hand()
    assert hand == {"manual": (2, 3), "response": (6 * 3600, 3)}  # the fixture, checked

    page = client.get("/kpi/", INSTALLATION)
    manual, response = figure(page, "manual_dispatch"), figure(page, "response_time")
    assert (manual.numerator, manual.denominator) == hand["manual"]
    assert (response.value_sum, response.denominator) == hand["response"]
    assert response.display == "2.0 h"
    # All types by default; repairs alone are the rest.
    everything = figure(client.get("/kpi/", RANGE), "manual_dispatch")
    assert (everything.numerator, everything.denominator) == (3, 5)
    repairs = figure(client.get("/kpi/", {**RANGE, "service_type": "repair"}), "manual_dispatch")
    assert (repairs.numerator, repairs.denominator) == (1, 2)
    assert (repairs.numerator + manual.numerator, repairs.denominator + manual.denominator) == (
        everything.numerator,
        everything.denominator,
    )

    # One service point's view and one area's.
    north = by_hand(area=world.north)["manual"]
    assert north == (1, 2)
    for narrowed in ({"point": world.p_north.pk}, {"area": world.north.pk}):
        f = figure(client.get("/kpi/", {**INSTALLATION, **narrowed}), "manual_dispatch")
        assert (f.numerator, f.denominator) == north, narrowed

    # The trend adds up the same days.
    trend = client.get("/kpi/", {**INSTALLATION, "kpi": "manual_dispatch"}).context["trend"]
    assert sum(p["denominator"] for p in trend["points"]) == 3


def test_breakdowns_lists_and_csv_follow_the_filter(client, supervisor, world, two_types):
    client.force_login(supervisor)
    rows = client.get("/kpi/breakdown/", {**INSTALLATION, "by": "point"}).context["rows"]
    got = {
        r.key: (r.figures["manual_dispatch"].numerator, r.figures["manual_dispatch"].denominator)
        for r in rows
    }
    assert got == {world.p_north.pk: (1, 2), world.p_south.pk: (1, 1)}
    # Within one point, by engineer (added up from the facts).
    rows = client.get(
        "/kpi/breakdown/", {**INSTALLATION, "point": world.p_north.pk, "by": "engineer"}
    ).context["rows"]
    got = {r.key: r.figures["manual_dispatch"].denominator for r in rows}
    assert got == {world.e1.pk: 1, world.e2.pk: 1}
    exported = csv_rows(
        client.get("/kpi/breakdown/", {**INSTALLATION, "by": "point", "format": "csv"})
    )
    assert {r[0] for r in exported} == {"North point", "South point"}

    t = two_types
    installations = {t[k].number for k in ("i1", "i2", "i3")}
    den = csv_rows(client.get("/kpi/manual_dispatch/tickets/", {**INSTALLATION, "format": "csv"}))
    assert {r[0] for r in den} == installations
    num = csv_rows(
        client.get(
            "/kpi/manual_dispatch/tickets/", {**INSTALLATION, "part": "num", "format": "csv"}
        )
    )
    assert {r[0] for r in num} == {t["i1"].number, t["i3"].number}
    html = client.get("/kpi/manual_dispatch/tickets/", INSTALLATION).content.decode()
    assert all(n in html for n in installations)
    assert t["r2"].number not in html
    dashboard = client.get("/kpi/", RANGE)
    assert len(dashboard.context["headline"]) > 0
    assert figure(client.get("/kpi/", INSTALLATION), "ftf").denominator == 0  # a repair figure


def test_the_filter_is_one_control_and_its_links_keep_it(client, supervisor, two_types):
    client.force_login(supervisor)
    html = client.get("/kpi/", RANGE).content.decode()
    assert 'name="service_type"' in html
    assert html.count('name="service_type"') == 1
    assert '<option value="" selected>' in html  # all types unless chosen
    html = client.get("/kpi/", INSTALLATION).content.decode()
    assert '<option value="installation" selected>' in html
    assert "/kpi/manual_dispatch/tickets/?period=range" in html
    assert "service_type=installation" in html.split('id="kpi-table"')[1]
    assert "service_type=installation" in html.split('id="kpi-breakdown"')[1]


def test_an_unknown_service_type_is_a_form_error(client, supervisor, two_types):
    client.force_login(supervisor)
    response = client.get("/kpi/", {**RANGE, "service_type": "teleportation"})
    assert response.status_code == 400
    assert response.context["form"].errors["service_type"]


def test_a_manager_sees_their_points_installations(client, world, two_types):
    client.force_login(world.manager)
    f = figure(client.get("/kpi/", INSTALLATION), "manual_dispatch")
    assert (f.numerator, f.denominator) == by_hand(area=world.north)["manual"]


def _as_before_the_dimension():
    """The facts and rollups as the migration leaves those counted before it: no type on
    the facts, all their sums in the rollup rows without a type."""
    KpiFact.objects.update(service_type=None)
    KpiRollup.objects.all().delete()
    deltas = defaultdict(lambda: [0, 0, 0])
    fields = ("kpi", *services.FACT_FIELDS)
    for f in KpiFact.objects.values(*fields):
        services._add(deltas, f["kpi"], f, +1)
    services._rollups_apply(deltas)


def test_the_backfill_gives_old_facts_their_type_and_moves_their_rollups(
    client, supervisor, two_types
):
    _as_before_the_dimension()
    assert set(KpiRollup.objects.values_list("service_type", flat=True)) == {""}
    client.force_login(supervisor)
    before = figure(client.get("/kpi/", RANGE), "manual_dispatch")

    moved = services.facts_service_type_backfill(batch=7)  # several batches
    assert moved == KpiFact.objects.count()
    assert not KpiFact.objects.filter(service_type=None).exists()
    assert stored() == recomputed()
    assert not KpiRollup.objects.filter(service_type="").exists()
    after = figure(client.get("/kpi/", RANGE), "manual_dispatch")
    assert (after.numerator, after.denominator) == (before.numerator, before.denominator)
    f = figure(client.get("/kpi/", INSTALLATION), "manual_dispatch")
    assert (f.numerator, f.denominator) == by_hand()["manual"]
    assert services.facts_service_type_backfill() == 0  # run twice: nothing left to move


def test_a_full_rebuild_also_gives_every_fact_its_type(client, supervisor, two_types):
    from django.core.management import call_command

    _as_before_the_dimension()
    call_command("kpis_rebuild", stdout=io.StringIO())
    assert stored() == recomputed()
    assert not KpiFact.objects.filter(service_type=None).exists()
    client.force_login(supervisor)
    f = figure(client.get("/kpi/", INSTALLATION), "manual_dispatch")
    assert (f.numerator, f.denominator) == by_hand()["manual"]
