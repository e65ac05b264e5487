"""Import of leads from a CSV or xlsx file (mounted at /api/v1)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile

from guanxi.accounts.api_auth import request_user
from guanxi.leads import imports
from guanxi.leads.duplicates import channel_get
from guanxi.leads.schemas.duplicates import ImportOut

router = Router(tags=["leads"])


@router.post("/leads/import", response=ImportOut)
def leads_import(request: HttpRequest, file: File[UploadedFile], channel_id: Form[UUID]) -> imports.ImportReport:
    """Leads from a CSV (UTF-8 or GBK) or xlsx file, cleaned, checked for duplicates, graded and assigned.

    Columns by header in Chinese or English (姓名/name, 公司/company, 电话/手机/phone, 邮箱/email, 城市/city …).
    Rejected rows are kept as rejected leads; the answer counts created, rejected and flagged rows.
    """
    actor = request_user(request)
    channel = channel_get(pk=channel_id)
    return imports.leads_import(actor=actor, channel=channel, upload=file, file_name=file.name or "")
