import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from spareparts.models import PartUsage
from tickets.lifecycle import Status
from tickets.models import Diagnosis, TicketEvent

from .test_services import check_in, diagnose, use_part

PAGES = [
    "onsite_job",
    "onsite_diagnosis",
    "onsite_charges",
    "onsite_parts",
    "onsite_photos",
    "onsite_outcome",
    "onsite_test_run",
    "onsite_sign",
]


@pytest.fixture
def bob(client, engineer_user):
    client.force_login(engineer_user)
    return client


def test_every_page_opens_for_the_assigned_engineer_only(
    warranty_job, engineer_user, engineer_user2, agent, client
):
    check_in(warranty_job, engineer_user)
    for user, expected in ((engineer_user, 200), (engineer_user2, 404), (agent, 403)):
        client.force_login(user)
        for name in PAGES:
            response = client.get(reverse(name, args=[warranty_job.pk]))
            assert response.status_code == expected, (name, user)


def test_check_in_through_the_page_records_the_location(bob, warranty_job):
    response = bob.post(
        reverse("onsite_check_in", args=[warranty_job.pk]), {"lat": "36.2", "lng": "120.38"}
    )
    assert response.status_code == 302
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ON_SITE
    page = bob.get(reverse("onsite_job", args=[warranty_job.pk])).content.decode()
    assert "far from the address" in page
    # a second tap does not check in twice
    bob.post(reverse("onsite_check_in", args=[warranty_job.pk]), {"lat": "", "lng": ""})
    assert TicketEvent.objects.filter(ticket=warranty_job, kind="check_in").count() == 1


def test_failed_diagnosis_submit_keeps_what_was_typed(bob, warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    response = bob.post(
        reverse("onsite_diagnosis", args=[warranty_job.pk]),
        {"fault": "not_cooling", "cause": "", "notes": "Fan blade cracked", "key": "k"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Fan blade cracked" in body and "This field is required" in body
    assert not Diagnosis.objects.exists()


def test_needs_senior_through_the_page(bob, warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    response = bob.post(
        reverse("onsite_diagnosis", args=[warranty_job.pk]),
        {"fault": "compressor", "cause": "defect", "needs_senior": "on", "key": "k"},
    )
    assert response.status_code == 400
    assert "Say why a senior engineer is needed." in response.content.decode()
    response = bob.post(
        reverse("onsite_diagnosis", args=[warranty_job.pk]),
        {
            "fault": "compressor",
            "cause": "defect",
            "needs_senior": "on",
            "senior_reason": "Sealed system",
            "key": "k",
        },
    )
    assert response.status_code == 302
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.AWAITING_DISPATCH


def test_part_page_refuses_before_consent_and_keeps_the_serial(bob, paid_job, engineer_user):
    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    url = reverse("onsite_parts", args=[paid_job.pk])
    data = {"sku": "HR-FR-TH01", "serial_or_batch": "SER-99", "quantity": 1, "key": "a"}
    response = bob.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "consent" in body and "SER-99" in body
    bob.post(
        reverse("onsite_charges", args=[paid_job.pk]),
        {"action": "consent", "consent-customer_name": "Li Lei", "consent-agreed": "on"},
    )
    assert bob.post(url, data).status_code == 302
    assert bob.post(url, data).status_code == 302  # the retry
    assert PartUsage.objects.filter(ticket=paid_job).count() == 1
    page = bob.get(reverse("onsite_charges", args=[paid_job.pk])).content.decode()
    assert "238.00" in page  # 50 + 120 + 68


def test_unknown_sku_is_a_form_error(bob, warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    response = bob.post(
        reverse("onsite_parts", args=[warranty_job.pk]),
        {"sku": "NOPE", "serial_or_batch": "X", "quantity": 1, "key": "a"},
    )
    assert response.status_code == 400
    assert "No part with this SKU" in response.content.decode()


def test_in_warranty_lines_show_free_with_the_list_price(bob, warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    use_part(warranty_job, engineer_user)
    body = bob.get(reverse("onsite_charges", args=[warranty_job.pk])).content.decode()
    assert "<s" in body and "68.00" in body and "free" in body


def test_completion_before_signature_shows_why(bob, warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    response = bob.post(reverse("onsite_complete", args=[warranty_job.pk]), follow=True)
    assert "test-run checklist" in response.content.decode()
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ON_SITE


def test_second_visit_form_books_the_window(bob, warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    start = timezone.localtime() + dt.timedelta(days=1)
    data = {
        "action": "second_visit",
        "visit-window_start": start.strftime("%Y-%m-%dT%H:%M"),
        "visit-window_end": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "visit-customer_name": "Li Lei",
    }
    response = bob.post(reverse("onsite_outcome", args=[warranty_job.pk]), data)
    assert response.status_code == 400  # not agreed
    assert "Li Lei" in response.content.decode()
    data["visit-agreed"] = "on"
    assert bob.post(reverse("onsite_outcome", args=[warranty_job.pk]), data).status_code == 302
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.SCHEDULED


def test_desk_marks_parts_arrived(client, warranty_job, engineer_user, dispatcher):
    from tickets.onsite import services

    check_in(warranty_job, engineer_user)
    services.outcome_waiting_for_parts(
        ticket=warranty_job, engineer_user=engineer_user, parts_needed="Fan"
    )
    client.force_login(dispatcher)
    response = client.post(
        reverse("onsite_parts_arrived", args=[warranty_job.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and "evil" not in response["Location"]
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ACCEPTED


def test_job_page_query_count_stays_flat(
    bob, warranty_job, engineer_user, django_assert_max_num_queries
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    for i in range(5):
        use_part(warranty_job, engineer_user, key=f"k{i}", serial=f"S{i}")
    with django_assert_max_num_queries(16):
        assert bob.get(reverse("onsite_job", args=[warranty_job.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        assert bob.get(reverse("onsite_parts", args=[warranty_job.pk])).status_code == 200


def test_far_check_ins_are_listed_for_review_until_reviewed(
    client,
    warranty_policies,
    fee_schedule,
    engineer_user,
    dispatcher,
    agent,
    django_assert_max_num_queries,
):
    from tests.factories import ticket_create

    from .conftest import assign_and_schedule

    near, *far = [assign_and_schedule(ticket_create(), engineer_user) for _ in range(4)]
    check_in(near, engineer_user)
    for ticket in far:
        check_in(ticket, engineer_user, lat=36.2, lng=120.38)
    url = reverse("onsite_flagged_check_ins")
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(dispatcher)
    with django_assert_max_num_queries(8):
        body = client.get(url).content.decode()
    assert all(f"<td>{t.number}</td>" in body for t in far) and near.number not in body

    response = client.post(url, {"ticket": far[0].pk, "note": "Parked at the estate gate"})
    assert response.status_code == 302
    assert f"<td>{far[0].number}</td>" not in client.get(url).content.decode()
    event = TicketEvent.objects.get(ticket=far[0], kind="check_in_reviewed")
    assert event.reason == "Parked at the estate gate"
    client.post(url, {"ticket": near.pk})  # not flagged: refused with a message
    assert not TicketEvent.objects.filter(ticket=near, kind="check_in_reviewed").exists()
