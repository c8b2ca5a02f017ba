"""A report version's PDF is rendered once per copy and stored; downloads read the stored
file (a signed version never changes, so neither does its document)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tickets.onsite import services
from tickets.onsite.models import ServiceReportFile

from .test_services import check_in, diagnose, finish

pytestmark = pytest.mark.django_db


def _body(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_each_copy_of_each_version_is_rendered_once_and_then_served_as_stored(
    warranty_job, engineer_user, supervisor, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    report = finish(warranty_job, engineer_user)
    client.force_login(engineer_user)
    staff_url = reverse("onsite_report_pdf", args=[report.pk])
    customer_url = reverse("customer_report_pdf", args=[warranty_job.public_token])

    first = _body(client.get(staff_url))
    customer_first = _body(client.get(customer_url))
    stored = {f.copy: f for f in ServiceReportFile.objects.filter(report=report)}
    assert set(stored) == {"staff", "customer"}
    assert stored["staff"].pdf.read() == first and first != customer_first

    # Later downloads read the stored file, not a new rendering.
    for copy, url in (("staff", staff_url), ("customer", customer_url)):
        marker = f"%PDF-1.4 stored {copy}".encode()
        row = stored[copy]
        row.pdf.storage.delete(row.pdf.name)
        row.pdf.storage.save(row.pdf.name, ContentFile(marker))
        assert _body(client.get(url)) == marker
    assert ServiceReportFile.objects.count() == 2

    # A correction is a new version: its own documents, the customer's link shows it.
    v2 = services.report_correct(
        report=report, actor=supervisor, reason="typo", changes={"diagnosis": {"notes": "ok"}}
    )
    assert _body(client.get(customer_url)).startswith(b"%PDF-1.")
    assert ServiceReportFile.objects.filter(report=v2, copy="customer").exists()
