"""People and companies, and the ways each is written (script, order, width, format, typos)."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from pypinyin import lazy_pinyin

from guanxi.leads.dedup.keys import DedupRecord
from guanxi.leads.dedup.sample.tables import (
    BRAND_CHARS,
    CITIES,
    GIVEN,
    MAIL_HOSTS,
    SUFFIXES_EN,
    SUFFIXES_ZH,
    SURNAMES,
    TRADES,
    WESTERN_FIRST,
    WESTERN_LAST,
)


@dataclass(frozen=True)
class Person:
    surname: tuple[str, str]
    given: tuple[tuple[int, int], ...]  # (group, member) of GIVEN
    western: str = ""

    def chinese(self, traditional: bool = False) -> str:
        side = 1 if traditional else 0
        return self.surname[side] + "".join(GIVEN[group][member][side] for group, member in self.given)


@dataclass(frozen=True)
class Company:
    city: int
    brand: tuple[tuple[str, str], ...]
    trade: int


@dataclass(frozen=True)
class LabelledRecord:
    record: DedupRecord
    cluster: str


class Generator:
    """Deterministic (seeded) people, companies and their variants."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- test data, reproducible by design
        self.mobiles: set[str] = set()
        self.brands: set[str] = set()
        self.emails: set[str] = set()
        self.counter = 0

    # --- entities ---------------------------------------------------------------------------

    def person(self, name: str | None = None) -> Person:
        rng = self.rng
        if name is not None:
            surname = next(pair for pair in SURNAMES if pair[0] == name[0])
            given = tuple(_given_index(char) for char in name[1:])
            return Person(surname=surname, given=given)
        if rng.random() < 0.08:
            return Person(surname=("", ""), given=(), western=f"{rng.choice(WESTERN_FIRST)} {rng.choice(WESTERN_LAST)}")
        groups = rng.sample(range(len(GIVEN)), rng.choice((1, 2, 2)))
        given = tuple((group, rng.randrange(len(GIVEN[group]))) for group in groups)
        return Person(surname=rng.choice(SURNAMES), given=given)

    def chinese_person(self) -> Person:
        while True:
            person = self.person()
            if not person.western:
                return person

    def company(self, *, city: int | None = None, brand: tuple[tuple[str, str], ...] | None = None) -> Company:
        rng = self.rng
        while brand is None:
            chosen = tuple(rng.sample(BRAND_CHARS, rng.choice((2, 2, 2, 3))))
            key = "".join(lazy_pinyin("".join(pair[0] for pair in chosen)))
            if key not in self.brands:
                self.brands.add(key)
                brand = chosen
        return Company(
            city=rng.randrange(len(CITIES)) if city is None else city, brand=brand, trade=rng.randrange(len(TRADES))
        )

    def mobile(self) -> str:
        while True:
            number = f"1{self.rng.choice('35789')}{self.rng.randrange(10**9):09d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def landline(self, city: int) -> str:
        while True:
            number = f"{CITIES[city][2]}{self.rng.randrange(2 * 10**7, 9 * 10**7)}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def next_id(self) -> str:
        self.counter += 1
        return str(self.counter)

    # --- how a person or company is written ------------------------------------------------

    def person_name(self, person: Person, style: str) -> str:
        if person.western:
            name = person.western
            if style == "typo":
                name = _typo(self.rng, name)
            return _full_width(name) if style == "fullwidth" else name
        if style == "traditional":
            return person.chinese(traditional=True)
        if style == "typo":
            group, member = self.rng.choice(person.given)
            options = [index for index in range(len(GIVEN[group])) if index != member]
            if self.rng.random() < 0.25:  # a character that reads differently
                other = self.rng.choice([g for g in range(len(GIVEN)) if g != group])
                changed = tuple((other, 0) if (g, m) == (group, member) else (g, m) for g, m in person.given)
                return replace(person, given=changed).chinese()
            if options:
                changed = tuple(
                    (g, self.rng.choice(options) if (g, m) == (group, member) else m) for g, m in person.given
                )
                return replace(person, given=changed).chinese()
            return _typo(self.rng, self.person_name(person, "english"))
        if style in {"english", "fullwidth"}:
            syllables = lazy_pinyin(person.chinese())
            cut = 2 if person.surname[0] in {"欧阳", "司马", "上官"} else 1
            syllables[0] = "zeng" if person.surname[0] == "曾" else syllables[0]
            surname, given = "".join(syllables[:cut]).title(), "".join(syllables[cut:]).title()
            name = self.rng.choice([f"{surname} {given}", f"{given} {surname}", f"{surname.upper()} {given}"])
            return _full_width(name) if style == "fullwidth" else name
        return person.chinese()

    def company_name(self, company: Company, style: str) -> str:
        rng = self.rng
        city_zh, city_en, _ = CITIES[company.city]
        trade_zh, trade_trad, trade_en = TRADES[company.trade]
        brand_zh = "".join(pair[0] for pair in company.brand)
        if style == "english":
            syllables = [syllable.title() for syllable in lazy_pinyin(brand_zh)]
            brand = "".join(syllables).title() if rng.random() < 0.8 else " ".join(syllables)
            place = "" if rng.random() < 0.2 else city_en.replace("'", "")
            return " ".join(part for part in (place, brand, rng.choice(trade_en), rng.choice(SUFFIXES_EN)) if part)
        if style == "fullwidth":
            return _full_width(self.company_name(company, "english"))
        suffix = rng.choice(SUFFIXES_ZH)
        if style == "typo":
            position = rng.randrange(len(brand_zh))
            brand_zh = brand_zh[:position] + rng.choice(BRAND_CHARS)[0] + brand_zh[position + 1 :]
            return city_zh + brand_zh + trade_zh + suffix
        if style == "traditional":
            brand = "".join(pair[1] for pair in company.brand)
            return city_zh + brand + trade_trad + suffix.replace("责任", "責任")
        if style == "no_place":
            return brand_zh + trade_zh + suffix
        if style == "place_in_brackets":
            return f"{brand_zh}{trade_zh}（{city_zh}）{suffix or '有限公司'}"
        if style == "no_suffix":
            return city_zh + brand_zh + trade_zh
        if style == "city_suffix":
            return f"{city_zh}市{brand_zh}{trade_zh}{suffix}"
        return city_zh + brand_zh + trade_zh + "有限公司"

    def phone_text(self, number: str, style: str) -> str:
        if number.startswith("1"):
            a, b, c = number[:3], number[3:7], number[7:]
            forms = {
                "plain": number, "spaced": f"{a} {b} {c}", "dashed": f"{a}-{b}-{c}", "plus": f"+86 {a} {b} {c}",
                "plus_dashed": f"+86-{a}-{b}-{c}", "double_zero": f"0086 {number}", "e164": f"+86{number}",
                "bracketed": f"(+86) {number}", "fullwidth": _full_width(number), "bare_country": f"86-{number}",
            }  # fmt: skip
        else:
            area = number[: len(number) - 8]
            local = number[-8:]
            forms = {
                "plain": f"{area}-{local}", "spaced": f"({area}) {local[:4]} {local[4:]}",
                "dashed": f"{area}-{local[:4]}-{local[4:]}", "plus": f"+86 {area[1:]} {local[:4]} {local[4:]}",
                "plus_dashed": f"+86-{area[1:]}-{local}", "double_zero": f"0086 {area[1:]} {local}",
                "e164": f"+86{area[1:]}{local}", "bracketed": f"({area}){local}",
                "fullwidth": _full_width(f"{area}-{local}"),
                "bare_country": f"{area} {local} 转 {self.rng.randint(100, 899)}",
            }  # fmt: skip
        return forms.get(style, number)

    def phone_style(self) -> str:
        return self.rng.choice(
            ["plain", "plain", "spaced", "dashed", "plus", "plus_dashed", "double_zero", "e164", "bracketed",
             "fullwidth", "bare_country"]
        )  # fmt: skip

    def city_text(self, city: int, style: str) -> str:
        zh, en, _ = CITIES[city]
        return {"pinyin": en, "shi": zh + "市", "none": "", "upper": en.upper()}.get(style, zh)

    def personal_email(self, person: Person, company: Company | None) -> str:
        rng = self.rng
        if person.western:
            local = person.western.lower().replace(" ", ".")
        else:
            syllables = lazy_pinyin(person.chinese())
            local = rng.choice(["".join(syllables), f"{''.join(syllables[1:])}.{syllables[0]}"])
        while True:
            if company is not None and rng.random() < 0.4:
                email = f"{local}@{self.company_domain(company)}"
            else:
                digits = rng.choice(["", str(rng.randint(1, 999)), str(rng.randint(1970, 2002))])
                email = f"{local}{digits}@{rng.choice(MAIL_HOSTS)}"
            if email not in self.emails:
                self.emails.add(email)
                return email
            local += str(rng.randint(0, 9))

    def company_domain(self, company: Company) -> str:
        return "".join(lazy_pinyin("".join(pair[0] for pair in company.brand))) + ".com.cn"


def _given_index(char: str) -> tuple[int, int]:
    for group, members in enumerate(GIVEN):
        for member, pair in enumerate(members):
            if char in pair:
                return group, member
    raise ValueError(char)


def _full_width(text: str) -> str:
    return "".join(
        chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else "\u3000" if char == " " else char for char in text
    )


def _typo(rng: random.Random, text: str) -> str:
    positions = [index for index, char in enumerate(text) if char.isalpha() and index > 0]
    index = rng.choice(positions)
    letter = rng.choice("aeiounrstl")
    swapped = text[index] if text[index].lower() != letter else "y"
    if rng.random() < 0.5 and index + 1 < len(text) and text[index + 1].isalpha():
        return text[:index] + text[index + 1] + text[index] + text[index + 2 :]  # transposition
    return text[:index] + (letter if swapped != letter else "y") + text[index + 1 :]
