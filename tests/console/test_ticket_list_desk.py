"""The ticket list as a desk tool: every kind of search, sortable columns, the bounded
match count, a reversed date range refused, and saved filters that only their owner sees."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Assignment
from tests.console.conftest import _desk_user, make_appliance
from tests.dispatch.factories import EngineerFactory
from tests.factories import AddressFactory, CustomerFactory, ticket_create
from tickets.models import SavedTicketFilter
from tickets.sla.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent_a)
    return client


def _numbers(response) -> list[str]:
    return re.findall(r'class="mono" href="/tickets/\d+/">(SR-[\d-]+)<', response.content.decode())


def _ticket(area, agent, *, name="Li Lei", mobile=None, serial=None):
    customer = CustomerFactory(name=name, address=None, **({"mobile": mobile} if mobile else {}))
    AddressFactory(customer=customer, area=area)
    appliance = make_appliance(area, customer=customer)
    if serial is not None:
        appliance.serial_number = serial
        appliance.save(update_fields=["serial_number"])
    return ticket_create(appliance=appliance, actor=agent)


@pytest.fixture
def three(area_a, agent_a, warranty_policies, fee_schedule):
    return [
        _ticket(area_a, agent_a, name="Wang Fang", mobile="+8613811112222", serial="HR-AB-7781"),
        _ticket(area_a, agent_a, name="张伟", mobile="+8613933334444", serial="GR-99120"),
        _ticket(area_a, agent_a, name="Zhang Min", mobile="+8613755556666", serial="XQ55"),
    ]


def test_search_by_the_start_of_the_customers_name(desk, three):
    url = reverse("ticket_list")
    assert _numbers(desk.get(url, {"q": "wang"})) == [three[0].number]
    assert _numbers(desk.get(url, {"q": "张"})) == [three[1].number]
    assert _numbers(desk.get(url, {"q": "Zhang Mi"})) == [three[2].number]
    assert _numbers(desk.get(url, {"q": "Fang"})) == []


def test_search_by_ticket_number_or_its_last_digits(desk, three):
    url = reverse("ticket_list")
    target = three[1]
    assert _numbers(desk.get(url, {"q": target.number})) == [target.number]
    last = target.number.rsplit("-", 1)[1]
    assert _numbers(desk.get(url, {"q": last})) == [target.number]
    assert _numbers(desk.get(url, {"q": last[-4:]})) == [target.number]


def test_search_by_mobile_or_its_last_digits(desk, three):
    url = reverse("ticket_list")
    assert _numbers(desk.get(url, {"q": "+86 138 1111 2222"})) == [three[0].number]
    assert _numbers(desk.get(url, {"q": "5556666"})) == [three[2].number]
    assert _numbers(desk.get(url, {"q": "4444"})) == [three[1].number]


def test_search_by_serial_number_whatever_its_case(desk, three):
    url = reverse("ticket_list")
    assert _numbers(desk.get(url, {"q": "hr-ab-7781"})) == [three[0].number]
    assert _numbers(desk.get(url, {"q": "XQ55"})) == [three[2].number]
    assert _numbers(desk.get(url, {"q": "99120"})) == []  # digits: not a serial prefix


def test_search_keeps_the_desk_scoping(client, three, agent_b):
    client.force_login(agent_b)
    url = reverse("ticket_list")
    for q in (three[0].number, "wang", "13811112222", "HR-AB-7781"):
        assert _numbers(client.get(url, {"q": q})) == [], q


def _due(ticket, minutes):
    SlaClock.objects.filter(ticket=ticket).update(state=SlaClock.State.CANCELLED)
    if minutes is None:
        return
    now = timezone.now()
    SlaClock.objects.create(
        ticket=ticket,
        kind="arrival",
        state=SlaClock.State.RUNNING,
        started_at=now,
        segment_started_at=now,
        due_at=now + dt.timedelta(minutes=minutes),
    )


def test_sort_by_next_sla_due_with_tickets_without_a_clock_last(desk, three):
    _due(three[0], 90)
    _due(three[1], None)
    _due(three[2], -5)  # already late
    url = reverse("ticket_list")
    numbers = [t.number for t in three]
    assert _numbers(desk.get(url, {"sort": "due"})) == [numbers[2], numbers[0], numbers[1]]
    assert _numbers(desk.get(url, {"sort": "-due"})) == [numbers[0], numbers[2], numbers[1]]
    body = desk.get(url, {"sort": "due"}).content.decode()
    assert 'class="nowrap overdue"' in body
    # The header links reverse the current order and keep the filters.
    assert 'href="?sort=-due"' in body


def test_sort_by_engineer_and_show_who_holds_the_job(desk, three):
    for ticket, name in ((three[0], "Zoe"), (three[2], "Adam")):
        engineer = EngineerFactory(user__first_name=name)
        Assignment.objects.create(ticket=ticket, engineer=engineer, state="accepted")
    url = reverse("ticket_list")
    numbers = [t.number for t in three]
    response = desk.get(url, {"sort": "engineer"})
    assert _numbers(response) == [numbers[2], numbers[0], numbers[1]]
    assert '<td class="engineer">Adam</td>' in response.content.decode()
    assert _numbers(desk.get(url, {"sort": "-engineer"})) == [numbers[0], numbers[2], numbers[1]]


def test_sort_by_number_and_customer(desk, three):
    url = reverse("ticket_list")
    numbers = [t.number for t in three]
    assert _numbers(desk.get(url, {"sort": "number"})) == numbers
    assert _numbers(desk.get(url, {"sort": "-number"})) == numbers[::-1]
    by_name = [t.number for t in sorted(three, key=lambda t: t.customer.name)]
    assert _numbers(desk.get(url, {"sort": "customer"})) == by_name


def test_an_unknown_sort_is_a_form_error(desk, three):
    response = desk.get(reverse("ticket_list"), {"sort": "password"})
    assert response.status_code == 200 and _numbers(response) == []
    assert "Select a valid choice" in response.content.decode()


def test_sorted_list_pages_by_number(desk, area_a, agent_a, warranty_policies, fee_schedule):
    tickets = [ticket_create(appliance=make_appliance(area_a), actor=agent_a) for _ in range(53)]
    url = reverse("ticket_list")
    first = desk.get(url, {"sort": "number"})
    assert _numbers(first) == [t.number for t in tickets][:50]
    assert 'href="?sort=number&amp;page=2"' in first.content.decode()
    second = desk.get(url, {"sort": "number", "page": "2"})
    assert _numbers(second) == [t.number for t in tickets][50:]
    assert 'page=1"' in second.content.decode() and 'page=3"' not in second.content.decode()


def test_count_is_exact_up_to_the_bound_then_more_than(desk, three, settings):
    url = reverse("ticket_list")
    settings.TICKET_LIST_COUNT_BOUND = 5
    assert "3 tickets match" in desk.get(url).content.decode()
    assert "1 ticket matches" in desk.get(url, {"q": "wang"}).content.decode()
    settings.TICKET_LIST_COUNT_BOUND = 2
    body = desk.get(url).content.decode()
    assert "More than 2 tickets match" in body
    settings.TICKET_LIST_COUNT_BOUND = 3
    assert "3 tickets match" in desk.get(url).content.decode()


def test_count_reads_a_limited_subquery(desk, three, settings, django_assert_max_num_queries):
    settings.TICKET_LIST_COUNT_BOUND = 7
    with django_assert_max_num_queries(11) as captured:  # cold master-data cache
        desk.get(reverse("ticket_list"), {"sort": "due"})
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 8" in counts[0]


def test_sorted_list_in_fixed_queries(
    desk, area_a, agent_a, warranty_policies, fee_schedule, settings, django_assert_num_queries
):
    for _ in range(12):
        ticket = ticket_create(appliance=make_appliance(area_a), actor=agent_a)
        Assignment.objects.create(ticket=ticket, engineer=EngineerFactory(), state="accepted")
    url, params = reverse("ticket_list"), {"sort": "engineer"}
    desk.get(url, params)
    settings.MASTERDATA_RECHECK_SECONDS = 3600
    # session, user, roles, staff profile, tickets (with their engineer and next due time),
    # the bounded count, the user's areas, the user's saved filters
    with django_assert_num_queries(8):
        body = desk.get(url, params).content.decode()
    assert len(re.findall(r'<td class="engineer">[^<]+</td>', body)) == 12


def test_reversed_date_range_is_a_form_error(desk, three):
    response = desk.get(
        reverse("ticket_list"), {"created_from": "2026-05-03", "created_to": "2026-05-01"}
    )
    body = response.content.decode()
    assert "The end of the date range is before its start" in body
    assert "No tickets match these filters." not in body
    assert "Correct the filters above" in body
    assert _numbers(response) == []


def test_saved_filter_is_stored_listed_and_opened(desk, three, agent_a):
    response = desk.post(
        reverse("ticket_filter_save"),
        {"name": "My breaches", "query": "sla=breached&sort=due&after=abc&page=3&q="},
    )
    saved = SavedTicketFilter.objects.get(owner=agent_a)
    assert saved.query == "sla=breached&sort=due"
    assert response.status_code == 302 and response.url.endswith("?sla=breached&sort=due")
    page = desk.get(reverse("ticket_list")).content.decode()
    assert "My breaches" in page and reverse("ticket_filter_open", args=[saved.pk]) in page
    opened = desk.get(reverse("ticket_filter_open", args=[saved.pk]))
    assert opened.status_code == 302 and opened.url.endswith("?sla=breached&sort=due")
    # The same name again replaces the query, it does not add a second filter.
    desk.post(reverse("ticket_filter_save"), {"name": "My breaches", "query": "priority=emergency"})
    assert SavedTicketFilter.objects.get(owner=agent_a).query == "priority=emergency"


def test_saved_filter_needs_a_bounded_name(desk, agent_a):
    desk.post(reverse("ticket_filter_save"), {"name": "x" * 81, "query": "q=1"})
    desk.post(reverse("ticket_filter_save"), {"name": "  ", "query": "q=1"})
    assert not SavedTicketFilter.objects.filter(owner=agent_a).exists()


def test_another_users_saved_filter_is_404(client, desk, agent_a, centre_a):
    mine = SavedTicketFilter.objects.create(owner=agent_a, name="Mine", query="sla=breached")
    colleague = _desk_user("carla", "agent", centre_a)
    client.force_login(colleague)
    page = client.get(reverse("ticket_list")).content.decode()
    assert "Mine" not in page
    assert client.get(reverse("ticket_filter_open", args=[mine.pk])).status_code == 404
    assert client.post(reverse("ticket_filter_delete", args=[mine.pk])).status_code == 404
    assert SavedTicketFilter.objects.filter(pk=mine.pk).exists()
    client.force_login(agent_a)
    assert client.post(reverse("ticket_filter_delete", args=[mine.pk])).status_code == 302
    assert not SavedTicketFilter.objects.filter(pk=mine.pk).exists()


def test_breached_clock_filter(desk, three):
    SlaClock.objects.filter(ticket=three[1]).update(state=SlaClock.State.BREACHED)
    url = reverse("ticket_list")
    assert three[1].number in _numbers(desk.get(url, {"sla": "breached"}))
    assert three[0].number not in _numbers(desk.get(url, {"sla": "breached"}))


def test_engineers_cannot_open_the_list_or_save_filters(client, engineer):
    client.force_login(engineer)
    assert client.get(reverse("ticket_list")).status_code == 403
    assert client.post(reverse("ticket_filter_save"), {"name": "x"}).status_code == 403


def test_filter_by_service_type_and_the_type_column(desk, area_a, agent_a, three):
    installation = ticket_create(
        appliance=make_appliance(area_a), actor=agent_a, service_type="installation"
    )
    url = reverse("ticket_list")
    assert _numbers(desk.get(url, {"type": "installation"})) == [installation.number]
    assert set(_numbers(desk.get(url, {"type": "repair"}))) == {t.number for t in three}
    page = desk.get(url).content.decode()
    assert '<option value="installation">Installation</option>' in page
    assert "<td>Installation</td>" in page and "<td>Repair</td>" in page


def test_unknown_service_type_is_a_form_error(desk, three):
    response = desk.get(reverse("ticket_list"), {"type": "teleportation"})
    assert response.status_code == 200
    assert _numbers(response) == []
    assert "Service type:" in response.content.decode()
