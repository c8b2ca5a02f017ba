"""Proofs of purchase are checked by content: real JPEG/PNG re-encoded without metadata, or a
PDF without scripts or actions; the desk downloads them as attachments with nosniff."""

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import minimal_pdf
from tickets.models import Appliance

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def photo_with_gps(fmt="JPEG") -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (36.0, 4.0, 1.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def desk(client, agent_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent_a)
    return client


@pytest.fixture
def customer(ticket_a):
    return ticket_a.customer


def _upload(desk, customer, name, data, content_type):
    return desk.post(
        reverse("console_appliance_new", args=[customer.pk]),
        {
            "category": "washer",
            "brand": "Haier",
            "model_number": "XQG100",
            "serial_number": f"SN-{len(data)}-{name}",
            "purchase_date": "2024-05-01",
            "purchase_channel": "store",
            "proof_of_purchase": SimpleUploadedFile(name, data, content_type),
        },
        **HX,
    )


def _download(desk, appliance):
    response = desk.get(reverse("console_appliance_proof", args=[appliance.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    return response, b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_photo_is_re_encoded_without_its_exif(desk, customer, fmt):
    raw = photo_with_gps(fmt)
    assert b"SpyCam" in raw
    response = _upload(desk, customer, f"receipt.{fmt.lower()}", raw, f"image/{fmt.lower()}")
    assert response.status_code == 200
    appliance = Appliance.objects.get(model_number="XQG100")
    response, stored = _download(desk, appliance)
    assert response["Content-Type"] == "image/jpeg"
    assert b"SpyCam" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and not image.getexif() and image.size == (64, 48)


def test_a_clean_pdf_is_kept_and_downloaded_as_an_attachment(desk, customer):
    pdf = minimal_pdf()
    assert _upload(desk, customer, "invoice.pdf", pdf, "application/pdf").status_code == 200
    appliance = Appliance.objects.get(model_number="XQG100")
    response, stored = _download(desk, appliance)
    assert response["Content-Type"] == "application/pdf" and stored == pdf


def _compressed_object_stream(body: bytes) -> bytes:
    data = zlib.compress(body)
    return (
        b"4 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(data)).encode()
        + b" >>\nstream\n"
        + data
        + b"\nendstream endobj\n"
    )


@pytest.mark.parametrize(
    "pdf",
    [
        minimal_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        minimal_pdf(b"/AA << /O 5 0 R >>"),
        minimal_pdf(b"/OpenAction 5 0 R"),
        minimal_pdf(objects=b"5 0 obj << /S /Launch /F (cmd.exe) >> endobj\n"),
        minimal_pdf(objects=b"5 0 obj << /S /J#61vaScript /J#53 (x) >> endobj\n"),
        minimal_pdf(objects=_compressed_object_stream(b"5 0 << /S /JavaScript /JS (x) >>")),
    ],
    ids=["openaction-js", "aa", "openaction", "launch", "hex-escaped", "in-object-stream"],
)
def test_a_pdf_with_scripts_or_actions_is_refused(desk, customer, pdf):
    response = _upload(desk, customer, "invoice.pdf", pdf, "application/pdf")
    assert response.status_code == 422
    assert "carries scripts, actions or encryption" in response.content.decode()
    assert not Appliance.objects.filter(model_number="XQG100").exists()


@pytest.mark.parametrize(
    "name,data",
    [
        ("receipt.jpg", b"<html><script>alert(1)</script></html>"),
        ("invoice.pdf", b"%PDF-1.4 <script>alert(1)</script>"),
        ("receipt.png", b"GIF89a" + b"\0" * 40),
        ("receipt.jpg", photo_with_gps("WEBP")),
    ],
    ids=["html-as-jpg", "html-as-pdf", "gif-as-png", "webp"],
)
def test_a_file_that_is_not_a_jpeg_png_or_pdf_is_refused(desk, customer, name, data):
    response = _upload(desk, customer, name, data, "image/jpeg")
    assert response.status_code == 422
    body = response.content.decode()
    assert "not a proof we accept" in body or "not a PDF we can read" in body
    assert not Appliance.objects.filter(model_number="XQG100").exists()
