import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ApplianceFactory, CustomerFactory, UserFactory
from tickets.models import Appliance, Customer, IdempotencyKey, OutboundMessage, Ticket

URL = "/api/v1/tickets/"
# A day inside the booking range (BOOKING_MAX_DAYS_AHEAD), in Shanghai time.
SOON = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
FAR = (timezone.localdate() + dt.timedelta(days=62)).isoformat()


def test_partner_creates_a_ticket_with_customer_and_appliance(partner_client, payload, partner):
    response = partner_client.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert body["status"] == "awaiting_dispatch" and body["in_warranty"] is True
    assert body["status_label"] == "Awaiting dispatch"
    assert body["tracking_url"].endswith(f"/t/{ticket.public_token}/")
    assert response["Location"] == f"/api/v1/tickets/{ticket.number}/"
    assert ticket.channel == "partner_api" and ticket.created_by == partner
    assert ticket.customer.mobile == "+8613800138000"
    assert ticket.appliance.serial_number == "HR-0001"
    assert ticket.address.line == "12 Xianggang Road" and ticket.area.code == "QD-SN"
    assert [e.kind for e in ticket.events.all()] == ["created", "status"]
    assert ticket.events.first().actor == partner


def test_an_intake_writes_its_rows_in_few_round_trips(
    partner_client, payload, settings, django_assert_max_num_queries
):
    partner_client.post(URL, payload, format="json")  # loads the master-data caches
    settings.MASTERDATA_RECHECK_SECONDS = 3600  # then reads them as production does
    second = {**payload, "mobile": "139 1234 5678", "serial_number": "HR-0002"}
    # The savepoint (the test's transaction holds the request's), the customer look-up,
    # every insert (customer, address, appliance, ticket, ...) in one round trip, the
    # release.
    with django_assert_max_num_queries(4) as captured:
        response = partner_client.post(URL, second, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(number=response.json()["number"])
    # Events, the acknowledgement, the service clocks, the auto-dispatch task and the
    # key: written, and together.
    assert [e.kind for e in ticket.events.all()] == ["created", "status"]
    assert OutboundMessage.objects.filter(ticket=ticket, purpose="acknowledgement").count() == 1
    assert sorted(ticket.sla_clocks.values_list("kind", flat=True)) == ["arrival", "completion"]
    assert IdempotencyKey.objects.get(key="k-2").ticket == ticket
    (batch,) = [q["sql"] for q in captured.captured_queries if "tickets_idempotencykey" in q["sql"]]
    for table in ("customer", "appliance", "ticket", "ticketevent", "taskoutbox"):
        assert f'INSERT INTO "tickets_{table}"' in batch


def test_existing_customer_and_appliance_are_reused(partner_client, payload, partner, supervisor):
    from tickets.services import ticket_cancel

    first = partner_client.post(URL, payload, format="json").json()
    # The same request while its ticket is open: that ticket, not a second one.
    again = partner_client.post(
        URL, {**payload, "mobile": "+86 13800138000", "serial_number": "hr-0001"}, format="json"
    )
    assert again.status_code == 200 and again.json()["number"] == first["number"]
    assert Customer.objects.count() == 1 and Appliance.objects.count() == 1
    assert Ticket.objects.count() == 1
    ticket_cancel(ticket=Ticket.objects.get(), actor=supervisor, reason="test")
    # A new address is the ticket's, to be confirmed; the customer's own stays as it was.
    third = partner_client.post(URL, {**payload, "address_line": "3 Shandong Road"}, format="json")
    assert third.status_code == 201
    ticket = Ticket.objects.get(number=third.json()["number"])
    assert ticket.address.line == "3 Shandong Road"
    assert ticket.address.needs_confirmation and ticket.address.proposed_by == partner
    default = ticket.customer.addresses.get(is_default=True)
    assert default.line == "12 Xianggang Road" and not default.needs_confirmation


def test_out_of_warranty_ticket_reports_the_estimate(partner_client, payload):
    old = (timezone.localdate() - dt.timedelta(days=900)).isoformat()
    body = partner_client.post(URL, {**payload, "purchase_date": old}, format="json").json()
    assert body["status"] == "awaiting_fee_acceptance"
    assert body["in_warranty"] is False and body["fee_estimate"] == "170.00"


REQUIRED = [
    "customer_name",
    "mobile",
    "address_line",
    "area_code",
    "category",
    "brand",
    "model",
    "fault_description",
]


@pytest.mark.parametrize("field", REQUIRED)
def test_each_missing_required_field_is_named(partner_client, payload, field):
    del payload[field]
    response = partner_client.post(URL, payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert not Customer.objects.exists() and not Ticket.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"mobile": "12345"}, "mobile"),
        ({"mobile": "+1 415 555 0100"}, "mobile"),
        ({"area_code": "NOPE"}, "area_code"),
        ({"category": "toaster"}, "category"),
        ({"channel": "hotline"}, "channel"),
        ({"priority": "urgent"}, "priority"),
        ({"purchase_date": "2999-01-01"}, "purchase_date"),
        ({"purchase_date": "9999-12-31"}, "purchase_date"),
        ({"purchase_date": "1989-12-31"}, "purchase_date"),
        ({"purchase_date": "yesterday"}, "purchase_date"),
        ({"lat": 123}, "lat"),
        ({"priority": "appointment"}, "preferred_start"),
        ({"preferred_start": "2026-11-24T09:00:00+08:00"}, "preferred_end"),
        (
            {
                "preferred_start": "2026-11-24T12:00:00+08:00",
                "preferred_end": "2026-11-24T09:00:00+08:00",
            },
            "preferred_end",
        ),
        ({"fault_description": "   "}, "fault_description"),
        (
            {
                "preferred_start": "2026-11-24T09:00:00+08:00",
                "preferred_end": "2026-11-24T12:00:00+08:00",
            },
            "preferred_start",
        ),
        (
            {"preferred_start": f"{FAR}T09:00:00+08:00", "preferred_end": f"{FAR}T12:00:00+08:00"},
            "preferred_start",
        ),
    ],
)
def test_bad_values_are_refused_with_the_field_named(partner_client, payload, changes, field):
    response = partner_client.post(URL, {**payload, **changes}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Customer.objects.exists() and not Ticket.objects.exists()


def test_a_refused_ticket_leaves_no_customer_behind(partner_client, payload, partner):
    # Passes input validation, then the intake service refuses the ticket: the customer and
    # appliance created for it must be rolled back too.
    existing = CustomerFactory(mobile="+8613900139000")
    foreign = ApplianceFactory(customer=existing, serial_number="X-1")
    assert foreign
    response = partner_client.post(
        URL,
        {**payload, "priority": "appointment", "preferred_start": None, "preferred_end": None},
        format="json",
    )
    assert response.status_code == 400
    assert "preferred_start" in response.json()["error"]["fields"]
    assert Customer.objects.count() == 1
    assert not Ticket.objects.exists() and not OutboundMessage.objects.exists()


def test_appointment_with_window(partner_client, payload):
    body = partner_client.post(
        URL,
        {
            **payload,
            "priority": "appointment",
            "preferred_start": f"{SOON}T09:00:00+08:00",
            "preferred_end": f"{SOON}T12:00:00+08:00",
        },
        format="json",
    ).json()
    assert body["priority"] == "appointment"
    assert body["preferred_window"]["start"].startswith(f"{SOON}T")


def test_acknowledgement_sms_is_in_the_outbox(partner_client, payload):
    body = partner_client.post(URL, payload, format="json").json()
    message = OutboundMessage.objects.get(ticket__number=body["number"])
    assert message.purpose == "acknowledgement" and message.to == "+8613800138000"
    assert body["tracking_url"] in message.body


# --- who may call ------------------------------------------------------------------------


def test_anonymous_gets_401(client, payload):
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert client.get("/api/v1/tickets/SR-20261123-000001/").status_code == 401
    assert client.post("/api/v1/alarms/", {}, content_type="application/json").status_code == 401


def test_invalid_token_gets_401(payload):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.post(URL, payload, format="json").status_code == 401


def test_agent_session_cannot_post_as_a_partner(agent_client, payload):
    """Agents open tickets in the console, where they are attributed and checked; the
    intake API is for partner systems only."""
    response = agent_client.post(URL, payload, content_type="application/json")
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_token_of_a_user_without_the_partner_role_is_refused(payload, engineer_user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=engineer_user).key}")
    assert client.post(URL, payload, format="json").status_code == 403
    assert client.post("/api/v1/alarms/", {}, format="json").status_code == 403
    assert not Ticket.objects.exists()


def test_partner_reads_only_its_own_tickets(partner_client, partner_b_client, payload):
    number = partner_client.post(URL, payload, format="json").json()["number"]
    assert partner_client.get(f"{URL}{number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
    mine = partner_client.get(f"{URL}{number}/")
    assert mine.status_code == 200
    body = mine.json()
    assert body["number"] == number and body["status"] == "awaiting_dispatch"
    assert body["booked_window"] is None
    theirs = partner_b_client.get(f"{URL}{number}/")
    assert theirs.status_code == 404
    assert theirs.json()["error"]["code"] == "not_found"
    assert partner_client.get(f"{URL}SR-19990101-000001/").status_code == 404


def test_agent_session_reads_status_of_tickets_it_may_see(
    partner_client, agent_client, engineer_user, client, payload
):
    number = partner_client.post(URL, payload, format="json").json()["number"]
    assert agent_client.get(f"{URL}{number}/").json()["number"] == number
    client.force_login(engineer_user)
    assert client.get(f"{URL}{number}/").status_code == 403


def test_booked_window_from_the_scheduled_event(partner_client, payload, dispatcher):
    from tickets.services import ticket_transition

    number = partner_client.post(URL, payload, format="json").json()["number"]
    ticket = Ticket.objects.get(number=number)
    engineer = UserFactory(username="eng-w", roles=["engineer"])
    ticket_transition(ticket=ticket, to="assigned", actor=None)
    ticket_transition(ticket=ticket, to="accepted", actor=engineer)
    window = {
        "window_start": "2026-11-24T01:00:00+00:00",
        "window_end": "2026-11-24T03:00:00+00:00",
    }
    ticket_transition(ticket=ticket, to="scheduled", actor=engineer, data=window)
    body = partner_client.get(f"{URL}{number}/").json()
    assert body["status"] == "scheduled" and body["status_label"] == "Scheduled"
    assert body["booked_window"] == {"start": window["window_start"], "end": window["window_end"]}


# --- idempotency -----------------------------------------------------------------------


def test_retry_with_the_same_key_returns_the_first_ticket(partner_client, payload):
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-778-repair-1"}
    first = partner_client.post(URL, payload, format="json", **headers)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = partner_client.post(URL, payload, format="json", **headers)
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Ticket.objects.count() == 1 and OutboundMessage.objects.count() == 1


def test_same_key_with_another_body_is_refused(partner_client, payload):
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    partner_client.post(URL, payload, format="json", **headers)
    response = partner_client.post(
        URL, {**payload, "fault_description": "Leaking"}, format="json", **headers
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in error["fields"] and "different request" in error["message"]
    assert Ticket.objects.count() == 1


def test_keys_are_per_partner(partner_client, partner_b_client, payload):
    headers = {"HTTP_IDEMPOTENCY_KEY": "shared-key"}
    a = partner_client.post(URL, payload, format="json", **headers)
    b = partner_b_client.post(URL, payload, format="json", **headers)
    assert a.status_code == b.status_code == 201
    assert a.json()["number"] != b.json()["number"]


def test_without_a_key_a_retry_returns_the_open_ticket(partner_client, payload):
    first = partner_client.post(URL, payload, format="json")
    again = partner_client.post(URL, payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert Ticket.objects.count() == 1


def test_a_failed_request_does_not_burn_the_key(partner_client, payload):
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-2"}
    bad = partner_client.post(URL, {**payload, "mobile": "1"}, format="json", **headers)
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    good = partner_client.post(URL, payload, format="json", **headers)
    assert good.status_code == 201


def test_a_partner_request_for_an_appliance_with_a_desk_ticket_is_flagged(
    partner_client, payload, partner
):
    """The duplicate rule holds across channels: the partner is not shown the desk's
    ticket, but its new one is marked for the agent."""
    from tickets.models import TicketEvent

    first = partner_client.post(URL, payload, format="json").json()
    desk_ticket = Ticket.objects.get(number=first["number"])
    Ticket.objects.filter(pk=desk_ticket.pk).update(created_by=None)  # as if from the desk
    response = partner_client.post(URL, payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["possible_duplicate"] is True and body["number"] != desk_ticket.number
    assert desk_ticket.number not in response.content.decode()
    created = TicketEvent.objects.get(ticket__number=body["number"], kind="created")
    assert created.data["possible_duplicate_of"] == desk_ticket.number
    assert partner_client.get(f"{URL}{body['number']}/").json()["possible_duplicate"] is True


def test_a_partner_opens_any_service_type(partner_client, payload):
    response = partner_client.post(URL, {**payload, "service_type": "installation"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["service_type"] == "installation"
    assert Ticket.objects.get(number=body["number"]).service_type_id == "installation"
    bad = partner_client.post(
        URL, {**payload, "serial_number": "X-2", "service_type": "teleport"}, format="json"
    )
    assert bad.status_code == 400
    assert "service_type" in bad.json()["error"]["fields"]
