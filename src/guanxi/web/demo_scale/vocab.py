"""Word lists of the scaled demo: places, company and person names, posts, touches, phone plans.

Weights are rough real-world shares (big cities, common surnames, the usual legal forms), so
that lists, search and analytics see the skew a Chinese customer base has.
"""

from __future__ import annotations

from guanxi.customers.models import BuyingRole, Channel, CompanySize, CustomerSource, Direction, Industry, Outcome


def _words(text: str) -> list[str]:
    return text.split()


# city, weight, province, area code, digits of a local landline number, districts
CITIES: list[tuple[str, int, str, str, int, tuple[str, ...]]] = [
    ("北京", 12, "北京市", "10", 8, ("朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区")),
    ("上海", 12, "上海市", "21", 8, ("浦东新区", "黄浦区", "徐汇区", "静安区", "闵行区", "长宁区")),
    ("深圳", 9, "广东省", "755", 8, ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区")),
    ("广州", 9, "广东省", "20", 8, ("天河区", "越秀区", "海珠区", "白云区", "番禺区")),
    ("杭州", 7, "浙江省", "571", 8, ("西湖区", "上城区", "拱墅区", "滨江区", "余杭区", "萧山区")),
    ("成都", 6, "四川省", "28", 8, ("锦江区", "青羊区", "武侯区", "成华区", "金牛区")),
    ("重庆", 5, "重庆市", "23", 8, ("渝中区", "江北区", "南岸区", "九龙坡区", "沙坪坝区")),
    ("南京", 5, "江苏省", "25", 8, ("玄武区", "鼓楼区", "秦淮区", "建邺区", "江宁区")),
    ("苏州", 5, "江苏省", "512", 8, ("姑苏区", "吴中区", "相城区", "虎丘区", "吴江区")),
    ("武汉", 5, "湖北省", "27", 8, ("江岸区", "武昌区", "洪山区", "汉阳区", "江汉区")),
    ("天津", 4, "天津市", "22", 8, ("和平区", "河西区", "南开区", "滨海新区", "河东区")),
    ("西安", 4, "陕西省", "29", 8, ("雁塔区", "碑林区", "新城区", "未央区", "莲湖区")),
    ("长沙", 3, "湖南省", "731", 8, ("岳麓区", "芙蓉区", "天心区", "开福区", "雨花区")),
    ("郑州", 3, "河南省", "371", 8, ("金水区", "二七区", "中原区", "惠济区")),
    ("青岛", 3, "山东省", "532", 8, ("市南区", "市北区", "崂山区", "黄岛区", "李沧区")),
    ("宁波", 3, "浙江省", "574", 8, ("海曙区", "江北区", "鄞州区", "北仑区", "镇海区")),
    ("厦门", 2, "福建省", "592", 7, ("思明区", "湖里区", "集美区", "海沧区", "同安区")),
    ("合肥", 2, "安徽省", "551", 8, ("蜀山区", "包河区", "庐阳区", "瑶海区")),
    ("福州", 2, "福建省", "591", 8, ("鼓楼区", "台江区", "仓山区", "晋安区")),
    ("济南", 2, "山东省", "531", 8, ("历下区", "市中区", "槐荫区", "天桥区", "历城区")),
    ("沈阳", 2, "辽宁省", "24", 8, ("和平区", "沈河区", "皇姑区", "铁西区", "浑南区")),
    ("大连", 2, "辽宁省", "411", 8, ("中山区", "西岗区", "沙河口区", "甘井子区")),
    ("昆明", 2, "云南省", "871", 8, ("五华区", "盘龙区", "官渡区", "西山区")),
    ("无锡", 2, "江苏省", "510", 8, ("梁溪区", "滨湖区", "新吴区", "锡山区")),
    ("东莞", 2, "广东省", "769", 8, ("南城街道", "东城街道", "长安镇", "虎门镇")),
    ("佛山", 2, "广东省", "757", 8, ("禅城区", "南海区", "顺德区", "三水区")),
    ("温州", 1, "浙江省", "577", 8, ("鹿城区", "龙湾区", "瓯海区")),
    ("绍兴", 1, "浙江省", "575", 8, ("越城区", "柯桥区", "上虞区")),
    ("嘉兴", 1, "浙江省", "573", 8, ("南湖区", "秀洲区")),
    ("珠海", 1, "广东省", "756", 7, ("香洲区", "斗门区", "金湾区")),
    ("南昌", 1, "江西省", "791", 8, ("东湖区", "西湖区", "青山湖区", "红谷滩区")),
    ("贵阳", 1, "贵州省", "851", 8, ("南明区", "云岩区", "观山湖区")),
    ("南宁", 1, "广西壮族自治区", "771", 7, ("青秀区", "兴宁区", "西乡塘区")),
    ("石家庄", 1, "河北省", "311", 8, ("长安区", "桥西区", "新华区", "裕华区")),
    ("太原", 1, "山西省", "351", 7, ("小店区", "迎泽区", "杏花岭区")),
    ("哈尔滨", 1, "黑龙江省", "451", 8, ("南岗区", "道里区", "香坊区")),
    ("长春", 1, "吉林省", "431", 8, ("朝阳区", "南关区", "绿园区")),
    ("兰州", 1, "甘肃省", "931", 7, ("城关区", "七里河区", "安宁区")),
    ("海口", 1, "海南省", "898", 8, ("龙华区", "美兰区", "秀英区")),
    ("烟台", 1, "山东省", "535", 7, ("芝罘区", "莱山区", "福山区")),
]

ROADS = _words(
    "人民路 解放路 中山路 建设路 和平路 新华路 胜利路 文化路 长江路 黄河路 科技路 创业路 学院路 "
    "工业大道 滨江大道 世纪大道 金融街 高新路 软件园路 湖滨路"
)

# The distinctive part of a company name (字号).
WORDS = _words(
    "云栖 华信 恒达 鼎盛 瑞丰 金桥 星辰 天宇 博远 汇通 中科 新锐 长城 东方 远景 晨光 蓝海 创新 启明 锦程 "
    "宏图 盛世 德润 安信 正泰 九州 和盛 嘉禾 立信 永安 泰和 宏远 兴业 信达 华美 金鼎 同创 智远 卓越 联创 "
    "海纳 百川 凯旋 明德 睿智 精诚 益民 友邦 诚信 光华 银河 天成 鸿运 昊天 中天 伟业 新华 大成 方圆 振华 "
    "华夏 神州 四海 环宇 腾飞 飞跃 开元 广源 顺发 通达 宝丰 利民 富康 聚源 春晖 秋实 青松 翠竹 梅园 兰亭 "
    "菊香 荷塘 松涛 竹韵 山河 江南 北辰 南山 西湖 东岳 云海 风华 雅致 锐思 数智 极光 量子 微澜 灵犀 知行 "
    "思远 致远 弘毅 笃行 守正 拓新 聚力 同心 协力 合力 众诚 万象 千禧 百盛 十方 一鸣 三元 五洲 六合 七星 "
    "八达 九鼎 双赢 全胜 港盛 鹭岛 浦江 前海 白云 金陵 恒信 瑞达 华盛 嘉信 博雅 恒通 远航 天润 鑫源 汇丰"
)

# industry word in the name, weight, GB/T 4754 section, English word
TRADES: list[tuple[str, int, str, str]] = [
    ("科技", 20, Industry.IT, "Technology"),
    ("信息技术", 6, Industry.IT, "Information Technology"),
    ("网络科技", 6, Industry.IT, "Network Technology"),
    ("软件", 4, Industry.IT, "Software"),
    ("贸易", 10, Industry.TRADE, "Trading"),
    ("商贸", 5, Industry.TRADE, "Commerce"),
    ("医药连锁", 2, Industry.TRADE, "Pharmacy"),
    ("汽车销售", 2, Industry.TRADE, "Auto Sales"),
    ("实业", 6, Industry.MANUFACTURING, "Industrial"),
    ("精密机械", 4, Industry.MANUFACTURING, "Precision Machinery"),
    ("电子", 5, Industry.MANUFACTURING, "Electronics"),
    ("食品", 4, Industry.MANUFACTURING, "Foods"),
    ("医疗器械", 3, Industry.MANUFACTURING, "Medical Devices"),
    ("化工", 3, Industry.MANUFACTURING, "Chemicals"),
    ("服饰", 3, Industry.MANUFACTURING, "Apparel"),
    ("建筑工程", 4, Industry.CONSTRUCTION, "Construction"),
    ("装饰工程", 2, Industry.CONSTRUCTION, "Decoration"),
    ("物流", 4, Industry.LOGISTICS, "Logistics"),
    ("餐饮管理", 3, Industry.HOSPITALITY, "Catering"),
    ("投资管理", 3, Industry.FINANCE, "Investment"),
    ("房地产开发", 2, Industry.REAL_ESTATE, "Real Estate"),
    ("物业管理", 2, Industry.REAL_ESTATE, "Property Management"),
    ("广告", 2, Industry.BUSINESS_SERVICES, "Advertising"),
    ("人力资源", 2, Industry.BUSINESS_SERVICES, "Human Resources"),
    ("生物科技", 3, Industry.RESEARCH, "Biotech"),
    ("检测技术", 1, Industry.RESEARCH, "Testing"),
    ("环保", 3, Industry.ENVIRONMENT, "Environmental"),
    ("新能源", 3, Industry.UTILITIES, "New Energy"),
    ("教育咨询", 3, Industry.EDUCATION, "Education"),
    ("文化传媒", 4, Industry.CULTURE, "Media"),
    ("农业科技", 2, Industry.AGRICULTURE, "Agritech"),
    ("矿业", 1, Industry.MINING, "Mining"),
]

# legal form, weight, English form
SUFFIXES: list[tuple[str, int, str]] = [
    ("有限公司", 66, "Co., Ltd."),
    ("股份有限公司", 6, "Co., Ltd."),
    ("有限责任公司", 10, "Co., Ltd."),
    ("集团有限公司", 3, "Group Co., Ltd."),
    ("工作室", 5, "Studio"),
    ("商行", 4, "Trading Firm"),
    ("经营部", 5, "Business Dept."),
    ("厂", 3, "Factory"),
]

# Companies known by an English name (foreign-invested firms, trading houses).
ENGLISH_HEADS = _words(
    "Pacific Brightway Golden Bridge Silverline Orient Harbour Northstar Bluewave Evergreen Summit "
    "Crossroads Pioneer Lotus Jade Dragon Phoenix Meridian Horizon Unity Sterling"
)
ENGLISH_TAILS = (
    "Trading Ltd.",
    "Logistics Co., Ltd.",
    "Technologies Ltd.",
    "Consulting Co., Ltd.",
    "Industries Ltd.",
    "Foods Co., Ltd.",
    "Electronics Ltd.",
    "Partners Ltd.",
)

# The hundred most common surnames, most frequent first (weights fall off like the census shares).
SURNAMES = _words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 "
    "袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 孟 "
    "熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 欧阳 司马 诸葛"
)
SURNAME_WEIGHTS = [max(1.0, 100.0 / (rank + 1) ** 0.9) for rank in range(len(SURNAMES))]
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红文辉玲鹏飞鑫波宇浩凯亮宁晨欣怡婷雪琳颖佳慧晶倩瑶楠萍"
    "燕玉梅海峰斌龙林东志春雷俊宏晓帆阳光云永新立德信成家瑞涵梓轩思雨嘉睿博昊然悦"
)
WESTERN = _words(
    "Michael David John James Robert Mary Linda Susan Peter Kevin Jason Eric Tony Alice Grace Lucy Emma Anna "
    "Frank Henry"
)

MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
)
MAIL_DOMAINS = [("qq.com", 40), ("163.com", 25), ("126.com", 10), ("sina.com", 5), ("foxmail.com", 8), ("gmail.com", 7)]
COMPANY_MAIL_BOXES = ("info", "sales", "service", "contact", "hr", "admin", "market")
TLDS = [("com", 60), ("cn", 25), ("com.cn", 15)]

SIZES = [
    (CompanySize.MICRO, 30),
    (CompanySize.SMALL, 35),
    (CompanySize.MEDIUM, 20),
    (CompanySize.LARGE, 10),
    (CompanySize.ENTERPRISE, 5),
]
SOURCES = [
    (CustomerSource.REFERRAL, 22),
    (CustomerSource.WEBSITE, 18),
    (CustomerSource.EXHIBITION, 14),
    (CustomerSource.COLD_CALL, 16),
    (CustomerSource.ADVERTISING, 8),
    (CustomerSource.SOCIAL, 10),
    (CustomerSource.PARTNER, 8),
    (CustomerSource.OTHER, 4),
]

# title, department, buying role, weight; the first post of a contact
POSTS: list[tuple[str, str, str, int]] = [
    ("总经理", "总经办", BuyingRole.DECISION_MAKER, 14),
    ("副总经理", "总经办", BuyingRole.DECISION_MAKER, 6),
    ("董事长", "董事会", BuyingRole.DECISION_MAKER, 3),
    ("采购经理", "采购部", BuyingRole.PURCHASER, 16),
    ("采购专员", "采购部", BuyingRole.PURCHASER, 10),
    ("技术总监", "技术部", BuyingRole.INFLUENCER, 8),
    ("工程师", "技术部", BuyingRole.USER, 8),
    ("IT 专员", "信息部", BuyingRole.USER, 7),
    ("财务主管", "财务部", BuyingRole.FINANCE, 10),
    ("财务总监", "财务部", BuyingRole.FINANCE, 4),
    ("生产经理", "生产部", BuyingRole.USER, 5),
    ("行政经理", "行政部", BuyingRole.OTHER, 5),
    ("销售总监", "销售部", BuyingRole.INFLUENCER, 4),
]

# channel, direction, outcome, summary, next step
TOUCHES: list[tuple[str, str, str, str, str]] = [
    (Channel.PHONE, Direction.OUTBOUND, Outcome.REACHED, "电话介绍新品，客户愿意看方案", "发送产品方案"),
    (Channel.PHONE, Direction.OUTBOUND, Outcome.NO_ANSWER, "电话未接通", "明天再打"),
    (Channel.PHONE, Direction.INBOUND, Outcome.COMPLAINT, "客户反馈上批货包装破损", "安排补发并回访"),
    (Channel.WECHAT, Direction.INBOUND, Outcome.INTERESTED, "微信咨询批量采购价格", "报价"),
    (Channel.WECHAT, Direction.OUTBOUND, Outcome.DONE, "微信发送发票和物流单号", ""),
    (Channel.VISIT, Direction.OUTBOUND, Outcome.FOLLOW_UP, "上门拜访，见到采购经理，关注交期", "确认交期"),
    (Channel.VISIT, Direction.OUTBOUND, Outcome.INTERESTED, "现场演示系统，技术部认可", "准备试用账号"),
    (Channel.EMAIL, Direction.OUTBOUND, Outcome.DONE, "发送报价单和合同草稿", ""),
    (Channel.EMAIL, Direction.INBOUND, Outcome.FOLLOW_UP, "客户邮件询问年度维保条款", "法务确认条款"),
    (Channel.MEETING, Direction.OUTBOUND, Outcome.INTERESTED, "季度回顾会，讨论明年框架协议", "准备框架协议"),
    (Channel.SMS, Direction.OUTBOUND, Outcome.REACHED, "短信提醒续费", ""),
    (Channel.WEB, Direction.INBOUND, Outcome.INTERESTED, "官网留言索取资料", "电话回访"),
    (Channel.PHONE, Direction.OUTBOUND, Outcome.NOT_INTERESTED, "客户暂无预算，明年再联系", "三个月后回访"),
]

# from → to kind, weight (the kinds a sales team records most)
RELATION_KINDS = [
    ("parent_of", 30),
    ("partner", 25),
    ("referred", 20),
    ("competitor", 10),
    ("pays_for", 10),
    ("decides_for", 5),
]
