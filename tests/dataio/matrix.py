"""Permission-matrix checks of imports and exports (used by tests/test_permission_matrix.py).

Jobs belong to their creator (here: the director) and are visible to settings managers; others
get 404. Importing needs the import permission, exporting the export permission; an export
holds exactly the records in the caller's scope. Refused requests change nothing.
"""

from __future__ import annotations

import csv
import functools
import io
import tempfile
from collections.abc import Callable
from typing import Any

from django.test import override_settings
from django.urls import reverse

from guanxi.dataio import services
from guanxi.dataio.models import ImportJob, ImportProblem, ImportStatus

IMPORTERS = {"director", "admin"}
EXPORTERS = {"manager1", "manager2", "director", "admin"}
JOB_VIEWERS = {"director", "admin"}  # the creator and the settings manager
CSV = "客户名称,手机\r\n矩阵导入公司,13800000001\r\n,bad\r\n".encode()

Check = Callable[[Any], None]


def in_import_dir(check: Check) -> Check:
    """Run a check with uploads stored in a throwaway directory."""

    @functools.wraps(check)
    def wrapped(ctx: Any) -> None:
        with tempfile.TemporaryDirectory() as folder, override_settings(GUANXI_IMPORT_DIR=folder):
            check(ctx)

    return wrapped


def director_job(ctx: Any, *, checked: bool = False) -> ImportJob:
    """An uploaded job of the director's; ``checked`` gives it a finished dry run with one error row."""
    job = services.import_create(
        actor=ctx.org["director"], upload=io.BytesIO(CSV), file_name="matrix.csv", kind="customers"
    )
    if checked:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKED, phase="check", check_errors=1)
        ImportProblem.objects.create(
            job=job, phase="check", row_number=3, kind="error", field="phone", message="bad", message_zh="错"
        )
        job.refresh_from_db()
    return job


def _state(job: ImportJob) -> tuple[str, str, dict[str, int], int]:
    row = ImportJob.objects.get(pk=job.pk)
    return row.status, row.duplicate_policy, row.mapping, ImportJob.objects.count()


def _expected(ctx: Any, ok: int, allowed: set[str]) -> int:
    if ctx.user is None:
        return 401
    return ok if ctx.actor in allowed else 404


def api_import_upload(ctx: Any) -> None:
    client = ctx.api()
    before = ImportJob.objects.count()
    upload = io.BytesIO(CSV)
    upload.name = "matrix.csv"
    response = client.client.post("/api/v1/imports", {"file": upload, "kind": "customers"}, **client.headers)
    expected = 401 if ctx.user is None else 201 if ctx.actor in IMPORTERS else 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert ImportJob.objects.count() == before


def api_import_list(ctx: Any) -> None:
    job = director_job(ctx)
    response = ctx.api().get("/api/v1/imports")
    if ctx.user is None:
        assert response.status_code == 401
        return
    ids = {item["id"] for item in response.json()["items"]}
    assert (str(job.pk) in ids) == (ctx.actor in JOB_VIEWERS)


def api_job_read(template: str, *, checked: bool = False) -> Check:
    def check(ctx: Any) -> None:
        job = director_job(ctx, checked=checked)
        response = ctx.api().get(template.format(id=job.pk))
        assert response.status_code == _expected(ctx, 200, JOB_VIEWERS), response.content

    return in_import_dir(check)


def api_job_write(template: str, body: dict[str, Any], ok: int, *, allowed: set[str] = JOB_VIEWERS) -> Check:
    def check(ctx: Any) -> None:
        job = director_job(ctx)
        before = _state(job)
        response = ctx.api().post(template.format(id=job.pk), body)
        assert response.status_code == _expected(ctx, ok, allowed), response.content
        if response.status_code != ok:
            assert _state(job) == before

    return in_import_dir(check)


def _names(content: bytes) -> set[str]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return {row[1] for row in rows[1:]}


def api_export(kind: str, visible: dict[str, set[str]], keys: list[str]) -> Check:
    def check(ctx: Any) -> None:
        response = ctx.api().get(f"/api/v1/exports/{kind}")
        expected = 401 if ctx.user is None else 200 if ctx.actor in EXPORTERS else 403
        assert response.status_code == expected, response.content
        if expected == 200 and kind == "customers":
            names = _names(b"".join(response.streaming_content))
            for key in keys:
                assert (getattr(ctx.records, key).name in names) == (key in visible[ctx.actor]), key

    return check


# --- pages ------------------------------------------------------------------------------------


def _login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def page_import_list(ctx: Any) -> None:
    client = ctx.browser()
    response = client.get(reverse("dataio:import-list"))
    if ctx.user is None:
        assert _login_redirect(response)
        return
    assert response.status_code == 200
    before = ImportJob.objects.count()
    upload = io.BytesIO(CSV)
    upload.name = "page.csv"
    response = client.post(reverse("dataio:import-list"), {"kind": "customers", "file": upload})
    assert response.status_code == (302 if ctx.actor in IMPORTERS else 403)
    if ctx.actor not in IMPORTERS:
        assert ImportJob.objects.count() == before


def page_job(name: str, *, method: str = "GET", data: dict[str, Any] | None = None, checked: bool = False) -> Check:
    def check(ctx: Any) -> None:
        job = director_job(ctx, checked=checked)
        before = _state(job)
        url = reverse(name, args=[job.pk])
        client = ctx.browser()
        response = client.post(url, data or {}) if method == "POST" else client.get(url)
        if ctx.user is None:
            assert _login_redirect(response)
        elif ctx.actor in JOB_VIEWERS:
            assert response.status_code in {200, 302}, response.status_code
            return
        else:
            assert response.status_code == 404
        assert _state(job) == before

    return in_import_dir(check)


def page_export(visible: dict[str, set[str]], keys: list[str]) -> Check:
    def check(ctx: Any) -> None:
        response = ctx.browser().get(reverse("dataio:export", args=["customers"]))
        if ctx.user is None:
            assert _login_redirect(response)
        elif ctx.actor in EXPORTERS:
            assert response.status_code == 200
            names = _names(b"".join(response.streaming_content))
            for key in keys:
                assert (getattr(ctx.records, key).name in names) == (key in visible[ctx.actor]), key
        else:
            assert response.status_code == 403

    return check


def page_data_menu(ctx: Any) -> None:
    response = ctx.browser().get(reverse("dataio:data-menu", args=["customers"]))
    if ctx.user is None:
        assert _login_redirect(response)
        return
    assert response.status_code == 200
    body = response.content.decode()
    assert ("format=csv" in body) == (ctx.actor in EXPORTERS)
    assert ("kind=contacts" in body) == (ctx.actor in IMPORTERS)
