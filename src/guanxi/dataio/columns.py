"""What an import can fill, how a header names it (Chinese or English), and how a cell becomes a value.

Column mapping is ``{field: column index}``. ``suggest_mapping`` guesses it from the header row;
the user can change it. Cells are parsed here (choices from code or zh/en label, dates in the
formats Chinese and English spreadsheets use); the customer and contact services then apply
the same validation and normalisation as a hand-typed record.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.customers.models import BuyingRole, CompanySize, CustomerKind, CustomerSource, Gender, Industry
from guanxi.dataio.models import ImportKind


@dataclass(frozen=True)
class Column:
    name: str
    label: Promise
    kind: str = "text"  # text, choice, date, owner, customer
    required: bool = False
    choices: type[models.TextChoices] | None = None
    synonyms: tuple[str, ...] = field(default=())


_CUSTOMER_COLUMNS = (
    Column(
        "name",
        gettext_lazy("Name"),
        required=True,
        synonyms=(
            "名称",
            "客户名称",
            "客户名",
            "客户",
            "公司名称",
            "公司",
            "企业名称",
            "单位名称",
            "customer",
            "customer name",
            "company",
            "company name",
        ),
    ),
    Column("short_name", gettext_lazy("Short name"), synonyms=("简称", "客户简称", "short name")),
    Column("name_en", gettext_lazy("English name"), synonyms=("英文名", "英文名称", "english name", "name (en)")),
    Column("kind", gettext_lazy("Kind"), "choice", choices=CustomerKind, synonyms=("类型", "客户类型", "kind", "type")),
    Column("industry", gettext_lazy("Industry"), "choice", choices=Industry, synonyms=("行业", "所属行业", "industry")),
    Column(
        "size", gettext_lazy("Size"), "choice", choices=CompanySize, synonyms=("规模", "人员规模", "公司规模", "size")
    ),
    Column(
        "phone",
        gettext_lazy("Phone"),
        synonyms=("电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "phone", "mobile", "tel", "telephone"),
    ),
    Column(
        "email", gettext_lazy("Email"), synonyms=("邮箱", "电子邮箱", "电子邮件", "邮件", "email", "e-mail", "mail")
    ),
    Column("website", gettext_lazy("Website"), synonyms=("网站", "网址", "官网", "website", "web", "url")),
    Column("province", gettext_lazy("Province"), synonyms=("省", "省份", "province")),
    Column("city", gettext_lazy("City"), synonyms=("市", "城市", "city")),
    Column("district", gettext_lazy("District"), synonyms=("区", "区县", "县区", "district", "county")),
    Column("address", gettext_lazy("Address"), synonyms=("地址", "详细地址", "address")),
    Column("birthday", gettext_lazy("Birthday"), "date", synonyms=("生日", "出生日期", "birthday")),
    Column(
        "founded_on", gettext_lazy("Founded on"), "date", synonyms=("成立日期", "成立时间", "founded", "founded on")
    ),
    Column("source", gettext_lazy("Source"), "choice", choices=CustomerSource, synonyms=("来源", "客户来源", "source")),
    Column("notes", gettext_lazy("Notes"), synonyms=("备注", "说明", "notes", "note", "remarks")),
    Column(
        "owner",
        gettext_lazy("Owner (username)"),
        "owner",
        synonyms=("负责人", "所有人", "客户经理", "销售", "owner", "owner username", "username"),
    ),
)

_CONTACT_COLUMNS = (
    Column(
        "customer",
        gettext_lazy("Customer (name or id)"),
        "customer",
        required=True,
        synonyms=(
            "客户",
            "客户名称",
            "公司",
            "公司名称",
            "单位",
            "客户id",
            "customer",
            "customer name",
            "company",
            "customer id",
        ),
    ),
    Column(
        "name",
        gettext_lazy("Name"),
        required=True,
        synonyms=("姓名", "联系人", "联系人姓名", "名字", "name", "contact", "contact name"),
    ),
    Column("gender", gettext_lazy("Gender"), "choice", choices=Gender, synonyms=("性别", "gender", "sex")),
    Column(
        "mobile",
        gettext_lazy("Mobile"),
        synonyms=("手机", "手机号", "手机号码", "电话", "联系电话", "mobile", "phone", "tel"),
    ),
    Column("email", gettext_lazy("Email"), synonyms=("邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "mail")),
    Column("wechat", gettext_lazy("WeChat ID"), synonyms=("微信", "微信号", "wechat", "wechat id")),
    Column("birthday", gettext_lazy("Birthday"), "date", synonyms=("生日", "出生日期", "birthday")),
    Column("title", gettext_lazy("Title"), synonyms=("职务", "职位", "头衔", "title", "job title", "position")),
    Column("department", gettext_lazy("Department"), synonyms=("部门", "department")),
    Column(
        "buying_role",
        gettext_lazy("Buying role"),
        "choice",
        choices=BuyingRole,
        synonyms=("角色", "采购角色", "决策角色", "buying role", "role"),
    ),
    Column(
        "started_on",
        gettext_lazy("Started on"),
        "date",
        synonyms=("入职日期", "任职日期", "开始日期", "started on", "start date"),
    ),
    Column("notes", gettext_lazy("Notes"), synonyms=("备注", "说明", "notes", "note", "remarks")),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.CUSTOMERS: _CUSTOMER_COLUMNS,
    ImportKind.CONTACTS: _CONTACT_COLUMNS,
}

_HEADER_NOISE = re.compile(r"[\s*＊:：_\-()（）\[\]【】]+|必填|选填|required|optional")


def header_key(text: str) -> str:
    """A header compared loosely: NFKC, lower case, without spaces, stars and "(必填)"-style notes."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())


def columns_of(kind: str) -> tuple[Column, ...]:
    return COLUMNS[kind]


def column_of(kind: str, name: str) -> Column | None:
    return next((column for column in COLUMNS[kind] if column.name == name), None)


def suggest_mapping(kind: str, headers: Sequence[str]) -> dict[str, int]:
    """Field → column index for every header that names a field (first match wins, each column once)."""
    keys = [header_key(header) for header in headers]
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for column in COLUMNS[kind]:
        names = {header_key(name) for name in (*column.synonyms, column.name)}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(header_key(str(column.label)))
        for index, key in enumerate(keys):
            if key and key in names and index not in used:
                mapping[column.name] = index
                used.add(index)
                break
    return mapping


@cache
def _choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[header_key(str(value))] = str(value)
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup.setdefault(header_key(str(label)), str(value))
    return lookup


def parse_choice(choices: type[models.TextChoices], raw: str) -> str | None:
    """The stored code for a code or a zh/en label ("机构", "Organisation", "organisation"); None if unknown."""
    return _choice_lookup(choices).get(header_key(raw))


def choice_hint(choices: type[models.TextChoices]) -> str:
    return ", ".join(str(label) for label in choices.labels[:8]) + ("…" if len(choices.labels) > 8 else "")


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")


def parse_date(raw: str) -> date | None:
    """2024-03-05, 2024/3/5, 2024.3.5 and 2024年3月5日; None if not a date."""
    match = _DATE.match(raw.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user typed: 13800138000.0 → "13800138000", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def unknown_choice_message(choices: type[models.TextChoices], raw: str) -> str:
    return _("Unknown value “%(value)s”; use one of: %(choices)s.") % {
        "value": raw[:50],
        "choices": choice_hint(choices),
    }
