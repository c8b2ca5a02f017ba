"""Installation on site (issue 16 item 2): scanned serials register the appliances, materials
beyond the allowance are charged with consent, the commissioning checklist is required,
and the warranty counts from the installation date when the policy says so."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tests.factories import ApplianceFactory, CustomerFactory
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import Appliance, ChargeLine, ChecklistRecord, WarrantyPolicy
from tickets.onsite import services
from tickets.warranty import appliance_warranty_verdict, counted_from_text

from .conftest import signature_data_url
from .installation_fixtures import INDOOR, OUTDOOR, delivered_installation, materials_schedule
from .test_services import check_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(warranty_policies, fee_schedule, partner, engineer_user):
    materials_schedule()
    ticket = delivered_installation(partner, engineer_user)
    check_in(ticket, engineer_user)
    ticket.refresh_from_db()
    assert ticket.status == Status.ON_SITE and ticket.service_type_id == "installation"
    return ticket


def scan(ticket, user, serial, model=INDOOR):
    return services.unit_scan(
        ticket=ticket, engineer_user=user, serial_number=serial, model_number=model
    )


def all_ok(ticket):
    return {item["code"]: ("ok", "") for item in services.checklist_items(ticket)}


def test_each_scanned_serial_registers_one_appliance_with_the_delivery(job, engineer_user):
    indoor = scan(job, engineer_user, "gr-in-0001")
    outdoor = scan(job, engineer_user, "GR-OUT-0001", OUTDOOR)
    assert indoor.pk == job.appliance_id  # the ticket's own record takes the first serial
    assert indoor.serial_number == "GR-IN-0001"
    assert outdoor.pk != indoor.pk
    for unit in (indoor, outdoor):
        unit.refresh_from_db()
        assert unit.customer_id == job.customer_id
        assert unit.purchase_channel == "retailer_delivery"
        assert unit.delivery.order_number == "JD-1"
        assert unit.installation_ticket_id == job.pk
        assert unit.installed_on == timezone.localdate()
    assert outdoor.model_number == OUTDOOR
    # Scanning a serial again (a retried submit) adds nothing.
    assert scan(job, engineer_user, "GR-OUT-0001", OUTDOOR).pk == outdoor.pk
    assert Appliance.objects.filter(customer=job.customer).count() == 2


def test_a_serial_on_another_customer_is_refused_with_a_clear_error(job, engineer_user):
    ApplianceFactory(customer=CustomerFactory(), serial_number="GR-IN-0009")
    with pytest.raises(DomainError) as info:
        scan(job, engineer_user, "gr-in-0009")
    assert info.value.field == "serial_number"
    assert "another customer" in info.value.message
    assert info.value.status_code == 409


def test_a_bad_serial_or_model_is_refused_naming_the_field(job, engineer_user):
    with pytest.raises(DomainError) as info:
        scan(job, engineer_user, "  ")
    assert info.value.field == "serial_number"
    with pytest.raises(DomainError) as info:
        scan(job, engineer_user, "GR-1<script>")
    assert info.value.field == "serial_number"
    with pytest.raises(DomainError) as info:
        scan(job, engineer_user, "GR-IN-0002", "NOT-DELIVERED")
    assert info.value.field == "model_number"


def test_materials_beyond_the_allowance_are_charged_even_in_warranty(job, engineer_user):
    assert job.in_warranty
    assert (
        services.material_use_record(
            ticket=job, engineer_user=engineer_user, code="copper_pipe", quantity_used=3
        )
        is None
    )  # within the free 3 m
    line = services.material_use_record(
        ticket=job, engineer_user=engineer_user, code="copper_pipe", quantity_used=6
    )
    assert (line.kind, line.quantity, line.amount, line.free) == (
        ChargeLine.Kind.MATERIAL,
        3,
        Decimal("60.00"),
        False,
    )
    assert "6 m used, 3 m free" in line.description
    services.material_use_record(
        ticket=job, engineer_user=engineer_user, code="bracket", quantity_used=1
    )
    lines = ChargeLine.objects.filter(ticket=job, kind="material")
    assert sum(x.amount * x.quantity for x in lines) == Decimal("330.00")
    with pytest.raises(DomainError) as info:
        services.material_use_record(
            ticket=job, engineer_user=engineer_user, code="gold_leaf", quantity_used=1
        )
    assert info.value.field == "code"
    with pytest.raises(DomainError) as info:
        services.material_use_record(
            ticket=job, engineer_user=engineer_user, code="bracket", quantity_used=-1
        )
    assert info.value.field == "quantity"


def test_materials_need_the_customers_consent_to_the_amount(job, engineer_user):
    services.material_use_record(
        ticket=job, engineer_user=engineer_user, code="copper_pipe", quantity_used=6
    )
    with pytest.raises(DomainError) as info:
        services.payment_record(
            ticket=job, engineer_user=engineer_user, method="cash", reference="", paid=True
        )
    assert info.value.field == "consent"
    services.charges_consent(
        ticket=job, engineer_user=engineer_user, customer_name="Zhao Lei", agreed=True
    )
    assert job.onsite_job.__class__.objects.get(ticket=job).consent_total == Decimal("180.00")
    # More pipe after the consent: the customer agrees again to the new amount.
    services.material_use_record(
        ticket=job, engineer_user=engineer_user, code="copper_pipe", quantity_used=8
    )
    with pytest.raises(DomainError) as info:
        services.payment_record(
            ticket=job, engineer_user=engineer_user, method="cash", reference="", paid=True
        )
    assert info.value.field == "consent"


def test_the_checklist_needs_every_item_and_a_note_for_a_problem(job, engineer_user):
    results = all_ok(job)
    results.pop("vacuum")
    with pytest.raises(DomainError) as info:
        services.checklist_record(ticket=job, engineer_user=engineer_user, results=results)
    assert info.value.field == "result_vacuum"
    results["vacuum"] = ("problem", "")
    with pytest.raises(DomainError) as info:
        services.checklist_record(ticket=job, engineer_user=engineer_user, results=results)
    assert info.value.field == "note_vacuum"
    results["vacuum"] = ("problem", "Pump failed at 500 Pa")
    record = services.checklist_record(ticket=job, engineer_user=engineer_user, results=results)
    assert record.problems == ["vacuum"]
    vacuum = next(r for r in record.results if r["code"] == "vacuum")
    assert vacuum["label_en"] == "Refrigerant lines vacuumed"
    assert [r["code"] for r in record.results] == [i["code"] for i in services.checklist_items(job)]


def _test_run(job, user):
    services.test_run_record(
        ticket=job,
        engineer_user=user,
        checked=["powers_on", "cools_heats", "no_leak", "no_noise"],
    )


def test_acceptance_needs_every_serial_and_a_clean_commissioning_checklist(job, engineer_user):
    _test_run(job, engineer_user)

    def sign():
        services.signature_record(
            ticket=job,
            engineer_user=engineer_user,
            signer_name="Zhao Lei",
            data_url=signature_data_url(),
        )

    with pytest.raises(DomainError) as info:
        sign()
    assert info.value.field == "serial_number" and "2 to go" in info.value.message
    scan(job, engineer_user, "GR-IN-0001")
    scan(job, engineer_user, "GR-OUT-0001", OUTDOOR)
    with pytest.raises(DomainError) as info:
        sign()
    assert info.value.field == "checklist"
    results = all_ok(job)
    results["leak_test"] = ("problem", "Flare nut leaks")
    services.checklist_record(ticket=job, engineer_user=engineer_user, results=results)
    with pytest.raises(DomainError) as info:
        sign()
    assert "commissioning" in info.value.message
    services.checklist_record(ticket=job, engineer_user=engineer_user, results=all_ok(job))
    sign()
    # No diagnosis for an installation: it completes on the checklist and the signature.
    report = services.job_complete(ticket=job, engineer_user=engineer_user)
    job.refresh_from_db()
    assert job.status == Status.COMPLETED
    assert [u["serial"] for u in report.content["installed_units"]] == [
        "GR-IN-0001",
        "GR-OUT-0001",
    ]
    assert {i["result"] for i in report.content["checklist"]} == {"ok"}
    assert ChecklistRecord.objects.get(ticket=job).engineer == engineer_user


def test_a_repair_still_needs_its_diagnosis(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    with pytest.raises(DomainError) as info:
        services.job_complete(ticket=warranty_job, engineer_user=engineer_user)
    assert info.value.field == "diagnosis"


def test_every_type_with_a_checklist_requires_it(warranty_policies, fee_schedule, engineer_user):
    from tests.factories import ticket_create

    from .conftest import assign_and_schedule

    ticket = assign_and_schedule(ticket_create(service_type="inspection"), engineer_user)
    check_in(ticket, engineer_user)
    services.test_run_record(
        ticket=ticket,
        engineer_user=engineer_user,
        checked=["powers_on", "compressor_runs", "cools", "door_seals"],
    )

    def sign():
        services.signature_record(
            ticket=ticket,
            engineer_user=engineer_user,
            signer_name="Li",
            data_url=signature_data_url(),
        )

    with pytest.raises(DomainError) as info:
        sign()
    assert info.value.field == "checklist"
    results = all_ok(ticket)
    results["noise"] = ("problem", "Fan bearing hums")  # an inspection may find problems
    services.checklist_record(ticket=ticket, engineer_user=engineer_user, results=results)
    sign()
    services.job_complete(ticket=ticket, engineer_user=engineer_user)


def test_the_warranty_counts_from_installation_when_the_policy_says_so(job, engineer_user):
    WarrantyPolicy.objects.filter(category="ac").update(starts_from="installation")
    appliance = Appliance.objects.get(pk=job.appliance_id)
    before = appliance_warranty_verdict(appliance=appliance, on=timezone.localdate())
    assert before.counted_from == "purchase"  # not installed yet: from the purchase
    assert "until the unit is installed" in counted_from_text(before)
    later = timezone.localdate() + dt.timedelta(days=20)
    with time_machine.travel(dt.datetime.combine(later, dt.time(10), tzinfo=dt.UTC)):
        unit = scan(job, engineer_user, "GR-IN-0001")
    assert unit.installed_on == later
    verdict = appliance_warranty_verdict(appliance=unit, on=later)
    assert verdict.counted_from == "installation" and verdict.start_date == later
    assert verdict.until == dt.date(later.year + 6, later.month, later.day) - dt.timedelta(days=1)
    assert counted_from_text(verdict) == f"counted from the installation date, {later:%Y-%m-%d}"
    # The day before the sixth anniversary of the installation it still covers; from the
    # purchase (21 days earlier) it would not.
    last = verdict.until
    assert appliance_warranty_verdict(appliance=unit, on=last).in_warranty
    assert not appliance_warranty_verdict(
        appliance=unit, on=last + dt.timedelta(days=1)
    ).in_warranty


def test_a_purchase_date_policy_ignores_the_installation_date(job, engineer_user):
    unit = scan(job, engineer_user, "GR-IN-0001")
    verdict = appliance_warranty_verdict(appliance=unit, on=timezone.localdate())
    assert verdict.counted_from == "purchase"
    assert verdict.start_date == unit.purchase_date
    assert verdict.as_dict()["counted_from"] == "purchase"


def test_no_more_units_than_the_delivery_lists(job, engineer_user):
    scan(job, engineer_user, "GR-IN-0001")
    scan(job, engineer_user, "GR-OUT-0001", OUTDOOR)
    with pytest.raises(DomainError) as info:
        scan(job, engineer_user, "GR-IN-0002")
    assert info.value.field == "serial_number" and "All 2 units" in info.value.message
    assert scan(job, engineer_user, "GR-IN-0001").serial_number == "GR-IN-0001"  # a retry


def test_the_desk_ticket_page_shows_the_delivery_units_and_the_warranty_start(
    job, engineer_user, agent_client
):
    scan(job, engineer_user, "GR-IN-0001")
    page = agent_client.get(f"/tickets/{job.pk}/").content.decode()
    assert 'data-testid="delivery"' in page and "JD-1" in page
    assert "GR-IN-0001" in page
    start = job.appliance.purchase_date
    assert f"counted from the purchase date, {start:%Y-%m-%d}" in page
