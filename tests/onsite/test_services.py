import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from spareparts.models import PartUsage
from spareparts.services import part_usage_record
from tickets.errors import Conflict, DomainError, NotFound, PermissionDenied, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import ChargeLine, Diagnosis, ServiceReport, TicketEvent, TicketPhoto
from tickets.onsite import services
from tickets.onsite.selectors import job_get_for_engineer, report_latest_for_ticket, ticket_times

from .conftest import jpeg_bytes, signature_data_url

ADDRESS = (36.07, 120.38)  # AddressFactory's coordinates


def kinds(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


def check_in(ticket, user, lat=ADDRESS[0], lng=ADDRESS[1]):
    return services.ticket_check_in(ticket=ticket, engineer_user=user, lat=lat, lng=lng)


def diagnose(ticket, user, **kw):
    args = dict(fault="not_cooling", cause="thermostat", notes="Thermostat open circuit")
    args.update(kw)
    return services.diagnosis_record(ticket=ticket, engineer_user=user, **args)


def use_part(ticket, user, key="k1", sku="HR-FR-TH01", serial="TH2026-0001"):
    return part_usage_record(
        ticket=ticket,
        engineer_user=user,
        sku=sku,
        serial_or_batch=serial,
        old_part_serial="OLD-777",
        request_key=key,
    )


def finish(ticket, user):
    services.test_run_record(
        ticket=ticket,
        engineer_user=user,
        checked=["powers_on", "compressor_runs", "cools", "door_seals"],
    )
    services.signature_record(
        ticket=ticket, engineer_user=user, signer_name="Li Lei", data_url=signature_data_url()
    )
    return services.job_complete(ticket=ticket, engineer_user=user)


def test_check_in_near_the_address_puts_the_job_on_site(warranty_job, engineer_user):
    job = check_in(warranty_job, engineer_user)
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ON_SITE
    assert job.checked_in_at is not None and job.check_in_distance_m < 100
    assert not job.check_in_flagged
    move = TicketEvent.objects.get(ticket=warranty_job, kind="status", to_status=Status.ON_SITE)
    assert move.data["check_in"] is True and move.data["far_from_address"] is False
    assert "check_in" in kinds(warranty_job)


def test_check_in_far_from_the_address_is_flagged_not_refused(warranty_job, engineer_user):
    job = check_in(warranty_job, engineer_user, lat=36.12, lng=120.38)  # ~5.5 km north
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ON_SITE
    assert job.check_in_flagged and job.check_in_distance_m > 5000
    event = TicketEvent.objects.get(ticket=warranty_job, kind="check_in")
    assert event.data["far_from_address"] is True


def test_check_in_without_location_still_works(warranty_job, engineer_user):
    job = services.ticket_check_in(ticket=warranty_job, engineer_user=engineer_user)
    assert job.check_in_lat is None and not job.check_in_flagged
    assert warranty_job.status == Status.ON_SITE


def test_check_in_twice_does_not_count_two_visits(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    job = check_in(warranty_job, engineer_user)
    assert job.visits == 1
    assert kinds(warranty_job).count("check_in") == 1


def test_check_in_needs_a_booked_visit(db, warranty_policies, fee_schedule, engineer_user):
    from tests.factories import ticket_create

    from .conftest import assign_and_schedule

    ticket = assign_and_schedule(ticket_create(), engineer_user, to=Status.ACCEPTED)
    with pytest.raises(TransitionNotAllowed):
        check_in(ticket, engineer_user)


def test_another_engineer_cannot_work_the_job(warranty_job, engineer_user2):
    with pytest.raises(PermissionDenied):
        check_in(warranty_job, engineer_user2)
    with pytest.raises(NotFound):
        job_get_for_engineer(user=engineer_user2, ticket_id=warranty_job.pk)


def test_fixed_in_warranty_end_to_end(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    usage = use_part(warranty_job, engineer_user)
    photo = services.photo_add(
        ticket=warranty_job,
        engineer_user=engineer_user,
        upload=SimpleUploadedFile("fault.jpg", jpeg_bytes()),
        kind=TicketPhoto.Kind.FAULT,
    )
    report = finish(warranty_job, engineer_user)

    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.COMPLETED
    assert report.version == 1 and report.intact
    lines = list(ChargeLine.objects.filter(ticket=warranty_job))
    assert lines and all(line.amount == 0 and line.free for line in lines)
    part_line = next(line for line in lines if line.kind == "part")
    assert part_line.list_price == Decimal("68.00")  # shown struck through
    c = report.content
    assert c["parts"][0]["serial"] == "TH2026-0001" and c["parts"][0]["old_serial"] == "OLD-777"
    assert c["charges"]["total"] == "0.00"
    assert c["photos"] == [{"id": photo.pk, "kind": "fault"}]
    assert c["signature"]["signer_name"] == "Li Lei"
    assert c["times"]["arrived"] and c["times"]["completed"] and c["times"]["reported"]
    assert usage.engineer == engineer_user and not usage.consumed
    for kind in ("check_in", "diagnosis", "part_used", "photo_added", "test_run", "signed"):
        assert kind in kinds(warranty_job)
    assert "report_issued" in kinds(warranty_job)


def test_charged_work_is_refused_before_consent(paid_job, engineer_user):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    with pytest.raises(DomainError) as exc:
        use_part(paid_job, engineer_user)
    assert exc.value.field == "consent"
    assert not PartUsage.objects.filter(ticket=paid_job).exists()
    with pytest.raises(DomainError):
        services.payment_record(
            ticket=paid_job, engineer_user=engineer_user, method="cash", paid=True
        )

    job = services.charges_consent(
        ticket=paid_job, engineer_user=engineer_user, customer_name="Li Lei", agreed=True
    )
    assert job.consent_total == Decimal("170.00")  # call-out 50 + standard labour 120
    use_part(paid_job, engineer_user)
    lines = ChargeLine.objects.filter(ticket=paid_job)
    assert sum(line.amount for line in lines) == Decimal("238.00")
    services.charges_consent(
        ticket=paid_job, engineer_user=engineer_user, customer_name="Li Lei", agreed=True
    )
    job = services.payment_record(
        ticket=paid_job, engineer_user=engineer_user, method="qr", reference="WX123", paid=True
    )
    assert job.receipt_number.startswith("RC-") and job.paid
    report = finish(paid_job, engineer_user)
    assert report.content["charges"]["total"] == "238.00"
    assert report.content["charges"]["receipt_number"] == job.receipt_number
    assert "charges_consented" in kinds(paid_job)


def test_consent_needs_the_tick_and_a_name(paid_job, engineer_user):
    check_in(paid_job, engineer_user)
    with pytest.raises(DomainError) as exc:
        services.charges_consent(
            ticket=paid_job, engineer_user=engineer_user, customer_name="Li", agreed=False
        )
    assert exc.value.field == "agreed"


def test_qr_payment_needs_its_reference(paid_job, engineer_user):
    check_in(paid_job, engineer_user)
    services.charges_consent(
        ticket=paid_job, engineer_user=engineer_user, customer_name="Li", agreed=True
    )
    with pytest.raises(DomainError) as exc:
        services.payment_record(
            ticket=paid_job, engineer_user=engineer_user, method="qr", paid=True
        )
    assert exc.value.field == "payment_reference"


def test_receipt_numbers_are_unique(paid_job, engineer_user):
    check_in(paid_job, engineer_user)
    services.charges_consent(
        ticket=paid_job, engineer_user=engineer_user, customer_name="Li", agreed=True
    )
    a = services.payment_record(
        ticket=paid_job, engineer_user=engineer_user, method="cash", paid=False
    ).receipt_number
    b = services.payment_record(
        ticket=paid_job, engineer_user=engineer_user, method="cash", paid=True
    ).receipt_number
    assert a == b  # the same job keeps its receipt
    services.payment_record(ticket=paid_job, engineer_user=engineer_user, method="cash", paid=True)
    assert kinds(paid_job).count("payment_recorded") == 2  # the retry recorded nothing
    assert services._next_receipt_number("RC") != a


def test_completion_is_refused_before_signature(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    services.test_run_record(
        ticket=warranty_job,
        engineer_user=engineer_user,
        checked=["powers_on", "compressor_runs", "cools", "door_seals"],
    )
    with pytest.raises(DomainError) as exc:
        services.job_complete(ticket=warranty_job, engineer_user=engineer_user)
    assert exc.value.field == "signature"
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ON_SITE
    assert not ServiceReport.objects.filter(ticket=warranty_job).exists()


def test_signature_needs_a_passed_test_run_and_real_ink(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    with pytest.raises(DomainError):
        services.test_run_record(
            ticket=warranty_job, engineer_user=engineer_user, checked=["powers_on"]
        )
    services.test_run_record(
        ticket=warranty_job,
        engineer_user=engineer_user,
        checked=["powers_on", "compressor_runs", "cools", "door_seals"],
    )
    import base64

    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGBA", (320, 160), (255, 255, 255, 0)).save(blank, format="PNG")
    blank_url = "data:image/png;base64," + base64.b64encode(blank.getvalue()).decode()
    for bad in ("", "data:image/png;base64,!!!", blank_url, "data:image/jpeg;base64,AAAA"):
        with pytest.raises(DomainError) as exc:
            services.signature_record(
                ticket=warranty_job, engineer_user=engineer_user, signer_name="Li", data_url=bad
            )
        assert exc.value.field == "signature"


def test_waiting_for_parts_then_parts_arrive_and_the_job_returns(
    warranty_job, engineer_user, dispatcher
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    services.outcome_waiting_for_parts(
        ticket=warranty_job, engineer_user=engineer_user, parts_needed="Compressor HR-FR-CMP10"
    )
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.WAITING_FOR_PARTS
    # Still the engineer's job while it waits.
    assert job_get_for_engineer(user=engineer_user, ticket_id=warranty_job.pk)

    services.parts_arrived(ticket=warranty_job, actor=dispatcher)
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ACCEPTED
    assert job_get_for_engineer(user=engineer_user, ticket_id=warranty_job.pk)


def test_return_visit_after_parts_completes(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    services.outcome_waiting_for_parts(
        ticket=warranty_job, engineer_user=engineer_user, parts_needed="Compressor"
    )
    # Tomorrow 10:00 local: inside every shift whatever time the suite runs at.
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    services.parts_arrived(
        ticket=warranty_job,
        actor=engineer_user,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.SCHEDULED
    job = check_in(warranty_job, engineer_user)
    assert job.visits == 2
    use_part(warranty_job, engineer_user, sku="HR-FR-CMP10", serial="CMP-1")
    report = finish(warranty_job, engineer_user)
    assert report.content["parts"][0]["warranty_months"] == 120
    # arrival is the first visit's arrival
    times = ticket_times(warranty_job)
    first = TicketEvent.objects.filter(ticket=warranty_job, to_status=Status.ON_SITE).first()
    assert times["arrived"] == first.created_at


def test_carry_in_completes_when_the_repaired_unit_is_returned(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    with pytest.raises(DomainError):
        services.outcome_carry_in(
            ticket=warranty_job,
            engineer_user=engineer_user,
            loaner_description="Loaner fridge",
            due_back=timezone.localdate(),
        )
    job = services.outcome_carry_in(
        ticket=warranty_job,
        engineer_user=engineer_user,
        loaner_description="Loaner fridge BCD-200",
        due_back=timezone.localdate() + dt.timedelta(days=7),
    )
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.CARRIED_IN
    assert job.loaner_receipt_number.startswith("LN-")
    with pytest.raises(DomainError):
        services.job_complete(ticket=warranty_job, engineer_user=engineer_user)

    services.carry_in_return(ticket=warranty_job, engineer_user=engineer_user)
    report = finish(warranty_job, engineer_user)
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.COMPLETED
    assert report.content["loaner"]["receipt_number"] == job.loaner_receipt_number
    assert "loaner_issued" in kinds(warranty_job) and "unit_returned" in kinds(warranty_job)


def test_second_visit_needs_consent_and_books_a_new_window(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    start = timezone.now() + dt.timedelta(days=2)
    with pytest.raises(DomainError):
        services.outcome_second_visit(
            ticket=warranty_job,
            engineer_user=engineer_user,
            customer_name="Li",
            agreed=False,
            window_start=start,
            window_end=start + dt.timedelta(hours=2),
        )
    services.outcome_second_visit(
        ticket=warranty_job,
        engineer_user=engineer_user,
        customer_name="Li Lei",
        agreed=True,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.SCHEDULED
    move = TicketEvent.objects.filter(ticket=warranty_job, to_status=Status.SCHEDULED).last()
    assert move.data["window_start"] == start.isoformat()
    assert move.data["customer_consent"] == "Li Lei"


def test_needs_senior_hands_back_to_dispatch_keeping_the_diagnosis(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    with pytest.raises(DomainError):
        diagnose(warranty_job, engineer_user, needs_senior=True)
    diagnosis = diagnose(
        warranty_job, engineer_user, needs_senior=True, senior_reason="Sealed system work"
    )
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.AWAITING_DISPATCH
    assert warranty_job.fault_class == "complex"
    assert Diagnosis.objects.get(pk=diagnosis.pk).notes == "Thermostat open circuit"
    move = TicketEvent.objects.filter(
        ticket=warranty_job, to_status=Status.AWAITING_DISPATCH
    ).last()
    assert move.data["needs_senior"] is True and move.reason == "Sealed system work"
    assert "fault_class_changed" in kinds(warranty_job)
    with pytest.raises(NotFound):
        job_get_for_engineer(user=engineer_user, ticket_id=warranty_job.pk)


def test_diagnosis_changes_labour_before_consent(paid_job, engineer_user):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user, fault="compressor", cause="defect")
    labour = ChargeLine.objects.get(ticket=paid_job, kind="labour")
    assert labour.amount == Decimal("260.00")  # complex labour from the schedule


def test_retried_submits_do_nothing_twice(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    assert diagnose(warranty_job, engineer_user, key="same") is not None
    assert diagnose(warranty_job, engineer_user, key="same") is None
    assert Diagnosis.objects.filter(ticket=warranty_job).count() == 1
    a = use_part(warranty_job, engineer_user, key="p")
    b = use_part(warranty_job, engineer_user, key="p")
    assert a.pk == b.pk and PartUsage.objects.filter(ticket=warranty_job).count() == 1
    for _ in range(2):
        services.photo_add(
            ticket=warranty_job,
            engineer_user=engineer_user,
            upload=SimpleUploadedFile("a.jpg", jpeg_bytes()),
            key="ph",
        )
    assert TicketPhoto.objects.filter(ticket=warranty_job).count() == 1
    report = finish(warranty_job, engineer_user)
    assert services.job_complete(ticket=warranty_job, engineer_user=engineer_user).pk == report.pk


def test_signed_report_cannot_be_altered_and_a_correction_is_version_2(
    warranty_job, engineer_user, supervisor
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    use_part(warranty_job, engineer_user)
    v1 = finish(warranty_job, engineer_user)

    v1.content["parts"] = []
    with pytest.raises(ValueError):
        v1.save()
    with pytest.raises(ValueError):
        v1.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ServiceReport.objects.filter(pk=v1.pk).update(content={})
    v1.refresh_from_db()
    assert v1.content["parts"][0]["serial"] == "TH2026-0001" and v1.intact

    v2 = services.report_correct(
        report=v1,
        actor=supervisor,
        reason="Serial mistyped",
        changes={"diagnosis": {"notes": "Thermostat replaced; seal checked"}},
    )
    assert v2.version == 2 and v2.previous_id == v1.pk and v2.intact
    assert v2.content["corrects"]["sha256"] == v1.content_sha256
    assert v2.content["diagnosis"]["notes"] == "Thermostat replaced; seal checked"
    assert report_latest_for_ticket(warranty_job).pk == v2.pk
    v1.refresh_from_db()
    assert v1.content["diagnosis"]["notes"] == "Thermostat open circuit"
    with pytest.raises(Conflict):
        services.report_correct(
            report=v1, actor=supervisor, reason="again", changes={"diagnosis": {"notes": "x"}}
        )
    assert "report_corrected" in kinds(warranty_job)


def test_a_desk_agent_cannot_correct_a_report(warranty_job, engineer_user, agent):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    v1 = finish(warranty_job, engineer_user)
    with pytest.raises(PermissionDenied):
        services.report_correct(
            report=v1, actor=agent, reason="x", changes={"diagnosis": {"notes": "y"}}
        )


def test_contacted_time_is_the_first_call_that_reached_the_customer(warranty_job, engineer_user):
    from tickets.services import ticket_event_record

    ticket_event_record(
        ticket=warranty_job,
        kind="customer_call",
        actor=engineer_user,
        data={"outcome": "no_answer"},
    )
    assert ticket_times(warranty_job)["contacted"] is None
    reached = ticket_event_record(
        ticket=warranty_job, kind="customer_call", actor=engineer_user, data={"outcome": "reached"}
    )
    assert ticket_times(warranty_job)["contacted"] == reached.created_at
