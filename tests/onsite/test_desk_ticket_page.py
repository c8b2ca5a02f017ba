"""The desk's ticket page after an engineer's visit: every on-site step reads as words on the
timeline, and the page links to the service report."""

import pytest
from django.urls import reverse

from tests.onsite.test_services import check_in, diagnose, finish

pytestmark = pytest.mark.django_db


def test_timeline_names_the_on_site_steps_and_links_the_report(
    client, agent, warranty_job, engineer_user
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    finish(warranty_job, engineer_user)

    client.force_login(agent)
    body = client.get(reverse("ticket_detail", args=[warranty_job.pk])).content.decode()
    for words in (
        "checked in at the customer&#x27;s address",
        "Diagnosis: ",
        "ran the test after the repair",
        "signed the service report",
        "issued the service report",
    ):
        assert words in body
    assert 'data-kind="check_in"' in body
    assert reverse("onsite_report", args=[warranty_job.pk]) in body
    assert 'data-testid="dispatch-link"' not in body  # an agent does not dispatch
