"""File downloads: CSV streamed as it is read, xlsx from a spooled file; names safe in any browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse

from guanxi.dataio import files

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_response(rows: Any, file_format: str, name: str, *, title: str) -> HttpResponseBase:
    """CSV streamed as it is read; xlsx written to a spooled file first (a zip cannot be streamed)."""
    if file_format == "xlsx":
        return FileResponse(
            files.xlsx_file(rows, title=title), as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"]
        )
    response = StreamingHttpResponse(files.csv_stream(rows), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response
