"""Monthly quality sampling: a share of last month's completed jobs, once per month even
under concurrent runs; the review's checklist, findings and corrective action."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from callbacks.models import Complaint, QualityReview, QualitySampleRun
from callbacks.services.quality_reviews import (
    quality_checks,
    quality_review_record,
    quality_sample_due,
    quality_sample_month,
)
from tickets import hooks
from tickets.errors import Conflict, DomainError
from tickets.models import OutboundMessage, TicketEvent

from .conftest import complete, ticket_in

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FEBRUARY = dt.date(2026, 2, 1)


def _jobs(area, engineer, count, when):
    with time_machine.travel(when, tick=False):
        return [complete(ticket_in(area), engineer) for _ in range(count)]


@pytest.mark.django_db
def test_a_tenth_of_last_months_completed_jobs_is_sampled_once(
    warranty_policies, area_a, engineer_user
):
    feb = _jobs(area_a, engineer_user, 12, dt.datetime(2026, 2, 10, 11, tzinfo=SHANGHAI))
    _jobs(area_a, engineer_user, 1, dt.datetime(2026, 1, 20, 11, tzinfo=SHANGHAI))
    _jobs(area_a, engineer_user, 1, dt.datetime(2026, 3, 1, 9, tzinfo=SHANGHAI))
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 30, tzinfo=SHANGHAI), tick=False):
        run = quality_sample_due()
        again = quality_sample_due()
    assert run.month == FEBRUARY and again is None
    assert (run.population, run.sampled, run.rate) == (12, 2, Decimal("0.100"))  # ceil(1.2)
    sampled = set(QualityReview.objects.values_list("ticket_id", flat=True))
    assert len(sampled) == 2 and sampled <= {t.pk for t in feb}


@pytest.mark.django_db
def test_the_share_is_configurable(settings, warranty_policies, area_a, engineer_user):
    settings.QA_SAMPLE_RATE = "0.5"
    _jobs(area_a, engineer_user, 4, dt.datetime(2026, 2, 10, 11, tzinfo=SHANGHAI))
    run = quality_sample_month(month=FEBRUARY)
    assert run.sampled == 2 and QualityReview.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_in_a_month_sample_once(warranty_policies, area_a, engineer_user):
    _jobs(area_a, engineer_user, 10, dt.datetime(2026, 2, 10, 11, tzinfo=SHANGHAI))

    def run(_):
        try:
            result = quality_sample_month(month=FEBRUARY)
            return result.pk if result else None
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, range(4)))
    assert len([r for r in results if r]) == 1
    assert QualitySampleRun.objects.count() == 1
    assert QualityReview.objects.count() == 1  # 10% of 10


@pytest.fixture
def review(done_job):
    run = QualitySampleRun.objects.create(month=FEBRUARY, rate="0.1", population=1, sampled=1)
    return QualityReview.objects.create(run=run, ticket=done_job)


@pytest.mark.django_db
def test_the_checklist_reads_the_jobs_records(review):
    checks = quality_checks(ticket=review.ticket)
    # No photo and no signed report on this job; no parts and no charges to get wrong.
    assert checks == {
        "photos": False,
        "parts_traced": True,
        "report_signed": False,
        "charges_match": True,
    }


@pytest.mark.django_db
def test_the_checklist_checks_an_out_of_warranty_jobs_charges(review, fee_schedule):
    """A paid job's lines are at the schedule's prices; one charged differently fails."""
    from tickets.onsite.models import ChargeLine
    from tickets.onsite.services.charges import _charges_refresh_base_lines

    ticket = review.ticket
    ticket.in_warranty = False
    ticket.save(update_fields=["in_warranty"])
    _charges_refresh_base_lines(ticket=ticket, job=None)
    lines = ChargeLine.objects.filter(ticket=ticket)
    assert lines.count() == 2 and not any(line.free for line in lines)
    assert quality_checks(ticket=ticket)["charges_match"] is True
    lines.filter(kind=ChargeLine.Kind.LABOUR).update(amount=Decimal("99.00"))
    assert quality_checks(ticket=ticket)["charges_match"] is False


@pytest.mark.django_db
def test_a_failed_review_opens_a_corrective_action_without_texting_the_customer(review, qa):
    with pytest.raises(DomainError) as err:
        quality_review_record(
            review=review, actor=qa, checklist={"parts_traced": True}, findings=""
        )
    assert err.value.field == "findings"
    sms_before = OutboundMessage.objects.count()
    quality_review_record(
        review=review,
        actor=qa,
        checklist={
            "photos": False,
            "parts_traced": True,
            "report_signed": True,
            "charges_match": True,
        },
        findings="No photo of the fault.",
        open_corrective=True,
        corrective_category="repair_quality",
    )
    review.refresh_from_db()
    assert review.state == "done" and review.result == "failed" and review.reviewer == qa
    action = Complaint.objects.get(quality_review=review)
    assert action.source == "qa" and action.state == "acknowledged"
    assert action.category == "repair_quality"
    assert OutboundMessage.objects.count() == sms_before  # internal: no SMS
    assert "open_complaint" not in hooks.close_blockers(ticket=review.ticket)
    assert TicketEvent.objects.filter(ticket=review.ticket, kind="quality_reviewed").exists()
    with pytest.raises(Conflict):
        quality_review_record(review=review, actor=qa, checklist={}, findings="again")


@pytest.mark.django_db
def test_only_quality_roles_review(review, agent_a):
    from tickets.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        quality_review_record(review=review, actor=agent_a, checklist={}, findings="x")
