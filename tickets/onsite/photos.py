"""Checks on every uploaded image: the type is read from the content (never the name or the
Content-Type the phone sends), the size and pixel count are bounded before decoding, and the
stored copy is re-encoded so no EXIF (camera, GPS location) survives."""

import base64
import binascii
import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tickets.errors import DomainError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_STORED_SIDE = 2560  # a phone photo is resized to this: enough to read a serial plate
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIGNATURE_BYTES = 512 * 1024

# Pillow refuses (DecompressionBombError) at 2x this; we refuse anything over it ourselves.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _open_checked(raw: io.BytesIO, *, field: str, allowed: set[str]) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(raw)  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(
            _("The image is too large: at most %(mp)d megapixels.") % {"mp": MAX_PIXELS // 10**6},
            field=field,
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise DomainError(
            _("This file is not a photo we accept: use a JPEG, PNG or WebP image."), field=field
        ) from None
    if image.format not in allowed:
        raise DomainError(
            _("This file is not a photo we accept: use a JPEG, PNG or WebP image."), field=field
        )
    width, height = image.size
    if width * height > MAX_PIXELS or width <= 0 or height <= 0:
        raise DomainError(
            _("The image is too large: at most %(mp)d megapixels.") % {"mp": MAX_PIXELS // 10**6},
            field=field,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, EOFError):
        raise DomainError(
            _("The image is damaged or incomplete. Take the photo again."), field=field
        ) from None
    return image


def photo_clean(upload, *, field: str = "image") -> bytes:
    """A validated, re-encoded JPEG (no metadata) from an uploaded file, or a DomainError
    with a message the engineer can act on."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_UPLOAD_BYTES:
        raise DomainError(
            _("The file is too big: at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20},
            field=field,
        )
    if size == 0:
        raise DomainError(_("The file is empty."), field=field)
    upload.seek(0)
    raw = io.BytesIO(upload.read(MAX_UPLOAD_BYTES + 1))
    if raw.getbuffer().nbytes > MAX_UPLOAD_BYTES:
        raise DomainError(
            _("The file is too big: at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20},
            field=field,
        )
    image = _open_checked(raw, field=field, allowed=ALLOWED_FORMATS)
    try:
        image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    except Exception:  # noqa: BLE001 - a broken orientation tag must not fail the upload
        pass
    image = image.convert("RGB")
    image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
    # A fresh image carries pixels only: no EXIF, GPS, XMP or ICC data can come along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def signature_clean(data_url: str, *, field: str = "signature") -> bytes:
    """A PNG from the signature pad's data URL, validated and re-encoded."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise DomainError(_("Ask the customer to sign in the box."), field=field)
    encoded = data_url[len(prefix) :]
    if len(encoded) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        raise DomainError(_("The signature is too large."), field=field)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(_("The signature could not be read. Sign again."), field=field) from None
    image = _open_checked(io.BytesIO(raw), field=field, allowed={"PNG"})
    if image.width > 3000 or image.height > 2000:
        raise DomainError(_("The signature is too large."), field=field)
    rgba = image.convert("RGBA")
    # Ink = pixels that are not transparent and not white. An empty pad is not a signature.
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(background, rgba).convert("L")
    ink = flat.point(lambda v: 255 if v < 200 else 0)
    bbox = ink.getbbox()
    if bbox is None or ink.histogram()[255] < 30:
        raise DomainError(_("Ask the customer to sign in the box."), field=field)
    clean = Image.new("RGB", rgba.size, (255, 255, 255))
    clean.paste(flat.convert("RGB"))
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()
