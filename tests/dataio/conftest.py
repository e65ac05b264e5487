"""Import tests: files live in a temporary import dir; helpers build real CSV (UTF-8, GBK) and xlsx files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Model
from openpyxl import Workbook

from guanxi.accounts.models import User
from guanxi.dataio import services
from guanxi.dataio.models import ImportJob


@pytest.fixture(autouse=True)
def _import_dir(settings: Any, tmp_path: Path) -> Path:
    settings.GUANXI_IMPORT_DIR = tmp_path / "imports"
    settings.GUANXI_IMPORT_CHUNK = 3
    return settings.GUANXI_IMPORT_DIR


def csv_bytes(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(actor: User, data: bytes, name: str = "customers.csv", **options: Any) -> ImportJob:
    return services.import_create(actor=actor, upload=io.BytesIO(data), file_name=name, kind="customers", **options)


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Call a service that queues the worker; the (immediate) task runs when the transaction commits."""

    def call(service: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            result = service(**kwargs)
        if isinstance(result, Model):
            result.refresh_from_db()
        return result

    return call


@pytest.fixture(autouse=True)
def _english_messages() -> Any:
    """The tests read error texts in English; the Chinese ones are checked by tests/test_i18n.py."""
    from django.utils import translation

    with translation.override("en"):
        yield
