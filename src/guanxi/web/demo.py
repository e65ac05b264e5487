"""Demo organisation: teams, roles, the six demo logins and customers owned by each rep. Idempotent."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from guanxi.accounts import access
from guanxi.accounts.models import Role, Team, User, role_defaults
from guanxi.accounts.services import team_create
from guanxi.contracts.models import OrderStatus
from guanxi.contracts.services import LineIn, order_create, order_set_status
from guanxi.customers.models import BuyingRole, Channel, Customer, Direction, Outcome
from guanxi.customers.services import contact_create, customer_create, interaction_log, position_change, position_end
from guanxi.sales.models import Product
from guanxi.sales.services import product_create

DEMO_PASSWORD = "guanxi-demo"  # noqa: S105 - the documented demo password

DEMO_USERS: list[tuple[str, str, str, str, str | None]] = [
    # username, display name, email, role code, team key
    ("admin", "管理员", "admin@demo.guanxi", "admin", "hq"),
    ("director", "王总监", "director@demo.guanxi", "director", "hq"),
    ("manager1", "李经理", "manager1@demo.guanxi", "manager", "east"),
    ("manager2", "陈经理", "manager2@demo.guanxi", "manager", "south"),
    ("rep1", "张伟", "rep1@demo.guanxi", "rep", "east"),
    ("rep2", "刘洋", "rep2@demo.guanxi", "rep", "south"),
    ("rep3", "赵敏", "rep3@demo.guanxi", "rep", "shanghai"),
]

DEMO_CUSTOMERS: dict[str, list[tuple[str, str]]] = {
    "rep1": [
        ("杭州云栖科技有限公司", "0571-8702 3456"),
        ("宁波港盛物流有限公司", "13805741234"),
        ("苏州恒达精密机械有限公司", "+86 512 6532 1888"),
        ("南京金陵医药连锁有限公司", "025-8468 7766"),
        ("张三", "138 0013 8000"),
    ],
    "rep2": [
        ("深圳前海数智有限公司", "0755-8666 1234"),
        ("广州白云食品有限公司", "13922887766"),
        ("东莞华南电子厂", "0769-2233 4455"),
        ("厦门鹭岛茶业有限公司", "0592-5566 7788"),
        ("Guangzhou Pearl River Trading Co., Ltd.", "+86 20 3888 9999"),
    ],
    "rep3": [
        ("上海浦江咨询有限公司", "021-6888 1234"),
        ("上海陆家嘴金融信息服务有限公司", "13601888888"),
    ],
}


def _team(admin: User, name: str, parent: Team | None) -> Team:
    return Team.objects.filter(name=name, parent=parent).first() or team_create(actor=admin, name=name, parent=parent)


def _roles() -> dict[str, Role]:
    roles = {}
    for code, values in role_defaults().items():
        roles[code], _created = Role.objects.get_or_create(code=code, defaults=values)
    return roles


@transaction.atomic
def demo_load() -> bool:
    """Create what is missing; return True when anything was created."""
    if User.objects.filter(username="rep3").exists() and Customer.objects.exists():
        return False
    roles = _roles()
    system = access.system_actor()
    hq = _team(system, "总部", None)
    teams = {"hq": hq, "east": _team(system, "华东销售部", hq), "south": _team(system, "华南销售部", hq)}
    teams["shanghai"] = _team(system, "上海组", teams["east"])
    users: dict[str, User] = {}
    for username, display, email, role, team in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display, email=email, role=roles[role])
            user.team = teams[team] if team else None
            user.is_staff = user.is_superuser = username == "admin"
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = user
    products = _demo_products(users["admin"])
    for username, customers in DEMO_CUSTOMERS.items():
        rep = users[username]
        if not Customer.objects.filter(owner=rep).exists():
            for name, phone in customers:
                customer = customer_create(actor=rep, name=name, phone=phone)
                _demo_customer(rep, customer)
                _demo_orders(rep, customer, products)
    return True


DEMO_PRODUCTS = [
    # code, name, category, unit, list price, unit cost
    ("GX-GW-100", "云栖智能网关", "硬件", "台", "1999.00", "1180.00"),
    ("GX-SN-200", "温湿度传感器", "硬件", "个", "129.00", "58.00"),
    ("GX-SW-ERP", "进销存软件（年）", "软件", "套", "6800.00", "900.00"),
    ("GX-SW-CRM", "客户管理软件（年）", "软件", "套", "9800.00", "1300.00"),
    ("GX-SV-INS", "上门安装服务", "服务", "次", "800.00", "520.00"),
    ("GX-SV-MNT", "年度维保", "服务", "年", "3600.00", "2100.00"),
    ("GX-CB-010", "工业网线（10米）", "配件", "根", "39.00", "14.00"),
    ("GX-TR-001", "操作培训", "服务", "天", "2500.00", "1500.00"),
]


def _demo_products(admin: User) -> list[Product]:
    found = {p.code: p for p in Product.objects.filter(code__in=[row[0] for row in DEMO_PRODUCTS])}
    for code, name, category, unit, price, cost in DEMO_PRODUCTS:
        if code not in found:
            found[code] = product_create(
                actor=admin,
                code=code,
                name=name,
                category=category,
                unit=unit,
                list_price=Decimal(price),
                unit_cost=Decimal(cost),
            )
    return [found[row[0]] for row in DEMO_PRODUCTS]


def _demo_orders(rep: User, customer: Customer, products: list[Product]) -> None:
    """Three years of orders: a few customers buy big and often, most little; some get deep discounts."""
    rng = random.Random("orders:" + customer.name)  # noqa: S311 - deterministic demo data, not security
    appetite = rng.choice([1, 1, 1, 2, 2, 4, 8])  # heavy-tailed: a few very large accounts
    haggler = rng.random() < 0.25  # big but costly: buys a lot, at a deep discount
    today = timezone.localdate()
    for _ in range(rng.randrange(2, 4 + 3 * appetite)):
        ordered_on = today - timedelta(days=rng.randrange(1, 3 * 365))
        lines = [
            LineIn(
                product_id=product.pk,
                quantity=Decimal(rng.randrange(1, 3 * appetite + 2)),
                discount_rate=Decimal("0.25") if haggler else Decimal(rng.choice(["0", "0", "0.05", "0.1"])),
            )
            for product in rng.sample(products, rng.randrange(1, 4))
        ]
        order = order_create(actor=rep, customer=customer, ordered_on=ordered_on, lines=lines)
        if rng.random() < 0.06:
            order_set_status(actor=rep, order=order, version=order.version, status=OrderStatus.RETURNED)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "丽",
]
POSTS = [
    ("总经理", "总经办", BuyingRole.DECISION_MAKER),
    ("采购经理", "采购部", BuyingRole.PURCHASER),
    ("技术总监", "技术部", BuyingRole.INFLUENCER),
    ("财务主管", "财务部", BuyingRole.FINANCE),
    ("IT 专员", "信息部", BuyingRole.USER),
]
TOUCHES = [
    (Channel.PHONE, Direction.OUTBOUND, Outcome.REACHED, "电话介绍新品，客户愿意看方案", "发送产品方案"),
    (Channel.WECHAT, Direction.INBOUND, Outcome.INTERESTED, "微信咨询批量采购价格", "报价"),
    (Channel.VISIT, Direction.OUTBOUND, Outcome.FOLLOW_UP, "上门拜访，见到采购经理，关注交期", "确认交期"),
    (Channel.EMAIL, Direction.OUTBOUND, Outcome.DONE, "发送报价单和合同草稿", ""),
    (Channel.PHONE, Direction.INBOUND, Outcome.COMPLAINT, "客户反馈上批货包装破损", "安排补发并回访"),
    (Channel.MEETING, Direction.OUTBOUND, Outcome.INTERESTED, "季度回顾会，讨论明年框架协议", "准备框架协议"),
]


def _demo_customer(rep: User, customer: Customer) -> None:
    """Two or three contacts (one changed post, one left) and a few months of interactions, deterministic."""
    rng = random.Random(customer.name)  # noqa: S311 - deterministic demo data, not security
    today = timezone.localdate()
    contacts = []
    for index, (title, department, role) in enumerate(rng.sample(POSTS, 3)):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        started = today - timedelta(days=rng.randrange(400, 1500))
        contact = contact_create(
            actor=rep,
            customer=customer,
            name=name,
            mobile=f"13{rng.randrange(5, 10)}{rng.randrange(10**8):08d}",
            started_on=started,
            post={"title": title, "department": department, "buying_role": role},
        )
        post = contact.positions.get()
        if index == 1:
            post = position_change(
                actor=rep,
                position=post,
                changed_on=today - timedelta(days=rng.randrange(30, 300)),
                title="高级" + title,
            )
        if index == 2:
            position_end(actor=rep, position=post, ended_on=today - timedelta(days=rng.randrange(10, 200)))
            continue
        contacts.append(contact)
    now = timezone.now()
    for days_ago in sorted(rng.sample(range(1, 180), rng.randrange(3, 7)), reverse=True):
        channel, direction, outcome, summary, next_step = rng.choice(TOUCHES)
        interaction_log(
            actor=rep,
            customer=customer,
            contact=rng.choice(contacts),
            channel=channel,
            direction=direction,
            outcome=outcome,
            summary=summary,
            next_step=next_step,
            occurred_at=now - timedelta(days=days_ago, hours=rng.randrange(8)),
        )
