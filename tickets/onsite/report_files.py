"""Each report version's PDF is rendered once per copy (staff, customer) and stored; every
later download reads the stored file. Rendering costs tens of milliseconds of CPU and a
public link could be made to repeat it; the stored file is also exactly what was sent."""

import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from .models import ServiceReport, ServiceReportFile
from .report import report_pdf


def report_pdf_stored(report: ServiceReport, *, customer_copy: bool = False) -> bytes:
    copy = ServiceReportFile.Copy.CUSTOMER if customer_copy else ServiceReportFile.Copy.STAFF
    stored = ServiceReportFile.objects.filter(report=report, copy=copy).first()
    if stored is not None:
        with stored.pdf.open("rb") as f:
            return f.read()
    data = report_pdf(report, customer_copy=customer_copy)
    name = f"{report.ticket_id}-v{report.version}-{copy}.pdf"
    row = ServiceReportFile(report=report, copy=copy, sha256=hashlib.sha256(data).hexdigest())
    row.pdf.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # A parallel first download stored it first: serve theirs, drop our file.
        row.pdf.delete(save=False)
        return report_pdf_stored(report, customer_copy=customer_copy)
    return data
