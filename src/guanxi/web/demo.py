"""Demo organisation: teams, roles, the six demo logins and customers owned by each rep. Idempotent."""

from __future__ import annotations

from django.db import transaction

from guanxi.accounts import access
from guanxi.accounts.models import Role, Team, User, role_defaults
from guanxi.accounts.services import team_create
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_create

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
    for username, customers in DEMO_CUSTOMERS.items():
        rep = users[username]
        if not Customer.objects.filter(owner=rep).exists():
            for name, phone in customers:
                customer_create(actor=rep, name=name, phone=phone)
    return True
