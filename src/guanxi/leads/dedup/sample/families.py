"""The scenarios (families) and the two data sets built from them: labelled, and for timing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from pypinyin import lazy_pinyin

from guanxi.leads.dedup.keys import DedupRecord, person_tokens
from guanxi.leads.dedup.sample.generator import Company, Generator, LabelledRecord, Person
from guanxi.leads.dedup.sample.tables import BRAND_CHARS, CITIES, COMMON_NAMES, GIVEN, SURNAMES
from guanxi.leads.dedup.scoring import similarity


@dataclass(frozen=True)
class Spec:
    """How one record of a person or company is written."""

    name: str = "none"
    company: str = "none"
    phone: str = "none"  # mobile, landline, none
    phone_style: str = "plain"
    email: str = "none"  # same, upper, plus, role, none
    city: str = "zh"


@dataclass(frozen=True)
class Profile:
    person: Person | None
    company: Company | None
    mobile: str
    landline: str
    email: str
    city: int


_PERSON_CHANGES = (
    "name_traditional", "name_english", "name_english", "name_fullwidth", "name_typo", "name_drop",
    "company_style", "company_style", "company_drop", "company_typo",
    "phone_format", "phone_format", "phone_drop", "phone_landline",
    "email_case", "email_drop", "email_plus", "city",
)  # fmt: skip
_COMPANY_STYLES = ("standard", "traditional", "no_place", "place_in_brackets", "no_suffix", "city_suffix", "english",
                   "english", "fullwidth")  # fmt: skip


class Families(Generator):
    """The scenarios; each returns (record, cluster) pairs without ids (ids are given after shuffling)."""

    def person_profile(
        self, person: Person | None = None, company: Company | None = None, city: int | None = None, **kwargs: object
    ) -> Profile:
        rng = self.rng
        person = person or self.person()
        if company is None and city is None and rng.random() < 0.8:
            company = self.company()
        if company is not None:
            city = company.city
        elif city is None:
            city = rng.randrange(len(CITIES))
        fields: dict[str, object] = {
            "mobile": self.mobile() if rng.random() < 0.92 else "",
            "landline": self.landline(city) if company is not None and rng.random() < 0.5 else "",
            "email": self.personal_email(person, company) if rng.random() < 0.65 else "",
        }
        fields |= kwargs
        return Profile(person=person, company=company, city=city, **fields)  # type: ignore[arg-type]

    def person_specs(self, profile: Profile, size: int) -> list[Spec]:
        rng = self.rng
        base = Spec(
            name="plain",
            company=rng.choice((*_COMPANY_STYLES[:3], "standard")) if profile.company else "none",
            phone="mobile" if profile.mobile else ("landline" if profile.landline else "none"),
            phone_style=self.phone_style(),
            email="same" if profile.email else "none",
            city=rng.choice(("zh", "zh", "pinyin", "shi", "none")),
        )
        specs = [base]
        for _ in range(size - 1):
            for _attempt in range(30):
                spec = self._person_variant(profile, base)
                if all(_linkable(spec, other) for other in specs) and spec not in specs:
                    specs.append(spec)
                    break
        return specs

    def _person_variant(self, profile: Profile, base: Spec) -> Spec:
        rng = self.rng
        spec = replace(base, phone_style=self.phone_style())
        for change in rng.sample(_PERSON_CHANGES, rng.choice((1, 2, 2, 3))):
            spec = self._change(profile, spec, change)
        return spec

    def _change(self, profile: Profile, spec: Spec, change: str) -> Spec:
        rng = self.rng
        kind, _, what = change.partition("_")
        if kind == "name":
            return replace(spec, name="none" if what == "drop" else what)
        if kind == "company" and profile.company:
            styles = {"drop": ["none"], "typo": ["typo"]}.get(what, _COMPANY_STYLES)
            return replace(spec, company=rng.choice(styles))
        if kind == "phone":
            if what == "drop":
                return replace(spec, phone="none")
            if what == "landline" and profile.landline:
                return replace(spec, phone="landline")
            return replace(spec, phone_style=self.phone_style())
        if kind == "email" and profile.email:
            return replace(spec, email={"case": "upper", "drop": "none", "plus": "plus"}[what])
        if kind == "city":
            return replace(spec, city=rng.choice(("zh", "pinyin", "shi", "none", "upper")))
        return spec

    def render(self, profile: Profile, spec: Spec) -> DedupRecord:
        person, company = profile.person, profile.company
        name = "" if spec.name == "none" or person is None else self.person_name(person, spec.name)
        company_name = "" if spec.company == "none" or company is None else self.company_name(company, spec.company)
        number = {"mobile": profile.mobile, "landline": profile.landline}.get(spec.phone, "")
        return DedupRecord(
            id="",
            name=name,
            company=company_name,
            phone=self.phone_text(number, spec.phone_style) if number else "",
            email=_email_text(profile.email, spec.email),
            city=self.city_text(profile.city, spec.city),
            kind="lead",
        )

    # --- the scenarios ------------------------------------------------------------------------

    def person_cluster(self, family: int, size: int) -> list[LabelledRecord]:
        profile = self.person_profile()
        return [
            LabelledRecord(self.render(profile, spec), f"F{family:05d}-1") for spec in self.person_specs(profile, size)
        ]

    def company_cluster(self, family: int, size: int, company: Company | None = None) -> list[LabelledRecord]:
        rng = self.rng
        company = company or self.company()
        profile = Profile(
            person=None,
            company=company,
            mobile="",
            landline=self.landline(company.city) if rng.random() < 0.9 else "",
            email=f"info@{self.company_domain(company)}" if rng.random() < 0.5 else "",
            city=company.city,
        )
        specs: list[Spec] = []
        for _ in range(size * 10):
            if len(specs) == size:
                break
            spec = Spec(
                company=rng.choice(_COMPANY_STYLES),
                phone="landline" if profile.landline and rng.random() < 0.8 else "none",
                phone_style=self.phone_style(),
                email=rng.choice(("role", "upper")) if profile.email and rng.random() < 0.7 else "none",
                city=rng.choice(("zh", "pinyin", "shi", "none")),
            )
            if spec not in specs:
                specs.append(spec)
        return [LabelledRecord(self.render(profile, spec), f"F{family:05d}-1") for spec in specs]

    def colleagues(self, family: int) -> list[LabelledRecord]:
        """People at one company sharing its switchboard and info@ mailbox: each one is someone else."""
        rng = self.rng
        company = self.company()
        switchboard = self.landline(company.city)
        shared_email = f"info@{self.company_domain(company)}"
        records = []
        surnames = rng.sample([pair for pair in SURNAMES if len(pair[0]) == 1], rng.randint(2, 4))
        for number, surname in enumerate(surnames, start=1):
            person = replace(self.person(), surname=surname, western="")
            if not person.given:
                person = Person(surname=surname, given=((rng.randrange(len(GIVEN)), 0),))
            profile = self.person_profile(person, company, landline=switchboard)
            if rng.random() < 0.3:
                profile = replace(profile, email=shared_email)
            specs = [replace(spec, name=spec.name.replace("none", "plain")) for spec in self.person_specs(profile, 2)]
            specs = specs[: rng.choice((1, 1, 2))]
            if len(specs) == 1 and rng.random() < 0.3:
                specs = [replace(specs[0], phone="landline")]  # the switchboard instead of the mobile
            records += [LabelledRecord(self.render(profile, spec), f"F{family:05d}-{number}") for spec in specs]
        return records

    def namesakes(self, family: int) -> list[LabelledRecord]:
        """The same common name in other cities, with other phones; sometimes the same brand elsewhere."""
        rng = self.rng
        name = rng.choice(COMMON_NAMES)
        cities = rng.sample(range(len(CITIES)), rng.randint(2, 3))
        brand_company = self.company() if rng.random() < 0.35 else None
        records = []
        for number, city in enumerate(cities, start=1):
            company = None
            if brand_company is not None:
                company = replace(brand_company, city=city)
            elif rng.random() < 0.5:
                company = self.company(city=city)
            profile = self.person_profile(self.person(name), company, city)
            for spec in self.person_specs(profile, rng.choice((1, 1, 2))):
                if company is not None and spec.company in {"english", "fullwidth", "no_place"}:
                    spec = replace(spec, company="standard")  # keep the place that tells them apart
                records.append(LabelledRecord(self.render(profile, spec), f"F{family:05d}-{number}"))
        return records

    def near_companies(self, family: int) -> list[LabelledRecord]:
        """北京华信 and 深圳华信 (one brand, two cities), or 杭州华信 and 杭州华兴 (one letter apart): two companies."""
        rng = self.rng
        first = self.company()
        if rng.random() < 0.5:
            second = replace(first, city=rng.choice([c for c in range(len(CITIES)) if c != first.city]))
        else:
            second = self.company(city=first.city, brand=self.near_brand(first.brand))
            second = replace(second, trade=first.trade)
        records = []
        for number, company in enumerate((first, second), start=1):
            records += [
                LabelledRecord(item.record, f"F{family:05d}-{number}")
                for item in self.company_cluster(family, rng.choice((1, 1, 2)), company)
                if second.city == first.city or not _lost_place(item.record.company, CITIES)
            ]
        return records

    def near_brand(self, brand: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        """The brand with one character changed to one that reads differently."""
        while True:
            position = self.rng.randrange(len(brand))
            changed = list(brand)
            changed[position] = self.rng.choice(BRAND_CHARS)
            key = "".join(lazy_pinyin("".join(pair[0] for pair in changed)))
            if key not in self.brands:
                self.brands.add(key)
                return tuple(changed)

    def shared_mobile(self, family: int) -> list[LabelledRecord]:
        """Two people giving one mobile (an assistant and the boss): names that clearly differ."""
        first_person = self.chinese_person()
        while True:
            other = self.chinese_person()
            a, b = person_tokens(first_person.chinese()), person_tokens(other.chinese())
            if similarity("".join(a), "".join(b)) < 0.55 and a[0] != b[0]:
                break
        first = self.person_profile(first_person)
        second = self.person_profile(other, first.company, mobile=first.mobile or self.mobile())
        first = replace(first, mobile=second.mobile)
        records = []
        for number, profile in enumerate((first, second), start=1):
            spec = replace(self.person_specs(profile, 1)[0], phone="mobile")
            records.append(LabelledRecord(self.render(profile, spec), f"F{family:05d}-{number}"))
        return records

    def single_person(self, family: int) -> list[LabelledRecord]:
        return self.person_cluster(family, 1)

    def single_company(self, family: int) -> list[LabelledRecord]:
        return self.company_cluster(family, 1)


def _lost_place(name: str, cities: list[tuple[str, str, str]]) -> bool:
    """A near-company record must keep its city in the name, else it cannot be told from its twin."""
    return not any(zh in name or en.replace("'", "") in name for zh, en, _ in cities) and "（" not in name


def _email_text(email: str, style: str) -> str:
    if not email or style == "none":
        return ""
    if style == "upper":
        local, _, domain = email.partition("@")
        return f"{local.title()}@{domain.upper()}"
    if style == "plus" and email.endswith("@gmail.com"):
        return email.replace("@", "+crm@")
    return email


def _linkable(a: Spec, b: Spec) -> bool:
    """Is there evidence that two records of one person are one? (See the module docstring.)"""
    mobile = a.phone == b.phone == "mobile"
    email = a.email != "none" and b.email != "none"
    named = a.name != "none" and b.name != "none" and a.company != "none" and b.company != "none"
    return mobile or email or named


_PLAN = (
    ("person_cluster", 2, 110), ("company_cluster", 2, 28), ("colleagues", 0, 16), ("namesakes", 0, 16),
    ("near_companies", 0, 16), ("shared_mobile", 0, 6), ("single_person", 0, 300), ("single_company", 0, 40),
)  # fmt: skip


def labelled_records(seed: int = 20261124) -> list[LabelledRecord]:
    """The labelled set: ~750 records, ids 1…N in shuffled order, clusters ``F<family>-<n>``."""
    generator = Families(seed)
    rng = generator.rng
    plan = [(name, low) for name, low, count in _PLAN for _ in range(count)]
    rng.shuffle(plan)
    records: list[LabelledRecord] = []
    for family, (scenario, low) in enumerate(plan, start=1):
        method = getattr(generator, scenario)
        records += method(family, rng.randint(low, 5)) if low else method(family)
    rng.shuffle(records)
    return [replace(item, record=replace(item.record, id=str(index))) for index, item in enumerate(records, start=1)]


def synthetic_records(count: int, seed: int = 7) -> Iterator[DedupRecord]:
    """``count`` unlabelled records for timing: mostly single people and companies, a fifth duplicated."""
    generator = Families(seed)
    generator.brands = _Forgetful()
    rng = generator.rng
    made = 0
    family = 0
    while made < count:
        family += 1
        roll = rng.random()
        if roll < 0.1:
            batch = generator.person_cluster(family, rng.randint(2, 4))
        elif roll < 0.15:
            batch = generator.colleagues(family)
        elif roll < 0.3:
            batch = generator.single_company(family)
        else:
            batch = generator.single_person(family)
        for item in batch[: count - made]:
            made += 1
            yield replace(item.record, id=str(made))


class _Forgetful(set[str]):
    """A brand register that remembers nothing: at 100,000 records brands may repeat."""

    def __contains__(self, item: object) -> bool:
        return False

    def add(self, item: str) -> None:
        return None
