"""On-site records are visible to administrators in the admin, and cannot be edited there."""

import pytest
from django.urls import reverse

from tests.onsite.test_services import check_in, diagnose, finish
from tickets.models import ServiceReport

pytestmark = pytest.mark.django_db


def test_admin_lists_on_site_records_read_only(admin_client, warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    finish(warranty_job, engineer_user)
    report = ServiceReport.objects.get(ticket=warranty_job)

    for name in ("onsitejob", "diagnosis", "chargeline", "servicereport"):
        page = admin_client.get(reverse(f"admin:tickets_{name}_changelist"))
        assert page.status_code == 200
    page = admin_client.get(
        reverse("admin:tickets_servicereport_changelist"), {"q": warranty_job.number}
    ).content.decode()
    assert warranty_job.number in page

    change = reverse("admin:tickets_servicereport_change", args=[report.pk])
    assert admin_client.get(change).status_code == 200  # a view page
    admin_client.post(change, {"version": 99})
    report.refresh_from_db()
    assert report.version == 1
    delete = reverse("admin:tickets_servicereport_delete", args=[report.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ServiceReport.objects.filter(pk=report.pk).exists()
