"""Lead demo: five channels with their costs, half a year of leads with realistic quality per channel.

Every lead goes through the real services (cleaning, grading, the pool, claims, follow-ups,
conversion), so the pools of both demo sales teams hold leads, the funnel has every step and the
channel report has costs, conversions and the converted customers' first orders. Deterministic
(a fixed seed) and idempotent (nothing happens once a channel exists).

Leads come in four kinds, from the time-waster to the buyer (what research finds: about 38 % of
prospects waste effort, s4); each channel brings its own mix. The default grading rules grade them
D, C, B and A from what the lead tells about itself, and how far a rep gets with a lead depends on
its grade, so the dashboard's grade check shows a flag that works: a third or more of the leads in D,
converting almost never, and conversion falling from A to D.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from guanxi.accounts.models import Team, User
from guanxi.contracts.services import LineIn, order_create
from guanxi.core.errors import Conflict
from guanxi.leads import services
from guanxi.leads.models import Channel, ChannelCost, Lead, LeadStatus
from guanxi.sales.models import Product

SEED = 20261124
MONTHS = 6


@dataclass(frozen=True)
class ChannelPlan:
    name: str
    kind: str
    team: str  # demo team key: east / south
    monthly_cost: int
    leads_per_month: int
    junk_share: float  # leads that fail the cleaning rules
    mix: tuple[float, float, float, float]  # shares of poor, fair, good and great leads (see TIERS)


PLANS = (
    ChannelPlan("官网表单 Website form", "self_built", "east", 3_000, 12, 0.15, (0.30, 0.30, 0.28, 0.12)),
    ChannelPlan("展会 Trade show", "paid", "south", 40_000, 9, 0.05, (0.22, 0.25, 0.30, 0.23)),
    ChannelPlan("百度推广 Search ads", "paid", "east", 15_000, 10, 0.25, (0.38, 0.30, 0.24, 0.08)),
    ChannelPlan("客户转介绍 Referrals", "free", "east", 0, 4, 0.0, (0.05, 0.15, 0.40, 0.40)),
    ChannelPlan("行业名录 Purchased list", "paid", "south", 8_000, 8, 0.35, (0.50, 0.32, 0.18, 0.0)),
)
# What a lead tells about itself; the default grading rules grade the four kinds D, C, B and A.
TIERS = ("poor", "fair", "good", "great")
# Once a rep has called a lead of a grade: (given up at once, qualified, converted when qualified).
SETTLE_DAYS = 45  # an older lead has mostly been worked and decided (the rep's claim freed for new leads)
PROGRESS = {"A": (0.05, 0.85, 0.65), "B": (0.08, 0.75, 0.45), "C": (0.30, 0.35, 0.06), "D": (0.50, 0.10, 0.05)}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚")
PLACES = ("杭州", "宁波", "上海", "苏州", "南京", "深圳", "广州", "东莞", "佛山", "厦门")
TRADES = (("科技", "信息技术"), ("贸易", "批发零售"), ("制造", "制造业"), ("物流", "交通物流"), ("医疗", "医疗健康"))
BRANDS = ("云栖", "海曙", "前海", "华信", "星河", "启明", "恒通", "瑞丰", "中联", "博远", "天成", "嘉禾")


def demo_leads_load() -> bool:
    """Create the lead demo once; True when anything was created."""
    if Channel.objects.exists():
        return False
    teams = {
        "east": Team.objects.filter(name="华东销售部").first(),
        "south": Team.objects.filter(name="华南销售部").first(),
    }
    if None in teams.values():
        return False
    admin = User.objects.get(username="admin")
    rng = random.Random(SEED)  # noqa: S311 -- demo data, reproducible on purpose
    today = timezone.localdate()
    with transaction.atomic():
        settings_row = services.lead_settings()
        settings_row.assignment = {"rules": [{"kind": "pool"}]}  # the demo shows the pool: reps claim
        settings_row.save()
        for plan in PLANS:
            _channel(admin, plan, teams[plan.team], rng, today)
    return True


def _channel(admin: User, plan: ChannelPlan, team: Team | None, rng: random.Random, today: date) -> None:
    channel = services.channel_create(actor=admin, name=plan.name, kind=plan.kind, team=team)
    channel.form_enabled = plan.kind == "self_built"
    channel.save(update_fields=["form_enabled"])
    reps = list(User.objects.filter(team=team, role__code="rep", is_active=True).order_by("username"))
    for month in range(MONTHS):
        first = today.replace(day=1) - timedelta(days=30 * (MONTHS - 1 - month))
        if plan.monthly_cost:
            ChannelCost.objects.create(
                channel=channel, spent_on=first, amount=Decimal(plan.monthly_cost), note="月度投放",
                created_by=admin, updated_by=admin,
            )  # fmt: skip
        for _ in range(plan.leads_per_month):
            day = first + timedelta(days=rng.randrange(28))
            _lead(admin, channel, plan, reps, rng, min(day, today))


def _person(rng: random.Random, plan: ChannelPlan) -> dict[str, str]:
    place, brand = rng.choice(PLACES), rng.choice(BRANDS)
    trade, industry = rng.choice(TRADES)
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
    tier = rng.choices(TIERS, weights=plan.mix)[0]
    raw = {
        "name": name,
        "company": f"{place}{brand}{trade}有限公司",
        "title": rng.choice(("总经理", "采购经理", "IT主管", "技术总监")),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        "email": f"{rng.choice(('sales', 'info', 'li', 'wang', 'zhang'))}{rng.randrange(1000)}@{brand}.cn"
        if rng.random() < 0.6 else "",
        "city": place,
        "industry": industry,
        "company_size": rng.choice(("50-200人", "200-500人")),
        "message": rng.choice(("想了解报价", "需要演示", "", "请联系我")),
    }  # fmt: skip
    if tier == "poor":  # a private person or a tiny shop, just looking
        raw |= {"title": rng.choice(("", "个人", "学生", "行政")), "industry": rng.choice(("个人", "批发零售", "")),
                "company_size": rng.choice(("少于10人", "5人")), "message": ""}  # fmt: skip
        if rng.random() < 0.5:
            raw |= {"company": "", "company_size": ""}
    elif tier == "fair":  # a small company, nobody in charge of buying
        raw |= {"title": rng.choice(("", "行政", "销售")), "industry": rng.choice(("批发零售", "信息技术", "交通物流")),
                "company_size": rng.choice(("10-50人", ""))}  # fmt: skip
    elif tier == "great":  # a large manufacturer, the boss asks for a demo
        raw |= {"title": rng.choice(("总经理", "采购总监")), "industry": rng.choice(("制造业", "电子", "汽车")),
                "company_size": "1000人以上", "message": "需要演示"}  # fmt: skip
    if rng.random() < plan.junk_share:  # what real channels bring: bad numbers, throw-away mail, spam
        raw |= rng.choice(({"phone": "12345", "email": ""}, {"phone": "", "email": "x@mailinator.com"},
                           {"phone": "", "email": "", "message": "http://spam.example"}))  # fmt: skip
    return raw


def _lead(admin: User, channel: Channel, plan: ChannelPlan, reps: list[User], rng: random.Random, day: date) -> None:
    lead = services.lead_create(actor=admin, channel=channel, raw=_person(rng, plan), source="demo")
    when = timezone.make_aware(datetime.combine(day, time(rng.randrange(9, 18))))
    Lead.objects.filter(pk=lead.pk).update(created_at=when)
    lead.events.update(created_at=when)
    old = (timezone.localdate() - day).days > SETTLE_DAYS  # mostly decided by now: converted or given up
    if lead.status == LeadStatus.REJECTED or not reps or rng.random() < (0.15 if old else 0.3):
        return  # rejected, or still waiting in the pool
    rep = rng.choice(reps)
    try:
        lead = services.lead_claim(actor=rep, lead_id=lead.pk)
    except Conflict:
        return
    if rng.random() < (0.05 if old else 0.25):
        return  # claimed, not yet followed up
    lead = services.lead_follow_up(actor=rep, lead=lead, channel="phone", summary="电话沟通需求", outcome="")
    given_up, qualified, won = PROGRESS.get(lead.grade, PROGRESS["D"])
    settled = old and rng.random() < 0.8
    if rng.random() < given_up:
        services.lead_set_status(actor=rep, lead=lead, status=LeadStatus.REJECTED, reason="无预算")
        return
    if rng.random() >= qualified:
        if settled:
            services.lead_set_status(actor=rep, lead=lead, status=LeadStatus.REJECTED, reason="没有需求")
        return
    lead = services.lead_set_status(actor=rep, lead=lead, status=LeadStatus.QUALIFIED)
    if rng.random() >= won:
        if settled:
            services.lead_set_status(actor=rep, lead=lead, status=LeadStatus.REJECTED, reason="选了别家")
        return
    customer = services.lead_convert(actor=rep, lead=lead)
    product = Product.objects.filter(is_active=True).order_by("code").first()
    if product is not None:
        order_create(
            actor=rep, customer=customer, ordered_on=min(day + timedelta(days=rng.randrange(5, 40)),
                                                         timezone.localdate()),
            lines=[LineIn(product_id=product.pk, quantity=Decimal(rng.randrange(1, 20)))],
        )  # fmt: skip
