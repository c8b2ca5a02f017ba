import base64
import io
import os
import re
import subprocess
import zlib

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tickets.models import TicketEvent, TicketPhoto
from tickets.onsite import services
from tickets.onsite.report import report_pdf

from .conftest import jpeg_bytes
from .test_services import check_in, diagnose, finish, use_part


@pytest.fixture
def on_site(warranty_job, engineer_user, client):
    check_in(warranty_job, engineer_user)
    client.force_login(engineer_user)
    return warranty_job


def upload(client, ticket, name, data, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("onsite_photos", args=[ticket.pk]),
        {"kind": "fault", "image": SimpleUploadedFile(name, data, content_type=content_type)},
    )


def huge_png_header() -> bytes:
    # A 30,000 x 30,000 bilevel PNG compresses to a few hundred KB: the header claims 900 MP.
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


SVG = b"""<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>"""
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.mark.parametrize(
    "name,make,message",
    [
        ("big.jpg", lambda: os.urandom(20 * 1024 * 1024), "too big"),
        ("huge.png", huge_png_header, "too large"),
        ("invoice.jpg", lambda: PDF, "not a photo we accept"),
        ("evil.svg", lambda: SVG, "not a photo we accept"),
        ("cut.jpg", lambda: jpeg_bytes(size=(800, 600))[:3000], "damaged or incomplete"),
    ],
)
def test_bad_uploads_are_rejected_with_a_clear_message(on_site, client, name, make, message):
    response = upload(client, on_site, name, make())
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TicketPhoto.objects.filter(ticket=on_site).exists()
    assert not TicketEvent.objects.filter(ticket=on_site, kind="photo_added").exists()


def test_exif_and_gps_are_gone_from_stored_photos(on_site, client):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (36.0, 4.0, 1.0), 3: "E", 4: (120.0, 22.0, 5.0)}
    data = jpeg_bytes(exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test file has GPS

    response = upload(client, on_site, "with-gps.jpg", data)
    assert response.status_code == 302
    photo = TicketPhoto.objects.get(ticket=on_site)
    with photo.image.open("rb") as fh:
        stored = fh.read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)
    assert b"Exif" not in stored and b"PhoneMaker" not in stored


def test_png_and_webp_are_accepted_and_stored_as_jpeg(on_site, client):
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGB", (300, 200), (0, 120, 0)).save(out, format=fmt)
        # A misleading name and Content-Type do not matter: the content decides.
        assert upload(client, on_site, "x.bin", out.getvalue(), "text/plain").status_code == 302
    assert TicketPhoto.objects.filter(ticket=on_site).count() == 2


def test_photos_are_served_only_to_those_who_may_see_the_ticket(
    on_site, client, engineer_user, engineer_user2, supervisor
):
    assert upload(client, on_site, "a.jpg", jpeg_bytes()).status_code == 302
    photo = TicketPhoto.objects.get(ticket=on_site)
    url = reverse("onsite_photo", args=[photo.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "image/jpeg"

    client.force_login(engineer_user2)
    assert client.get(url).status_code == 404
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def _pdf_text(pdf: bytes) -> bytes:
    """Page content, inflated: enough to find the strings we drew (pure Python)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = match.group(1).strip()
        if raw.endswith(b"~>"):  # reportlab wraps content streams in ASCII85
            raw = base64.a85decode(raw.removeprefix(b"<~").removesuffix(b"~>"))
        try:
            chunks.append(zlib.decompress(raw))
        except zlib.error:
            pass
    return b"\n".join(chunks)


def test_the_pdf_contains_the_parts_and_the_signature(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    use_part(warranty_job, engineer_user, serial="TH2026-0042")
    report = finish(warranty_job, engineer_user)

    pdf = report_pdf(report)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert b"(HR-FR-TH01 x1" in text
    assert b"TH2026-0042" in text
    assert b"Li Lei" in text
    assert re.search(rb"/Subtype\s*/Image", pdf)  # the signature image is embedded
    assert b"/FontFile2" in pdf  # the Chinese font travels in the file: no boxes on a phone


def test_the_pdf_embeds_its_chinese_font_as_real_text_and_stays_small(
    warranty_job, engineer_user, tmp_path
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    use_part(warranty_job, engineer_user)
    report = finish(warranty_job, engineer_user)

    with translation.override("zh-hans"):  # the part's line reads in the PDF's language
        pdf = report_pdf(report)
    assert len(pdf) < 300 * 1024  # the font is subset to the glyphs drawn
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "冰箱温控器" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    assert "DroidSansFallback" in fonts.stdout and " yes " in fonts.stdout


def test_customer_link_serves_the_report_pdf_and_page(warranty_job, engineer_user, client):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    use_part(warranty_job, engineer_user)
    finish(warranty_job, engineer_user)

    response = client.get(reverse("customer_report_pdf", args=[warranty_job.public_token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The link may be forwarded: the customer's copy carries nothing personal.
    text = _pdf_text(response.content)
    assert b"HR-FR-TH01" in text
    for secret in (warranty_job.customer.name, warranty_job.address.line, "Li Lei"):
        assert secret.encode() not in text, secret
    track = client.get(reverse("ticket_track", args=[warranty_job.public_token])).content.decode()
    assert "HR-FR-TH01" in track and "service-report" in track
    assert warranty_job.customer.name not in track and "Li Lei" not in track
    page = client.get(reverse("customer_report", args=[warranty_job.public_token]))
    assert "HR-FR-TH01" in page.content.decode() and "Service report" in page.content.decode()
    assert client.get(reverse("customer_report_pdf", args=["not-a-token"])).status_code == 404


def test_customer_link_shows_nothing_before_completion(warranty_job, client):
    assert (
        client.get(reverse("customer_report_pdf", args=[warranty_job.public_token])).status_code
        == 404
    )
    page = client.get(reverse("customer_report", args=[warranty_job.public_token]))
    assert "once the engineer completes" in page.content.decode()


def test_report_page_and_pdf_for_desk_and_engineer_only(
    warranty_job, engineer_user, engineer_user2, supervisor, client
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    report = finish(warranty_job, engineer_user)
    page = reverse("onsite_report", args=[warranty_job.pk])
    pdf = reverse("onsite_report_pdf", args=[report.pk])
    for user, expected in ((engineer_user, 200), (supervisor, 200), (engineer_user2, 404)):
        client.force_login(user)
        assert client.get(page).status_code == expected
        assert client.get(pdf).status_code == expected
    client.force_login(engineer_user)
    sig = client.get(reverse("onsite_report_signature", args=[report.pk]))
    assert sig["Content-Type"] == "image/png" and sig["X-Content-Type-Options"] == "nosniff"
    v2 = services.report_correct(
        report=report, actor=supervisor, reason="typo", changes={"diagnosis": {"notes": "ok"}}
    )
    client.force_login(supervisor)
    assert "Corrects version 1" in client.get(page).content.decode()
    assert v2.version == 2


def test_supervisor_corrects_a_report_through_the_page(
    warranty_job, engineer_user, supervisor, agent, client
):
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    v1 = finish(warranty_job, engineer_user)
    url = reverse("onsite_report_correct", args=[v1.pk])
    data = {"notes": "Seal replaced too", "reason": "Engineer forgot the seal"}
    client.force_login(agent)
    assert client.post(url, data).status_code == 403
    client.force_login(supervisor)
    assert client.post(url, data).status_code == 302
    latest = warranty_job.service_reports.order_by("-version").first()
    assert latest.version == 2 and latest.previous_id == v1.pk
    assert latest.content["diagnosis"]["notes"] == "Seal replaced too"
    body = client.get(reverse("onsite_report", args=[warranty_job.pk])).content.decode()
    assert "Engineer forgot the seal" in body and "Seal replaced too" in body
