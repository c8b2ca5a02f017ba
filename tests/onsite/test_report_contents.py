"""What the service report carries (issue 15 item 9, issue 16 items 2 and 7): the operator's
brand and hotline and the payment status on both copies, an installation's units, checklist
and one-stop check, materials by the metre, and part lines in the reader's language."""

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ApplianceFactory
from tickets.models import ChargeLine
from tickets.onsite import services
from tickets.onsite.selectors import charges_total

from .conftest import signature_data_url
from .installation_fixtures import OUTDOOR, delivered_installation, materials_schedule
from .test_money import consent
from .test_services import check_in, diagnose, finish, use_part

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def pdf_fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout


@pytest.fixture
def operator(settings):
    settings.OPERATOR_BRAND = "Haier Care"
    settings.OPERATOR_HOTLINE = "400-000-1234"


def test_both_copies_carry_the_brand_hotline_and_how_it_was_paid(
    paid_job, engineer_user, supervisor, client, operator, tmp_path
):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    consent(paid_job, engineer_user, name="Wang Fang")
    services.payment_record(
        ticket=paid_job, engineer_user=engineer_user, method="qr", reference="WX-7788", paid=True
    )
    report = finish(paid_job, engineer_user)

    client.force_login(supervisor)
    staff = pdf_text(client.get(reverse("onsite_report_pdf", args=[report.pk])).content, tmp_path)
    assert "Haier Care" in staff and "400-000-1234" in staff
    assert "Payment: Paid by QR code payment (WX-7788)" in staff
    assert "Wang Fang" in staff
    page = client.get(reverse("onsite_report", args=[paid_job.pk])).content.decode()
    assert "Paid by QR code payment (WX-7788)" in page

    client.logout()
    token = paid_job.public_token
    customer = pdf_text(client.get(reverse("customer_report_pdf", args=[token])).content, tmp_path)
    assert "Haier Care" in customer and "Service hotline: 400-000-1234" in customer
    assert "Payment: Paid by QR code payment" in customer
    # The link may be forwarded: no payment reference, no names typed by staff.
    for secret in ("WX-7788", "Wang Fang", "Li Lei", paid_job.customer.name):
        assert secret not in customer, secret
    track = client.get(reverse("ticket_track", args=[token])).content.decode()
    assert "Paid by QR code payment" in track and "WX-7788" not in track


def test_a_job_in_warranty_reads_free_under_warranty(
    warranty_job, engineer_user, client, operator, tmp_path
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    use_part(warranty_job, engineer_user)
    finish(warranty_job, engineer_user)
    response = client.get(reverse("customer_report_pdf", args=[warranty_job.public_token]))
    text = pdf_text(response.content, tmp_path)
    assert "Payment: Free under warranty" in text and "Haier Care" in text


# --- an installation ---------------------------------------------------------------------


@pytest.fixture
def install(warranty_policies, fee_schedule, partner, engineer_user):
    materials_schedule()
    ticket = delivered_installation(partner, engineer_user)
    check_in(ticket, engineer_user)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def bob(client, engineer_user):
    client.force_login(engineer_user)
    return client


def test_the_installation_pdf_lists_units_checklist_and_one_stop_check(
    install, engineer_user, bob, tmp_path
):
    user = engineer_user
    for serial, model in (("GR-IN-0001", None), ("GR-OUT-0001", OUTDOOR)):
        services.unit_scan(
            ticket=install,
            engineer_user=user,
            serial_number=serial,
            model_number=model or "KFR-35GW/IN",
        )
    washer = ApplianceFactory(
        customer=install.customer, category="washer", model_number="XQG100", serial_number=""
    )
    services.one_stop_check_record(
        ticket=install, engineer_user=user, appliance_id=washer.pk, result="advice", note="Lint"
    )
    services.material_use_record(
        ticket=install, engineer_user=user, code="copper_pipe", quantity_used="4.5"
    )
    items = services.checklist_items(install)
    services.checklist_record(
        ticket=install,
        engineer_user=user,
        results={i["code"]: ("ok", "") for i in items},
    )
    consent(install, user, name="Zhao Lei")
    services.payment_record(ticket=install, engineer_user=user, method="cash", paid=True)
    services.test_run_record(
        ticket=install,
        engineer_user=user,
        checked=["powers_on", "cools_heats", "no_leak", "no_noise"],
    )
    services.signature_record(
        ticket=install, engineer_user=user, signer_name="Zhao Lei", data_url=signature_data_url()
    )
    report = services.job_complete(ticket=install, engineer_user=user)

    pdf = bob.get(reverse("onsite_report_pdf", args=[report.pk])).content
    assert len(pdf) < 300 * 1024
    text = pdf_text(pdf, tmp_path)
    assert "Installed units" in text
    assert "Air conditioner KFR-35GW/IN, GR-IN-0001, installed" in text
    assert f"Air conditioner {OUTDOOR}, GR-OUT-0001, installed" in text
    assert "On-site checklist" in text
    assert all(f"{i['en']}: OK" in text for i in items), text
    assert "One-stop check of the household's other appliances" in text
    assert "Washing machine" in text and "XQG100: Working; advice given" in text
    assert "Lint" in text
    # 4.5 m with 3 m free: 1.5 m at 60.00 is 90.00.
    assert "4.5 m used, 3 m free x1.5 m: 90.00 (@ 60.00)" in text
    assert "Payment: Paid by Cash" in text
    assert "Diagnosis" not in text  # an installation has none
    fonts = pdf_fonts(pdf, tmp_path)
    assert "DroidSansFallback" in fonts and " yes " in fonts

    page = bob.get(reverse("onsite_report", args=[install.pk])).content.decode()
    assert "GR-OUT-0001" in page and "XQG100" in page and "×1.5 m" in page
    customer = bob.get(reverse("customer_report", args=[install.public_token])).content.decode()
    assert "GR-IN-0001" in customer and "Working; advice given" in customer


# --- materials by the metre ----------------------------------------------------------------


def test_pipe_is_charged_by_the_metre_beyond_the_free_allowance(install, bob):
    url = reverse("onsite_materials", args=[install.pk])
    assert bob.post(url, {"code": "copper_pipe", "quantity": "4.5"}).status_code == 302
    line = ChargeLine.objects.get(ticket=install, kind="material")
    assert (line.quantity, line.unit, line.amount) == (Decimal("1.5"), "m", Decimal("60.00"))
    assert line.total == Decimal("90.00")
    assert "4.5 m used, 3 m free" in line.description
    assert charges_total([line]) == Decimal("90.00")
    charges = bob.get(reverse("onsite_charges", args=[install.pk])).content.decode()
    assert "4.5 m used, 3 m free ×1.5 m" in charges
    # The form shows what was recorded, as typed.
    assert 'value="4.5"' in bob.get(url).content.decode()

    # 4.25 m: 1.25 m at 60.00 is exactly 75.00.
    assert bob.post(url, {"code": "copper_pipe", "quantity": "4.25"}).status_code == 302
    line.refresh_from_db()
    assert line.quantity == Decimal("1.25") and line.total == Decimal("75.00")


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("4.555", "at most two decimals"),
        ("-1", "not below 0"),
        ("1000", "at most 999"),
        ("abc", "enter a number"),
        ("", "enter the quantity"),
    ],
)
def test_a_bad_quantity_is_refused_on_the_field(install, bob, quantity, message):
    url = reverse("onsite_materials", args=[install.pk])
    response = bob.post(url, {"code": "copper_pipe", "quantity": quantity})
    assert response.status_code == 400
    assert f"Used in total: {message}" in response.content.decode()
    assert not ChargeLine.objects.filter(ticket=install, kind="material").exists()


@pytest.mark.parametrize("bad", ["0.001", "-0.5", "1000", 1.5, "NaN", "Infinity", True])
def test_the_service_refuses_what_the_form_would_naming_the_field(install, engineer_user, bad):
    from tickets.errors import DomainError

    with pytest.raises(DomainError) as info:
        services.material_use_record(
            ticket=install, engineer_user=engineer_user, code="copper_pipe", quantity_used=bad
        )
    assert info.value.field == "quantity"


def test_the_database_refuses_a_quantity_out_of_range(install):
    from django.db import IntegrityError, transaction

    for quantity in (Decimal("0"), Decimal("-1"), Decimal("999.5")):
        with pytest.raises(IntegrityError), transaction.atomic():
            ChargeLine.objects.create(
                ticket=install,
                kind="material",
                description="x",
                quantity=quantity,
                list_price=Decimal("1"),
                amount=Decimal("1"),
            )


# --- part lines in the reader's language ---------------------------------------------------


def test_a_part_line_reads_in_the_pages_language_whoever_fitted_it(
    warranty_job, engineer_user, bob, tmp_path
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    use_part(warranty_job, engineer_user)  # stored as "HR-FR-TH01 冰箱温控器"
    # A line without a catalogue part keeps the text it was stored with.
    ChargeLine.objects.create(
        ticket=warranty_job,
        kind="part",
        description="Door seal 门封条",
        list_price=Decimal("0"),
        amount=Decimal("0"),
    )
    charges = reverse("onsite_charges", args=[warranty_job.pk])
    english = bob.get(charges).content.decode()
    assert "HR-FR-TH01 Thermostat" in english and "Door seal 门封条" in english
    chinese = bob.get(charges, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "HR-FR-TH01 冰箱温控器" in chinese and "HR-FR-TH01 Thermostat" not in chinese

    report = finish(warranty_job, engineer_user)
    page = reverse("onsite_report", args=[warranty_job.pk])
    assert "HR-FR-TH01 Thermostat" in bob.get(page).content.decode()
    zh_page = bob.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "HR-FR-TH01 冰箱温控器" in zh_page and "HR-FR-TH01 Thermostat" not in zh_page
    text = pdf_text(bob.get(reverse("onsite_report_pdf", args=[report.pk])).content, tmp_path)
    assert "HR-FR-TH01 Thermostat" in text and "Door seal 门封条" in text


def test_part_names_cost_one_query_however_many_lines(warranty_job, engineer_user, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    url = reverse("onsite_charges", args=[warranty_job.pk])
    counts = []
    for i in range(3):
        use_part(warranty_job, engineer_user, key=f"k{i}", serial=f"S{i}")
        bob.get(url)  # the first view warms the fee schedule's cache
        with CaptureQueriesContext(connection) as queries:
            assert bob.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
