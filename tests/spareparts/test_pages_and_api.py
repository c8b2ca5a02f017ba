import uuid

import pytest

from spareparts.models import PartRequest, Transfer
from spareparts.services import (
    part_request_create,
    stock_receive,
    transfer_dispatch,
    transfer_plan,
)
from tests.dispatch.factories import EngineerFactory
from tests.onsite.test_services import check_in
from tickets.lifecycle import Status

from .conftest import key, van_for


def fill(location, part, n=3):
    stock_receive(location=location, part=part, quantity=n, supplier="Haier", batch="B1")


@pytest.fixture
def other_van(network, engineer_user2):
    return van_for(EngineerFactory(user=engineer_user2, service_point=network["service_point"]))


def test_engineer_requests_a_part_from_the_job_page(
    client, network, thermostat, warranty_job, engineer_user
):
    fill(network["near"], thermostat)
    check_in(warranty_job, engineer_user)
    client.force_login(engineer_user)
    url = f"/m/jobs/{warranty_job.pk}/parts/request/"
    page = client.get(url)
    assert page.status_code == 200 and "HR-FR-TH01" in page.content.decode()
    k = uuid.uuid4().hex
    response = client.post(url, {"sku": "HR-FR-TH01", "quantity": 1, "key": k}, follow=True)
    text = response.content.decode()
    assert "From Regional near (Nearest regional warehouse with stock, 12.0 km away)" in text
    assert "Cheap parts for an in-warranty job" in text
    client.post(url, {"sku": "HR-FR-TH01", "quantity": 1, "key": k})  # a retried submit
    assert PartRequest.objects.count() == 1
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.WAITING_FOR_PARTS


def test_not_enough_stock_is_a_form_error(client, network, thermostat, warranty_job, engineer_user):
    client.force_login(engineer_user)
    response = client.post(
        f"/m/jobs/{warranty_job.pk}/parts/request/",
        {"sku": "HR-FR-TH01", "quantity": 2, "key": key()},
    )
    assert response.status_code == 400
    assert "Not enough stock of HR-FR-TH01" in response.content.decode()


def test_engineer_sees_and_receives_only_into_his_own_van(
    client, network, thermostat, engineer_user, engineer_user2, other_van, parts_manager
):
    fill(network["van"], thermostat, 2)
    fill(other_van, thermostat, 7)
    fill(network["near"], thermostat, 5)
    to_other = transfer_plan(
        source=network["near"],
        destination=other_van,
        part=thermostat,
        quantity=1,
        actor=parts_manager,
    )
    transfer_dispatch(transfer=to_other, actor=parts_manager)
    client.force_login(engineer_user)
    page = client.get("/m/van/").content.decode()
    assert "2 on hand" in page and "7 on hand" not in page
    assert client.post(f"/m/van/transfers/{to_other.pk}/receive/").status_code == 404
    api = client.get("/api/v1/parts/stock/").json()
    assert [(r["location"], r["on_hand"]) for r in api] == [("VAN-bob", 2)]
    assert client.get(f"/api/v1/parts/stock/?location={other_van.pk}").status_code == 404
    too_long = client.get("/api/v1/parts/stock/", {"q": "x" * 61})
    assert too_long.status_code == 400 and "q" in too_long.json()["error"]["fields"]
    not_an_id = client.get("/api/v1/parts/stock/", {"location": "van"})
    assert not_an_id.status_code == 400 and "location" in not_an_id.json()["error"]["fields"]
    response = client.post(
        f"/api/v1/parts/transfers/{to_other.pk}/receive/", content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    # Its own engineer confirms it.
    client.force_login(engineer_user2)
    response = client.post(f"/m/van/transfers/{to_other.pk}/receive/", follow=True)
    assert "received into your van" in response.content.decode()
    assert Transfer.objects.get(pk=to_other.pk).status == Transfer.Status.RECEIVED


def test_service_point_manager_sees_only_their_store(client, network, thermostat):
    fill(network["store"], thermostat, 4)
    fill(network["near"], thermostat, 9)
    client.force_login(network["manager"])
    rows = client.get("/api/v1/parts/stock/").json()
    assert [(r["location"], r["on_hand"]) for r in rows] == [("SP-1", 4)]
    page = client.get("/parts/").content.decode()
    assert "Shinan store" in page and "Regional near" not in page
    assert "Requests waiting for a decision" not in page


def test_engineer_may_not_open_the_desk(client, network, engineer_user):
    client.force_login(engineer_user)
    assert client.get("/parts/").status_code == 403


def test_parts_manager_approves_from_the_desk(
    client,
    network,
    compressor,
    warranty_job,
    engineer_user,
    parts_manager,
    django_assert_max_num_queries,
):
    stock_receive(
        location=network["near"], part=compressor, quantity=1, supplier="Haier", serials=["C1"]
    )
    held = part_request_create(
        engineer_user=engineer_user,
        sku=compressor.sku,
        quantity=1,
        ticket=warranty_job,
        request_key=key(),
    )
    client.force_login(parts_manager)
    with django_assert_max_num_queries(20):
        page = client.get("/parts/?q=HR-FR").content.decode()
    assert "HR-FR-CMP10 ×1" in page and "Regional near" in page
    client.post(f"/parts/requests/{held.pk}/decide/", {"approve": "1", "note": ""})
    held.refresh_from_db()
    assert held.status == PartRequest.Status.APPROVED and held.decided_by == parts_manager
    transfer = held.transfers.get()
    client.post(f"/parts/transfers/{transfer.pk}/dispatch/", {"serials": "c1"})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.IN_TRANSIT and transfer.serials == ["C1"]
    page = client.get("/parts/?trace=C1").content.decode()
    assert "HR-FR-CMP10 received from Haier" in page


def test_dispatcher_releases_a_waiting_job_from_the_desk(
    client, network, warranty_job, engineer_user, dispatcher
):
    from tickets.onsite.services import outcome_waiting_for_parts

    check_in(warranty_job, engineer_user)
    outcome_waiting_for_parts(ticket=warranty_job, engineer_user=engineer_user, parts_needed="seal")
    client.force_login(dispatcher)
    page = client.get("/parts/").content.decode()
    assert warranty_job.number in page
    client.post(f"/parts/jobs/{warranty_job.pk}/release/")
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ACCEPTED


def test_api_part_request_and_error_shape(client, network, thermostat, warranty_job, engineer_user):
    fill(network["store"], thermostat, 1)
    client.force_login(engineer_user)
    response = client.post(
        "/api/v1/parts/requests/",
        {"sku": "HR-FR-TH01", "quantity": 1, "ticket": warranty_job.pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["source_reason"], body["status"]) == ("own_store", "approved")
    bad = client.post(
        "/api/v1/parts/requests/",
        {"sku": "HR-FR-TH01", "quantity": 99},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="x",
    )
    assert bad.status_code == 400 and "quantity" in bad.json()["error"]["fields"]
    locate = client.get(f"/api/v1/parts/locate/?sku=HR-FR-TH01&ticket={warranty_job.pk}")
    assert locate.status_code == 200 and locate.json() == []  # the store's one is reserved


def test_engineer_returns_an_old_part_from_the_phone(
    client, network, thermostat, warranty_job, engineer_user
):
    from spareparts.models import OldPartReturn
    from tests.spareparts.test_returns_and_replenishment import complete_with_part

    fill(network["van"], thermostat, 1)
    complete_with_part(warranty_job, engineer_user, thermostat, "B1", "OLD-5")
    client.force_login(engineer_user)
    page = client.get("/m/van/").content.decode()
    assert "OLD-5" in page and "due by" in page
    response = client.post("/m/van/returns/", {"serial": "old-5"}, follow=True)
    assert f"Old part OLD-5 returned for {warranty_job.number}" in response.content.decode()
    assert OldPartReturn.objects.get().returned_to == network["store"]
    again = client.post("/m/van/returns/", {"serial": "OLD-5"}, follow=True)
    assert "already returned" in again.content.decode()


def test_parts_manager_plans_the_suggested_top_up(client, network, thermostat, parts_manager):
    from spareparts.models import Stock

    fill(network["near"], thermostat, 10)
    fill(network["store"], thermostat, 1)
    stock = Stock.objects.get(location=network["store"], part=thermostat)
    Stock.objects.filter(pk=stock.pk).update(min_qty=2, max_qty=5)
    client.force_login(parts_manager)
    page = client.get("/parts/").content.decode()
    assert "4 from Regional near" in page
    client.post(f"/parts/replenish/{stock.pk}/")
    transfer = Transfer.objects.get()
    assert (transfer.source, transfer.destination, transfer.quantity) == (
        network["near"],
        network["store"],
        4,
    )
    assert "Nothing below its minimum" in client.get("/parts/").content.decode()


def test_an_engineer_locates_parts_only_for_his_own_jobs(
    client, network, thermostat, warranty_job, engineer_user2, other_van
):
    fill(network["near"], thermostat, 4)
    client.force_login(engineer_user2)
    response = client.get(f"/api/v1/parts/locate/?sku=HR-FR-TH01&ticket={warranty_job.pk}")
    assert response.status_code == 404


def test_dispatcher_locates_the_nearest_stock_for_a_job(
    client, network, thermostat, warranty_job, dispatcher
):
    fill(network["near"], thermostat, 4)
    fill(network["mid"], thermostat, 1)
    client.force_login(dispatcher)
    rows = client.get(f"/api/v1/parts/locate/?sku=HR-FR-TH01&ticket={warranty_job.pk}").json()
    assert [(r["location"], r["available"], r["km"]) for r in rows] == [
        ("RW-NEAR", 4, 12.0),
        ("RW-MID", 1, 30.0),
    ]


def test_a_retried_receipt_is_booked_once(client, network, board, parts_manager):
    from spareparts.models import LedgerEntry, Stock

    client.force_login(parts_manager)
    body = {
        "location": network["near"].pk,
        "sku": board.sku,
        "quantity": 2,
        "supplier": "Gree",
        "serials": ["S1", "S2"],
    }
    first = client.post(
        "/api/v1/parts/receipts/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="scan-1",
    )
    again = client.post(
        "/api/v1/parts/receipts/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="scan-1",
    )
    assert first.status_code == again.status_code == 201, again.json()
    assert first.json() == again.json()
    assert Stock.objects.get(location=network["near"], part=board).on_hand == 2
    assert LedgerEntry.objects.filter(kind="receipt").count() == 1
    other = client.post(
        "/api/v1/parts/receipts/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="scan-2",
    )
    assert other.status_code == 400, other.json()
    assert "serials" in other.json()["error"]["fields"]
