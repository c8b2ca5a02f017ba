"""The engineer's phone pages for an installation and the one-stop check (server side)."""

import pytest

from tests.factories import ApplianceFactory, CustomerFactory
from tickets.models import Appliance, ChargeLine, ChecklistRecord, OneStopCheck

from .installation_fixtures import INDOOR, delivered_installation, materials_schedule
from .test_services import check_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(warranty_policies, fee_schedule, partner, engineer_user):
    materials_schedule()
    ticket = delivered_installation(partner, engineer_user)
    check_in(ticket, engineer_user)
    return ticket


@pytest.fixture
def bob(client, engineer_user):
    client.force_login(engineer_user)
    return client


def test_the_job_page_lists_the_installation_steps_and_no_diagnosis(job, bob):
    page = bob.get(f"/m/jobs/{job.pk}/onsite/").content.decode()
    assert "Scan the units&#x27; serials (0/2)" in page or "Scan the units' serials (0/2)" in page
    assert "Materials used" in page and "Commissioning checklist" in page
    assert "One-stop check" in page
    assert f"/m/jobs/{job.pk}/onsite/diagnosis/" not in page


def test_scanning_on_the_phone_registers_and_a_foreign_serial_is_refused(job, bob):
    url = f"/m/jobs/{job.pk}/onsite/units/"
    assert bob.get(url).status_code == 200
    ok = bob.post(url, {"serial_number": "gr-in-1", "model_number": INDOOR}, follow=True)
    assert "Unit GR-IN-1 registered." in ok.content.decode()
    assert Appliance.objects.filter(installation_ticket=job).count() == 1
    ApplianceFactory(customer=CustomerFactory(), serial_number="GR-X-9")
    refused = bob.post(url, {"serial_number": "GR-X-9", "model_number": INDOOR})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "registered to another customer" in text and 'value="GR-X-9"' in text


def test_materials_checklist_and_one_stop_pages_record(job, bob, engineer_user):
    r = bob.post(f"/m/jobs/{job.pk}/onsite/materials/", {"code": "copper_pipe", "quantity": "6"})
    assert r.status_code == 302
    line = ChargeLine.objects.get(ticket=job, kind="material")
    assert line.quantity == 3
    bad = bob.post(f"/m/jobs/{job.pk}/onsite/materials/", {"code": "bracket", "quantity": "-2"})
    assert bad.status_code == 400
    from tickets.onsite import services

    data = {f"result_{i['code']}": "ok" for i in services.checklist_items(job)}
    data["result_drain"] = "problem"
    missing_note = bob.post(f"/m/jobs/{job.pk}/onsite/checklist/", data)
    assert missing_note.status_code == 400
    assert "Describe the problem found." in missing_note.content.decode()
    data["note_drain"] = "Drain pipe kinked, re-laid"
    assert bob.post(f"/m/jobs/{job.pk}/onsite/checklist/", data).status_code == 302
    assert ChecklistRecord.objects.get(ticket=job).problems == ["drain"]
    fridge = ApplianceFactory(customer=job.customer, category="fridge")
    r = bob.post(
        f"/m/jobs/{job.pk}/onsite/one-stop/",
        {"appliance": fridge.pk, "result": "problem", "note": "Door seal torn"},
        follow=True,
    )
    check = OneStopCheck.objects.get(ticket=job)
    assert check.repair_ticket.number in r.content.decode()


def test_another_engineer_gets_404_on_every_page(job, client, engineer_user2):
    client.force_login(engineer_user2)
    for page in ("units", "materials", "checklist", "one-stop"):
        assert client.get(f"/m/jobs/{job.pk}/onsite/{page}/").status_code == 404
