"""CSV exports, streamed: rows are written as the database cursor hands them over, so a
million rows leave at constant memory."""

import csv
import io
from collections.abc import Iterable

from django.http import StreamingHttpResponse

CHUNK_ROWS = 1000  # one write to the socket per thousand rows, not per row


def csv_response(filename: str, header: list, rows: Iterable) -> StreamingHttpResponse:
    def stream():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
        writer.writerow([str(h) for h in header])
        pending = 0
        for row in rows:
            writer.writerow(row)
            pending += 1
            if pending == CHUNK_ROWS:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
                pending = 0
        yield buffer.getvalue().encode()

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
