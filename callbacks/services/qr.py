"""The QR code of the rating link, drawn with reportlab's QR widget (no other library):
a Drawing for the service report's PDF, and SVG for pages."""

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing


def qr_drawing(url: str, *, size: float = 90) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def qr_svg(url: str, *, size: float = 160) -> bytes:
    return renderSVG.drawToString(qr_drawing(url, size=size)).encode()


def report_rating_qr(*, ticket) -> list[Drawing]:
    """Registered in tickets.hooks.report_drawings: the rating QR on the service report."""
    from .links import rating_url

    return [qr_drawing(rating_url(ticket, via="qr"))]
