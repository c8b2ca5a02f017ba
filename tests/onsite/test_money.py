"""On-site money: consent covers an amount, a part under its own component warranty is free
with the reason on the report, an out-of-warranty job completes only paid or owed, and
waived revisits are free (tickets.hooks.charge_waivers)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from spareparts.models import PartUsage
from tickets import hooks
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import ChargeLine, TicketEvent
from tickets.onsite import services
from tickets.onsite.report import report_pdf
from tickets.warranty import FreeReason, charge_verdict

from .test_photos_and_report import _pdf_text
from .test_services import check_in, diagnose, finish, use_part


def consent(ticket, user, name="Li Lei"):
    return services.charges_consent(
        ticket=ticket, engineer_user=user, customer_name=name, agreed=True
    )


def pay(ticket, user):
    return services.payment_record(ticket=ticket, engineer_user=user, method="cash", paid=True)


@pytest.fixture
def bob(client, engineer_user):
    client.force_login(engineer_user)
    return client


def test_a_part_added_after_consent_stops_charged_work_until_the_new_total_is_agreed(
    paid_job, engineer_user
):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    consent(paid_job, engineer_user)  # 170.00: call-out and labour
    use_part(paid_job, engineer_user, key="p1")  # + 68.00 thermostat: 238.00

    with pytest.raises(DomainError) as exc:
        pay(paid_job, engineer_user)
    assert exc.value.field == "consent" and "238.00" in exc.value.message
    with pytest.raises(DomainError):
        use_part(paid_job, engineer_user, key="p2", serial="TH2026-0002")
    assert PartUsage.objects.filter(ticket=paid_job).count() == 1
    with pytest.raises(DomainError) as exc:
        finish(paid_job, engineer_user)
    assert exc.value.field == "consent"

    job = consent(paid_job, engineer_user)
    assert job.consent_total == Decimal("238.00")
    again = TicketEvent.objects.filter(ticket=paid_job, kind="charges_consented").last()
    assert again.data["previous_total"] == "170.00" and again.data["total"] == "238.00"
    pay(paid_job, engineer_user)
    report = finish(paid_job, engineer_user)
    assert report.content["charges"]["total"] == "238.00"


def test_charges_page_asks_again_when_the_total_grew(bob, paid_job, engineer_user):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    consent(paid_job, engineer_user)
    page = bob.get(reverse("onsite_charges", args=[paid_job.pk])).content.decode()
    assert 'value="payment"' in page and 'data-testid="reconsent"' not in page
    use_part(paid_job, engineer_user)
    page = bob.get(reverse("onsite_charges", args=[paid_job.pk])).content.decode()
    assert 'data-testid="reconsent"' in page and 'value="consent"' in page
    assert 'value="payment"' not in page
    job_page = bob.get(reverse("onsite_job", args=[paid_job.pk])).content.decode()
    assert "consent needed" in job_page


def test_a_compressor_under_its_ten_year_term_is_free_on_an_out_of_warranty_job(
    paid_job, engineer_user
):
    # The fridge was bought three years ago: out of its 12-month warranty, but the
    # compressor has its own 120-month term (tests/conftest.py warranty_policies).
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user, fault="compressor", cause="defect")
    consent(paid_job, engineer_user)
    line = services.charge_line_add_part(
        ticket=paid_job,
        description="HR-FR-CMP10 Compressor",
        list_price=Decimal("880.00"),
        quantity=1,
        source="part_usage:test-1",
        component="compressor",
    )
    assert line.free and line.amount == 0 and line.list_price == Decimal("880.00")
    assert line.free_reason == FreeReason.COMPONENT_WARRANTY
    assert line.free_detail["component"] == "compressor"
    # A part with no term of its own is charged as usual.
    other = services.charge_line_add_part(
        ticket=paid_job,
        description="HR-FR-TH01 Thermostat",
        list_price=Decimal("68.00"),
        quantity=1,
        source="part_usage:test-2",
        component="",
    )
    assert not other.free and other.amount == Decimal("68.00")
    consent(paid_job, engineer_user)
    pay(paid_job, engineer_user)
    report = finish(paid_job, engineer_user)
    row = next(r for r in report.content["charges"]["lines"] if r["list_price"] == "880.00")
    assert row["free"] and row["free_reason"] == "component_warranty"
    assert report.content["charges"]["total"] == "378.00"  # 50 + 260 complex labour + 68 + 0

    with translation.override("en"):
        pdf = report_pdf(report)
    assert b"Compressor under its own warranty until" in _pdf_text(pdf)
    with translation.override("zh-hans"):
        from tickets.warranty import free_reason_text

        text = free_reason_text(row["free_reason"], row["free_detail"])
    assert "压缩机" in text


def test_the_report_page_says_why_a_part_is_free(client, paid_job, engineer_user, dispatcher):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    consent(paid_job, engineer_user)
    services.charge_line_add_part(
        ticket=paid_job,
        description="HR-FR-CMP10 Compressor",
        list_price=Decimal("880.00"),
        quantity=1,
        source="part_usage:test-1",
        component="compressor",
    )
    pay(paid_job, engineer_user)
    finish(paid_job, engineer_user)
    client.force_login(dispatcher)
    page = client.get(reverse("onsite_report", args=[paid_job.pk])).content.decode()
    assert "Compressor under its own warranty until" in page
    customer = client.get(reverse("customer_report", args=[paid_job.public_token]))
    assert "Compressor under its own warranty until" in customer.content.decode()


def test_an_expired_component_term_is_charged(paid_job, engineer_user):
    paid_job.warranty_detail = {
        **paid_job.warranty_detail,
        "components": [
            {"component": "compressor", "covered": False, "until": "2020-01-01"},
        ],
    }
    paid_job.save(update_fields=["warranty_detail"])
    verdict = charge_verdict(ticket=paid_job, kind="part", component="compressor")
    assert not verdict.free


def test_out_of_warranty_completion_needs_payment_or_an_agreed_debt(
    paid_job, engineer_user, dispatcher, client
):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    consent(paid_job, engineer_user)
    with pytest.raises(DomainError) as exc:
        finish(paid_job, engineer_user)
    assert exc.value.field == "payment"
    paid_job.refresh_from_db()
    assert paid_job.status == Status.ON_SITE

    with pytest.raises(DomainError) as exc:
        services.payment_owed_record(
            ticket=paid_job, engineer_user=engineer_user, agreed_by="", collection="next_visit"
        )
    assert exc.value.field == "agreed_by"
    job = services.payment_owed_record(
        ticket=paid_job,
        engineer_user=engineer_user,
        agreed_by="Li Lei",
        collection="payment_link",
        note="Phone battery flat",
    )
    assert job.owed_amount == Decimal("170.00")
    report = finish(paid_job, engineer_user)
    assert report.content["charges"]["owed"]["agreed_by"] == "Li Lei"
    with translation.override("en"):
        staff_copy = _pdf_text(report_pdf(report))
        customer_copy = _pdf_text(report_pdf(report, customer_copy=True))
    assert b"170.00 CNY, agreed by Li Lei; Payment link sent by SMS" in staff_copy
    assert b"170.00 CNY; Payment link sent by SMS" in customer_copy
    assert b"Li Lei" not in customer_copy  # the link may be forwarded: no names
    event = TicketEvent.objects.get(ticket=paid_job, kind="payment_owed")
    assert event.data == {"amount": "170.00", "agreed_by": "Li Lei", "collection": "payment_link"}

    # The desk sees it for follow-up and marks it collected.
    client.force_login(dispatcher)
    page = client.get(reverse("onsite_owed")).content.decode()
    assert paid_job.number in page and "170.00" in page and "Payment link sent by SMS" in page
    response = client.post(reverse("onsite_owed"), {"ticket": paid_job.pk, "note": "WX-991"})
    assert response.status_code == 302
    assert 'data-testid="owed-row"' not in client.get(reverse("onsite_owed")).content.decode()
    assert TicketEvent.objects.filter(ticket=paid_job, kind="owed_collected").count() == 1


def test_the_owed_list_is_for_desk_staff_only(client, engineer_user):
    client.force_login(engineer_user)
    assert client.get(reverse("onsite_owed")).status_code in (302, 403)


def test_owed_form_on_the_charges_page(bob, paid_job, engineer_user):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    consent(paid_job, engineer_user)
    url = reverse("onsite_charges", args=[paid_job.pk])
    response = bob.post(url, {"action": "owed", "owed-agreed_by": "Li Lei"})
    assert response.status_code == 400 and "Li Lei" in response.content.decode()
    response = bob.post(
        url, {"action": "owed", "owed-agreed_by": "Li Lei", "owed-collection": "service_point"}
    )
    assert response.status_code == 302
    assert 'data-testid="owed"' in bob.get(url).content.decode()


def test_a_waived_revisit_has_free_call_out_and_labour(paid_job, engineer_user):
    def free_revisit(*, ticket):
        return ["free_revisit"] if ticket.pk == paid_job.pk else []

    hooks.add_charge_waiver(free_revisit)
    try:
        check_in(paid_job, engineer_user)
        diagnose(paid_job, engineer_user)
        lines = {line.kind: line for line in ChargeLine.objects.filter(ticket=paid_job)}
        assert lines["call_out"].free and lines["call_out"].amount == 0
        assert lines["labour"].free and lines["labour"].free_reason == FreeReason.WAIVED
        assert lines["labour"].free_detail == {"waivers": ["free_revisit"]}
        # A part is still charged on a waived revisit: the customer agrees to it first.
        consent(paid_job, engineer_user)
        use_part(paid_job, engineer_user)
        with pytest.raises(DomainError):
            pay(paid_job, engineer_user)
        consent(paid_job, engineer_user)
        pay(paid_job, engineer_user)
        report = finish(paid_job, engineer_user)
        assert report.content["charges"]["total"] == "68.00"
    finally:
        hooks._many[hooks.CHARGE_WAIVERS].remove(free_revisit)


def test_a_waived_revisit_without_parts_completes_without_payment(paid_job, engineer_user):
    hooks.add_charge_waiver(waive_all := lambda *, ticket: ["free_revisit"])
    try:
        check_in(paid_job, engineer_user)
        diagnose(paid_job, engineer_user)
        report = finish(paid_job, engineer_user)
        assert report.content["charges"]["total"] == "0.00"
    finally:
        hooks._many[hooks.CHARGE_WAIVERS].remove(waive_all)


def test_the_owed_list_query_count_stays_flat(
    client, paid_job, engineer_user, dispatcher, django_assert_max_num_queries
):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    consent(paid_job, engineer_user)
    services.payment_owed_record(
        ticket=paid_job, engineer_user=engineer_user, agreed_by="Li Lei", collection="next_visit"
    )
    client.force_login(dispatcher)
    client.get(reverse("onsite_owed"))  # warm the session and the master-data caches
    with django_assert_max_num_queries(8):
        response = client.get(reverse("onsite_owed"))
    assert (
        response.status_code == 200 and "Collected at the next visit" in response.content.decode()
    )


def test_the_report_carries_the_rating_qr_code_other_apps_draw(warranty_job, engineer_user):
    """The callbacks app registers its rating QR in `hooks.report_drawings`; the PDF draws
    every drawing under a "Rate this service" heading."""
    from callbacks.services.qr import report_rating_qr

    assert report_rating_qr in hooks._many.get(hooks.REPORT_DRAWINGS, [])
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    report = finish(warranty_job, engineer_user)
    with translation.override("en"):
        text = _pdf_text(report_pdf(report, customer_copy=True))
    assert b"Rate this service" in text
