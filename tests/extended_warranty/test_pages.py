"""The console sale flow over HTTP: products offered, the sale, the certificate page,
the payment, and where the contract then shows (ticket page, verdict, tracking page)."""

import datetime as dt

import pytest

from tests.factories import ticket_create
from tests.returns.conftest import an_appliance
from tickets.extended_warranty.models import ExtendedWarrantyContract

pytestmark = pytest.mark.django_db


@pytest.fixture
def appliance(warranty_policies, area):
    from django.utils import timezone

    return an_appliance(area, bought=timezone.localdate() - dt.timedelta(days=60))


def test_console_sale_flow(client, agent, appliance, whole_unit_3y, board_from_sale):
    client.force_login(agent)
    url = f"/extended-warranty/appliances/{appliance.pk}/sell/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Fridge whole unit +3 years" in body and "¥299.00" in body
    assert "Fridge main board 1 year" in body
    bad = client.post(url, {"product": "nope"})
    assert bad.status_code == 422 and "Select a valid choice" in bad.content.decode()
    too_long = client.post(url, {"product": "fridge-3y", "payment_reference": "x" * 65})
    assert too_long.status_code == 422
    response = client.post(url, {"product": "fridge-3y"})
    contract = ExtendedWarrantyContract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/extended-warranty/contracts/{contract.pk}/"
    assert (contract.channel, contract.paid, contract.sold_by) == ("console", False, agent)
    page = client.get(response["Location"]).content.decode()
    assert contract.certificate_number in page and "Not paid" in page
    paid = client.post(response["Location"], {"paid": "on", "payment_reference": "WX-20260601-77"})
    assert paid.status_code == 302
    contract.refresh_from_db()
    assert contract.paid and contract.payment_reference == "WX-20260601-77"
    # the console's live verdict names the certificate
    verdict = client.get(f"/console/warranty/?appliance={appliance.pk}").content.decode()
    assert contract.certificate_number in verdict


def test_sale_on_a_ticket_and_at_the_callback_is_on_the_ticket(
    client, agent, appliance, whole_unit_3y, board_from_sale
):
    ticket = ticket_create(appliance=appliance)
    client.force_login(agent)
    detail = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/extended-warranty/appliances/{appliance.pk}/sell/?ticket={ticket.pk}" in detail
    url = f"/extended-warranty/appliances/{appliance.pk}/sell/"
    client.post(url, {"product": "fridge-3y", "ticket": ticket.pk, "paid": "on"})
    client.post(url, {"product": "fridge-board-1y", "ticket": ticket.pk, "via": "callback"})
    channels = dict(ExtendedWarrantyContract.objects.values_list("product__code", "channel"))
    assert channels == {"fridge-3y": "ticket", "fridge-board-1y": "callback"}
    sold = ticket.events.filter(kind="extended_warranty_sold")
    assert sold.count() == 2
    detail = client.get(f"/tickets/{ticket.pk}/").content.decode()
    for contract in ExtendedWarrantyContract.objects.all():
        assert contract.certificate_number in detail
    # the customer's tracking page shows the certificate
    track = client.get(f"/t/{ticket.public_token}/").content.decode()
    first = ExtendedWarrantyContract.objects.get(product__code="fridge-3y")
    assert first.certificate_number in track and "Fridge whole unit +3 years" in track


def test_only_the_desk_sells_and_only_what_it_may_see(
    client, engineer_user, appliance, whole_unit_3y
):
    from tests.factories import UserFactory
    from tickets.models import CallCentre, ServiceArea, StaffProfile

    client.force_login(engineer_user)
    url = f"/extended-warranty/appliances/{appliance.pk}/sell/"
    assert client.get(url).status_code == 403
    other = UserFactory(username="far-away", roles=["agent"])
    centre = CallCentre.objects.create(name="Zhuhai")
    centre.areas.add(
        ServiceArea.objects.create(
            code="ZH-XZ",
            name="Xiangzhou",
            city="Zhuhai",
            area_type="urban",
            centroid_lat=22.27,
            centroid_lng=113.57,
        )
    )
    StaffProfile.objects.update_or_create(
        user=other, defaults={"call_centre": centre, "national_desk": False}
    )
    client.force_login(other)
    assert client.post(url, {"product": "fridge-3y"}).status_code == 404
    assert not ExtendedWarrantyContract.objects.exists()


def test_a_ticket_of_another_appliance_is_refused(client, agent, appliance, area, whole_unit_3y):
    other_ticket = ticket_create(appliance=an_appliance(area))
    client.force_login(agent)
    url = f"/extended-warranty/appliances/{appliance.pk}/sell/"
    assert client.post(url, {"product": "fridge-3y", "ticket": other_ticket.pk}).status_code == 404
    assert client.post(url, {"product": "fridge-3y", "ticket": "abc"}).status_code == 404


def test_the_follow_up_call_offers_the_sale_and_records_it_on_the_ticket(
    client, agent, engineer_user, warranty_policies, area, whole_unit_3y
):
    from tests.callbacks.conftest import completed_job, follow_up_of

    ticket = completed_job(engineer_user)
    client.force_login(agent)
    page = client.get(f"/callbacks/{follow_up_of(ticket).pk}/").content.decode()
    sell = f"/extended-warranty/appliances/{ticket.appliance_id}/sell/"
    link = f"{sell}?ticket={ticket.pk}&amp;via=callback"
    assert link in page
    offer = client.get(link.replace("&amp;", "&")).content.decode()
    assert "At the follow-up call" in offer
    client.post(
        f"/extended-warranty/appliances/{ticket.appliance_id}/sell/",
        {"product": "fridge-3y", "ticket": ticket.pk, "via": "callback"},
    )
    contract = ExtendedWarrantyContract.objects.get()
    assert (contract.channel, contract.ticket) == ("callback", ticket)
    assert ticket.events.filter(kind="extended_warranty_sold").exists()
