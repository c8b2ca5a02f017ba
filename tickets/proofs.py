"""Proofs of purchase are checked by their content, never by the name or Content-Type the
browser sends: a JPEG or PNG is re-encoded like the engineers' photos (no EXIF, GPS or
anything else but pixels survives), a PDF is read far enough to refuse one that carries
scripts or actions a viewer would run when the desk opens it."""

import io
import re
import zlib

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import DomainError
from .onsite.photos import photo_clean

PROOF_MAX_BYTES = 5 * 1024 * 1024
FIELD = "proof_of_purchase"

# Names that make a viewer run something: scripts, actions on open or on any event,
# launching programs. An encrypted file cannot be read for them, so it is refused too.
_ACTIVE_NAMES = {b"JavaScript", b"JS", b"OpenAction", b"AA", b"Launch", b"Encrypt"}
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_FLATE_STREAM = re.compile(rb"/FlateDecode.*?stream\r?\n", re.S)
# Every compressed stream is inflated to look inside (object streams hide names there);
# the total is bounded so a small file cannot inflate into gigabytes.
_MAX_INFLATED = 50 * 1024 * 1024

CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}


def _refuse(message: str):
    raise DomainError(message, field=FIELD)


def _names(data: bytes):
    for match in _NAME.finditer(data):
        yield _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _inflated_streams(data: bytes):
    budget = _MAX_INFLATED
    for match in _FLATE_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[match.end() :], budget + 1)
        except zlib.error:
            continue  # a stream the viewer could not read either
        budget -= len(chunk)
        if budget < 0:
            _refuse(_("This PDF could not be checked: it is too large once unpacked."))
        yield chunk


def pdf_check(data: bytes) -> None:
    """Refuse what is not a PDF, or a PDF with scripts, actions or encryption."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:] or b" obj" not in data:
        _refuse(_("This file is not a PDF we can read. Scan the receipt again or take a photo."))
    for chunk in (data, *_inflated_streams(data)):
        active = _ACTIVE_NAMES.intersection(_names(chunk))
        if active:
            _refuse(
                _(
                    "This PDF carries scripts, actions or encryption and is refused. "
                    "Print it to a new PDF or take a photo of the receipt."
                )
            )


def proof_clean(upload) -> ContentFile:
    """The file to store for an uploaded proof of purchase, or a DomainError naming
    `proof_of_purchase`."""
    size = getattr(upload, "size", None)
    if size is None or size > PROOF_MAX_BYTES:
        _refuse(_("The file is larger than 5 MB."))
    if size == 0:
        _refuse(_("The file is empty."))
    upload.seek(0)
    data = upload.read(PROOF_MAX_BYTES + 1)
    if data.startswith(b"%PDF-"):
        pdf_check(data)
        return ContentFile(data, name="proof.pdf")
    try:
        kind = Image.open(io.BytesIO(data)).format  # the header only
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        kind = None
    if kind not in ("JPEG", "PNG"):
        _refuse(_("This file is not a proof we accept: use a JPEG or PNG photo, or a PDF."))
    try:
        clean = photo_clean(ContentFile(data), field=FIELD)
    except DomainError as exc:
        raise DomainError(exc.message, field=FIELD) from None
    return ContentFile(clean, name="proof.jpg")


def proof_content_type(name: str) -> str:
    for ext, content_type in CONTENT_TYPES.items():
        if name.lower().endswith(ext):
            return content_type
    return "application/octet-stream"
