"""Permission-matrix checks of the public lead form (merged into tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from guanxi.leads import services
from guanxi.leads.models import Lead
from tests.insights.matrix_common import ApiChecks, PageChecks


def _form_page(ctx: Any) -> None:
    """Public by design: every actor (anonymous too) gets the form of an enabled channel, 404 otherwise."""
    channel = services.channel_create(actor=ctx.org["admin"], name=f"matrix form {ctx.actor}", kind="free")
    client = ctx.browser()
    assert client.get(f"/f/{channel.form_key}/").status_code == 404  # not enabled
    channel.form_enabled = True
    channel.save()
    assert client.get(f"/f/{channel.form_key}/").status_code == 200
    response = client.post(f"/f/{channel.form_key}/", {"name": "矩阵", "phone": "13800138000"})
    assert response.status_code == 200
    assert Lead.objects.filter(channel=channel).count() == 1


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    del visible, record_keys
    return {}, {"leadform:form": _form_page}
