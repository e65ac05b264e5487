"""Words that company names share: place names and trade words, in pinyin and in English.

Company names are compared as pinyin, so one table serves simplified and traditional script
(科技 and 科技, 贸易 and 貿易 read the same). A trade word maps to one canonical English word, so
杭州云栖科技 and "Hangzhou Yunqi Technology" (or "… Tech", or "… Keji") end up with the same parts:
place ``hangzhou``, core ``yunqi``, trade words ``{technology}``.
"""

from __future__ import annotations

from pypinyin import lazy_pinyin

# Chinese trade word → canonical English word. Looked up by pinyin, so traditional forms match too.
_TRADE_WORDS_ZH = {
    "科技": "technology",
    "技术": "technology",
    "贸易": "trading",
    "商贸": "trading",
    "进出口": "trading",
    "电子": "electronics",
    "网络": "network",
    "信息": "information",
    "实业": "industrial",
    "工业": "industrial",
    "制造": "manufacturing",
    "医疗": "medical",
    "医药": "pharmaceutical",
    "食品": "food",
    "建设": "construction",
    "建筑": "construction",
    "物流": "logistics",
    "咨询": "consulting",
    "软件": "software",
    "机械": "machinery",
    "化工": "chemical",
    "国际": "international",
    "发展": "development",
    "投资": "investment",
    "文化": "culture",
    "传媒": "media",
    "教育": "education",
    "服务": "services",
    "工程": "engineering",
    "环保": "environmental",
    "管理": "management",
    "能源": "energy",
    "汽车": "automotive",
    "设备": "equipment",
    "器械": "equipment",
    "材料": "materials",
    "生物": "biotech",
    "智能": "intelligent",
    "数据": "data",
    "广告": "advertising",
    "电器": "electric",
    "电气": "electric",
    "控股": "holdings",
    "农业": "agriculture",
    "房地产": "property",
    "置业": "property",
    "地产": "property",
    "金融": "finance",
    "餐饮": "catering",
    "旅游": "travel",
    "纺织": "textile",
    "服饰": "apparel",
    "服装": "apparel",
    "家居": "furnishing",
    "通信": "communication",
    "通讯": "communication",
    "包装": "packaging",
    "印刷": "printing",
    "五金": "hardware",
    "仪器": "instruments",
    "数码": "digital",
    "健康": "health",
    "供应链": "supplychain",
    "设计": "design",
    "装饰": "decoration",
    "运输": "transport",
    "集团": "group",
}

# English spellings of the same words → the canonical word.
_TRADE_WORDS_EN = {
    "tech": "technology",
    "technology": "technology",
    "technologies": "technology",
    "technological": "technology",
    "sci-tech": "technology",
    "scitech": "technology",
    "trading": "trading",
    "trade": "trading",
    "traders": "trading",
    "import": "trading",
    "export": "trading",
    "electronics": "electronics",
    "electronic": "electronics",
    "network": "network",
    "networks": "network",
    "networking": "network",
    "information": "information",
    "info": "information",
    "industrial": "industrial",
    "industries": "industrial",
    "industry": "industrial",
    "manufacturing": "manufacturing",
    "manufacture": "manufacturing",
    "mfg": "manufacturing",
    "medical": "medical",
    "pharmaceutical": "pharmaceutical",
    "pharmaceuticals": "pharmaceutical",
    "pharma": "pharmaceutical",
    "food": "food",
    "foods": "food",
    "construction": "construction",
    "logistics": "logistics",
    "logistic": "logistics",
    "consulting": "consulting",
    "consultancy": "consulting",
    "consultants": "consulting",
    "software": "software",
    "machinery": "machinery",
    "machine": "machinery",
    "machines": "machinery",
    "chemical": "chemical",
    "chemicals": "chemical",
    "international": "international",
    "intl": "international",
    "development": "development",
    "develop": "development",
    "investment": "investment",
    "investments": "investment",
    "culture": "culture",
    "cultural": "culture",
    "media": "media",
    "education": "education",
    "educational": "education",
    "services": "services",
    "service": "services",
    "engineering": "engineering",
    "environmental": "environmental",
    "environment": "environmental",
    "management": "management",
    "energy": "energy",
    "automotive": "automotive",
    "auto": "automotive",
    "equipment": "equipment",
    "materials": "materials",
    "material": "materials",
    "biotech": "biotech",
    "biotechnology": "biotech",
    "intelligent": "intelligent",
    "smart": "intelligent",
    "data": "data",
    "advertising": "advertising",
    "electric": "electric",
    "electrical": "electric",
    "holdings": "holdings",
    "holding": "holdings",
    "agriculture": "agriculture",
    "agricultural": "agriculture",
    "property": "property",
    "properties": "property",
    "realty": "property",
    "finance": "finance",
    "financial": "finance",
    "catering": "catering",
    "travel": "travel",
    "textile": "textile",
    "textiles": "textile",
    "apparel": "apparel",
    "garment": "apparel",
    "garments": "apparel",
    "furnishing": "furnishing",
    "furnishings": "furnishing",
    "communication": "communication",
    "communications": "communication",
    "telecom": "communication",
    "packaging": "packaging",
    "printing": "printing",
    "hardware": "hardware",
    "instruments": "instruments",
    "instrument": "instruments",
    "digital": "digital",
    "health": "health",
    "healthcare": "health",
    "design": "design",
    "decoration": "decoration",
    "transport": "transport",
    "transportation": "transport",
    "group": "group",
}

# Words that carry no meaning in a company name ("Hangzhou Yunqi Technology Co., Ltd." → and, the, of).
STOP_WORDS = frozenset(
    {"and", "the", "of", "&", "co", "ltd", "limited", "inc", "corp", "company", "llc", "plc", "corporation", "gmbh"}
)

# Provinces, municipalities and large cities. Looked up by pinyin: 杭州 = "Hangzhou" = 杭州.
_PLACES_ZH = (  # noqa: SIM905 -- a table to read, not a list to edit
    "北京 上海 天津 重庆 广东 浙江 江苏 山东 河北 河南 湖北 湖南 福建 安徽 江西 四川 云南 贵州 陕西 山西 辽宁 吉林 "
    "黑龙江 广西 内蒙古 新疆 西藏 宁夏 青海 甘肃 海南 香港 澳门 台湾 杭州 深圳 广州 南京 苏州 成都 武汉 西安 宁波 "
    "厦门 青岛 大连 沈阳 长沙 郑州 济南 合肥 福州 昆明 无锡 东莞 佛山 温州 珠海 中山 常州 南昌 贵阳 南宁 哈尔滨 长春 "
    "石家庄 太原 兰州 乌鲁木齐 呼和浩特 海口 三亚 绍兴 嘉兴 金华 台州 烟台 潍坊 徐州 扬州 泉州 惠州 义乌 南通 "
    "湖州 芜湖 洛阳 唐山 保定 桂林 柳州 汕头 江门 湛江 镇江 泰州 盐城 淮安 连云港 宜昌 襄阳 九江 赣州 漳州 莆田 "
    "中国 全国"
).split()


def _syllables(text: str) -> str:
    return "".join(lazy_pinyin(text))


def _per_character(text: str) -> str:
    return "".join(lazy_pinyin(char)[0] for char in text)


# Keys are concatenated pinyin, both the phrase reading (重庆 chongqing) and the reading character by
# character that the engine uses for speed (重庆 zhongqing), so either spelling is recognised.
TRADE_WORDS: dict[str, str] = {_syllables(zh): en for zh, en in _TRADE_WORDS_ZH.items()}
TRADE_WORDS |= {_per_character(zh): en for zh, en in _TRADE_WORDS_ZH.items()}
TRADE_WORDS |= _TRADE_WORDS_EN
PLACES: dict[str, str] = {_per_character(zh): _syllables(zh) for zh in _PLACES_ZH}
PLACES |= {_syllables(zh): _syllables(zh) for zh in _PLACES_ZH}
LONGEST_SYLLABLES = 4  # the longest place or trade word above, in characters

# Compound surnames: 欧阳娜娜 is Ouyang Nana, not Ou Yangnana.
COMPOUND_SURNAMES = frozenset(
    {
        "ouyang",
        "sima",
        "zhuge",
        "shangguan",
        "dongfang",
        "huangfu",
        "murong",
        "situ",
        "linghu",
        "xiahou",
        "zhangsun",
        "yuwen",
        "duanmu",
        "gongsun",
        "wenren",
    }
)

# Mailboxes that a whole company shares: the same info@ address says little about who wrote in.
ROLE_MAILBOXES = frozenset(
    {
        "info",
        "sales",
        "contact",
        "service",
        "services",
        "support",
        "admin",
        "office",
        "hr",
        "marketing",
        "market",
        "hello",
        "enquiry",
        "enquiries",
        "inquiry",
        "kefu",
        "business",
        "bd",
        "postmaster",
        "webmaster",
        "noreply",
        "no-reply",
        "mail",
        "finance",
        "service-cn",
        "team",
    }
)
