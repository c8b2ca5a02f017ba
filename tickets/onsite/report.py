"""The service report as a PDF (reportlab). Rendered from the report's stored content, so
every download of a version is the same document. Chinese text is drawn in Droid Sans Fallback,
embedded (reportlab subsets a TrueType font to the glyphs used, so the file stays small): a
non-embedded CID font shows as boxes on phones without an Asian font pack. The font comes from
Debian's fonts-droid-fallback (scripts/ensure-pdf-font.sh)."""

import datetime as dt
import io
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tickets import hooks
from tickets.models import TicketPhoto
from tickets.warranty import FreeReason, free_reason_text

from .charge_display import (
    charge_line_label,
    charge_line_quantity,
    line_total,
    payment_status_text,
    quantity_value,
)
from .models import ServiceReport
from .report_display import (
    checklist_item_label,
    checklist_result_label,
    one_stop_appliance,
    one_stop_result_label,
    part_name,
    unit_text,
)

CJK = "DroidSansFallback"
CJK_FILE = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
_registered = False


def _fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont(CJK, CJK_FILE))
        _registered = True


def _font_for(text: str, bold: bool = False) -> str:
    if text.isascii():
        return LATIN_BOLD if bold else LATIN
    return CJK


def _runs(text: str) -> list[str]:
    """Latin and CJK runs: each is drawn in its own font (Latin stays crisp and searchable)."""
    return re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]+", text)


def _width(text: str, size: float, bold: bool) -> float:
    return sum(pdfmetrics.stringWidth(r, _font_for(r, bold), size) for r in _runs(text))


def local_time(value: str | None) -> str:
    if not value:
        return "—"
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


class _Writer:
    def __init__(self, pdf: canvas.Canvas):
        self.pdf = pdf
        self.width, self.height = A4
        self.left = 18 * mm
        self.y = self.height - 18 * mm

    def need(self, space: float) -> None:
        if self.y - space < 18 * mm:
            self.pdf.showPage()
            self.y = self.height - 18 * mm

    def text(self, text: str, size: float = 10, bold: bool = False, indent: float = 0) -> None:
        text = str(text)
        # Wrap long lines by characters: works for Chinese and for Latin text alike.
        max_width = self.width - 2 * self.left - indent
        line = ""
        for ch in text:
            candidate = line + ch
            if _width(candidate, size, bold) > max_width:
                self._line(line, size, bold, indent)
                line = ch
            else:
                line = candidate
        self._line(line, size, bold, indent)

    def _line(self, text: str, size: float, bold: bool, indent: float) -> None:
        self.need(size * 1.5)
        x = self.left + indent
        for run in _runs(text):
            font = _font_for(run, bold)
            self.pdf.setFont(font, size)
            self.pdf.drawString(x, self.y, run)
            x += pdfmetrics.stringWidth(run, font, size)
        self.y -= size * 1.45

    def pair(self, label: str, value) -> None:
        self.text(f"{label}: {value if value not in (None, '') else '—'}")

    def heading(self, text: str) -> None:
        self.y -= 4
        self.text(text, size=12.5, bold=True)

    def drawing(self, drawing) -> None:
        """A reportlab Drawing another app supplies (the rating QR code)."""
        self.need(drawing.height + 6)
        renderPDF.draw(drawing, self.pdf, self.left, self.y - drawing.height)
        self.y -= drawing.height + 6

    def image(self, source, max_w: float, max_h: float) -> None:
        reader = ImageReader(source)
        w, h = reader.getSize()
        scale = min(max_w / w, max_h / h, 1.0)
        w, h = w * scale, h * scale
        self.need(h + 6)
        self.pdf.drawImage(reader, self.left, self.y - h, width=w, height=h)
        self.y -= h + 6


def _installation_sections(w: _Writer, c: dict) -> None:
    """Installed units, the service type's checklist, the one-stop check: as on the page."""
    if c.get("installed_units"):
        w.heading(_("Installed units"))
        for unit in c["installed_units"]:
            installed = _("installed %(on)s") % {"on": unit.get("installed_on") or "-"}
            w.text(f"{unit_text(unit, sep=', ')}, {installed}")
    if c.get("checklist"):
        w.heading(_("On-site checklist"))
        for item in c["checklist"]:
            mark = "[x] " if item.get("result") == "ok" else "[!] "
            note = f" - {item['note']}" if item.get("note") else ""
            w.text(f"{mark}{checklist_item_label(item)}: {checklist_result_label(item)}{note}")
    if c.get("one_stop_checks"):
        w.heading(_("One-stop check of the household's other appliances"))
        for check in c["one_stop_checks"]:
            serial = f", {check['serial']}" if check.get("serial") else ""
            w.text(f"{one_stop_appliance(check)}{serial}: {one_stop_result_label(check)}")
            if check.get("note"):
                w.text(check["note"], indent=12)
            if check.get("repair_ticket"):
                w.text(_("Repair ticket %(n)s") % {"n": check["repair_ticket"]}, indent=12)


def report_pdf(report: ServiceReport, *, customer_copy: bool = False) -> bytes:
    """The PDF of one report version. The customer's copy (served by the private link, which
    may be forwarded) leaves out the name, address, phone and the signer's name."""
    _fonts()
    c = report.content
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"{c['ticket']['number']} v{report.version}")
    engineer = c["engineer"]["name"]
    if customer_copy:
        engineer = engineer.split()[0] if " " in engineer else _("Service engineer")
    pdf.setAuthor(engineer)
    w = _Writer(pdf)

    w.text(settings.OPERATOR_BRAND, size=16, bold=True)
    w.pair(_("Service hotline"), settings.OPERATOR_HOTLINE)
    w.text(_("Service report"), size=14, bold=True)
    w.pair(_("Ticket"), c["ticket"]["number"])
    w.pair(_("Version"), report.version)
    if c.get("corrects"):
        w.pair(_("Corrects version"), f"{c['corrects']['version']} ({c['corrects']['reason']})")
    w.pair(_("Issued"), local_time(report.issued_at.isoformat()))

    w.heading(_("Customer and appliance"))
    if not customer_copy:
        w.pair(_("Customer"), c["customer"]["name"])
        w.pair(_("Address"), c["customer"]["address"])
    a = c["appliance"]
    w.pair(_("Appliance"), f"{a['category_label']} {a['brand']} {a['model']}")
    w.pair(_("Serial number"), a["serial"])
    w.pair(_("Warranty"), _("In warranty") if a["in_warranty"] else _("Out of warranty"))

    w.heading(_("Times"))
    t = c["times"]
    w.pair(_("Reported"), local_time(t.get("reported")))
    w.pair(_("Customer contacted"), local_time(t.get("contacted")))
    w.pair(_("Arrived"), local_time(t.get("arrived")))
    w.pair(_("Completed"), local_time(t.get("completed")))
    w.pair(_("Engineer"), engineer)

    d = c.get("diagnosis") or {}
    if d or not (c.get("installed_units") or c.get("checklist")):
        w.heading(_("Diagnosis"))
        w.pair(_("Fault"), d.get("fault_label", ""))
        w.pair(_("Cause"), d.get("cause_label", ""))
        w.pair(_("Difficulty"), d.get("fault_class_label", ""))
        if d.get("notes"):
            w.pair(_("Notes"), d["notes"])

    _installation_sections(w, c)

    w.heading(_("Parts used"))
    if not c["parts"]:
        w.text(_("No parts used."))
    for p in c["parts"]:
        kind = _("original") if p["original"] else _("certified alternative")
        w.text(f"{p['sku']} x{p['quantity']}  {part_name(p)}")
        w.text(
            _("Serial/batch %(serial)s · %(kind)s · warranty %(months)s months")
            % {"serial": p["serial"], "kind": kind, "months": p["warranty_months"]},
            indent=12,
        )
        if p.get("old_serial"):
            w.text(_("Old part's serial: %(s)s") % {"s": p["old_serial"]}, indent=12)

    w.heading(_("Charges (CNY)"))
    ch = c["charges"]
    for line in ch["lines"]:
        # "x", not "×": a sign outside ASCII is drawn in the CJK font and breaks the line
        # into runs that text extraction reorders.
        quantity = charge_line_quantity(line).replace("×", "x")
        name = f"{charge_line_label(line)} {quantity}".strip()
        if line["free"]:
            why = free_reason_text(
                line.get("free_reason") or FreeReason.IN_WARRANTY, line.get("free_detail")
            )
            w.text(
                f"{name}: 0.00 "
                + _("(free: %(why)s; list price %(p)s)") % {"why": why, "p": line["list_price"]}
            )
        else:
            total = line.get("line_total") or f"{line_total(line):.2f}"
            per_unit = quantity_value(line.get("quantity", 1)) != 1
            w.text(f"{name}: {total}" + (f" (@ {line['amount']})" if per_unit else ""))
    w.text(_("Total: %(t)s") % {"t": ch["total"]}, bold=True)
    w.pair(
        _("Payment"),
        payment_status_text(
            ch, in_warranty=bool(c["appliance"].get("in_warranty")), customer_copy=customer_copy
        ),
    )
    if ch.get("consent_name"):
        agreed_by = "" if customer_copy else ch["consent_name"]
        w.pair(_("Charges agreed by"), f"{agreed_by} {local_time(ch['consent_at'])}".strip())
    if ch.get("receipt_number"):
        w.pair(_("Receipt number"), ch["receipt_number"])

    if c.get("loaner"):
        ln = c["loaner"]
        w.heading(_("Carry-in repair"))
        w.pair(_("Loaner unit"), ln["description"])
        w.pair(_("Loaner receipt"), ln["receipt_number"])
        w.pair(_("Due back"), ln["due_back"])

    w.heading(_("Test run"))
    for item in c["test_run"]:
        w.text(("[x] " if item["passed"] else "[ ] ") + item["label"])

    photo_ids = [p["id"] for p in c.get("photos", [])]
    if photo_ids:
        w.heading(_("Photos"))
        for photo in TicketPhoto.objects.filter(pk__in=photo_ids).order_by("created_at", "id"):
            try:
                with photo.image.open("rb") as fh:
                    w.image(io.BytesIO(fh.read()), max_w=80 * mm, max_h=60 * mm)
            except (OSError, ValueError):
                w.text(_("(photo unavailable)"))

    w.heading(_("Customer's signature"))
    sig = c["signature"]
    signer = "" if customer_copy else sig["signer_name"]
    w.pair(_("Signed by"), f"{signer} {local_time(sig['signed_at'])}".strip())
    if report.signature:
        with report.signature.open("rb") as fh:
            w.image(io.BytesIO(fh.read()), max_w=70 * mm, max_h=30 * mm)
    drawings = hooks.report_drawings(ticket=report.ticket)
    if drawings:
        w.heading(_("Rate this service"))
        for drawing in drawings:
            w.drawing(drawing)
    w.text(f"SHA-256 {report.content_sha256}", size=7)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
