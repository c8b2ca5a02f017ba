"""The complaint pages: logged from the desk ticket page, QA's queue and detail, the
customer's own form, and the QA review queue."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from callbacks.models import Complaint, QualityReview, QualitySampleRun
from tickets import hooks
from tickets.models import OutboundMessage

from .test_complaint_steps import open_one

pytestmark = pytest.mark.django_db


def test_the_desk_ticket_page_links_to_logging_a_complaint(client, agent_a, ticket_a):
    client.force_login(agent_a)
    page = client.get(reverse("ticket_detail", args=[ticket_a.pk])).content.decode()
    assert reverse("complaint_new", args=[ticket_a.pk]) in page
    response = client.post(
        reverse("complaint_new", args=[ticket_a.pk]),
        {"category": "attitude", "remedy_wanted": "apology", "description": "He shouted."},
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaint_detail", args=[complaint.pk])
    assert complaint.source == "agent" and complaint.opened_by == agent_a
    assert OutboundMessage.objects.filter(purpose="complaint_acknowledgement").count() == 1
    bad = client.post(
        reverse("complaint_new", args=[ticket_a.pk]),
        {"category": "attitude", "remedy_wanted": "", "description": "x" * 2001},
    )
    assert bad.status_code == 422 and Complaint.objects.count() == 1
    assert "remedy_wanted" in bad.context["form"].errors
    assert "description" in bad.context["form"].errors


def test_qa_queue_lists_open_complaints_with_their_clocks(
    client, qa, agent_a, ticket_a, ticket_b, django_assert_max_num_queries
):
    first = open_one(ticket_a, agent_a)
    open_one(ticket_b, qa, description="Second one")
    client.force_login(qa)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("complaint_queue"))
    page = response.content.decode()
    assert response.status_code == 200
    assert first.reference in page and ticket_b.number in page
    assert ticket_a.customer.masked_mobile in page  # a list needs no phone number
    assert ticket_a.customer.national_number() not in page


def test_qa_works_the_complaint_on_its_page(client, qa, agent_a, ticket_a):
    complaint = open_one(ticket_a, agent_a)
    client.force_login(qa)
    url = reverse("complaint_step", args=[complaint.pk])
    refused = client.post(url, {"to": "assessed", "severity": ""})
    assert refused.status_code == 422
    assert client.post(url, {"to": "assessed", "severity": "low"}).status_code == 302
    wrong = client.post(url, {"to": "closed", "root_cause": "other"})
    assert wrong.status_code == 422 and wrong.context["action_errors"]
    complaint.refresh_from_db()
    assert complaint.state == "assessed"
    page = client.get(reverse("complaint_detail", args=[complaint.pk])).content.decode()
    assert ticket_a.customer.national_number() in page  # QA phones the customer


def test_the_customer_complains_from_the_tracking_link_once(client, ticket_a):
    url = reverse("complaint_from_customer", args=[ticket_a.public_token])
    body = {
        "category": "lateness",
        "remedy_wanted": "compensation",
        "description": "Nobody came on Tuesday.",
    }
    assert client.post(url, body).status_code == 302
    assert client.post(url, body).status_code == 302  # a double submit
    complaint = Complaint.objects.get()
    assert complaint.source == "customer" and complaint.opened_by is None
    assert client.post(reverse("complaint_from_customer", args=["nope"]), body).status_code == 404
    sections = hooks.track_sections(ticket=ticket_a)
    assert [s["template"] for s in sections] == ["complaints/_track_section.html"]
    html = render_to_string(sections[0]["template"], sections[0]["context"])
    assert complaint.reference in html and "Make a complaint" not in html  # one at a time


def test_the_track_section_offers_the_form_when_nothing_is_open(ticket_a):
    (section,) = hooks.track_sections(ticket=ticket_a)
    html = render_to_string(section["template"], section["context"])
    assert "Make a complaint" in html
    assert reverse("complaint_from_customer", args=[ticket_a.public_token]) in html


def test_qa_reviews_a_sampled_job_from_the_queue(client, qa, done_job):
    run = QualitySampleRun.objects.create(month="2026-02-01", rate="0.1", population=1, sampled=1)
    review = QualityReview.objects.create(run=run, ticket=done_job)
    client.force_login(qa)
    queue = client.get(reverse("qa_review_queue")).content.decode()
    assert done_job.number in queue
    url = reverse("qa_review_detail", args=[review.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["check_charges_match"] is True
    assert page.context["form"].initial["check_photos"] is False
    response = client.post(
        url,
        {
            "check_parts_traced": "on",
            "check_charges_match": "on",
            "check_report_signed": "on",
            "findings": "No photos.",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.result == "failed" and review.checklist["photos"] is False


def test_the_customer_accepts_our_response_on_the_tracking_link(client, ticket_a, agent_a, qa):
    from .test_complaint_steps import walk_to_responded

    complaint = walk_to_responded(open_one(ticket_a, agent_a), qa)
    (section,) = hooks.track_sections(ticket=ticket_a)
    html = render_to_string(section["template"], section["context"])
    assert "We will send a senior engineer tomorrow" in html  # our response
    assert "Yes, I accept" in html
    url = reverse("complaint_answer_from_customer", args=[ticket_a.public_token, complaint.pk])
    wrong_ticket = reverse("complaint_answer_from_customer", args=["nope", complaint.pk])
    assert client.post(wrong_ticket, {"answer": "yes"}).status_code == 404
    refused = client.post(url, {"answer": "yes", "note": "x" * 2001}, follow=True)
    assert "At most 2000 characters" in refused.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == "responded"  # an over-long note is refused, not cut and stored
    assert client.post(url, {"answer": "yes"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == "accepted"
    assert complaint.steps.last().actor_label == "system"
    assert client.post(url, {"answer": "no"}).status_code == 302  # too late: nothing changes
    complaint.refresh_from_db()
    assert complaint.state == "accepted"
