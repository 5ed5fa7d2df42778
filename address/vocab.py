"""Every Chinese word the address code knows, as plain data: markers, suffixes, noise words.

Fragments are for the Rust ``regex`` engine behind Polars. Most apply to *cleaned* text (see
:mod:`address.normalize`): half-width, upper case, no spaces, Arabic numbers before unit
markers and one marker per kind (``BUILDING``, ``ENTRANCE``, ``FLOOR``).
"""

from __future__ import annotations


def alternation(words: str) -> str:
    """``"省 自治区"`` → ``"(?:自治区|省)"``, longest first so a longer word wins over its prefix."""
    return "(?:" + "|".join(sorted(words.split(), key=len, reverse=True)) + ")"


# --- numbers ----------------------------------------------------------------------------------------
CHINESE_DIGITS = "〇零一二三四五六七八九两"
ARABIC_FOR_CHINESE = "001234567892"  # digit by digit for CHINESE_DIGITS
NONZERO_DIGITS = "一二三四五六七八九"
TEN, ONE, ZERO = "十", "一", "〇"
NEGATIVE = "负"  # 负三楼: the third floor below ground
ORDINAL = "第"  # 第八栋: building 8
# Words after which a Chinese numeral is a number (三栋 → 3栋); elsewhere it is part of a name (三墩镇).
NUMBERED_UNITS = alternation("栋楼 号楼 栋 幢 座 撞 号 楼 层 单元 单 室 房 户 组 弄")

# --- cleaning ---------------------------------------------------------------------------------------
# Locator words and fillers that say where, not what (附近, 对面, 楼下 …): removed before parsing.
NOISE_WORDS = alternation("""
    附近 对面 旁边 隔壁 楼下 门口 大门口 路口 交叉口 交汇处 一带 周边 边上 路段 后面 里面 院内 电联 电话联系
    NULL 不详
""")
NOISE_AT_END = alternation("旁 处 侧")
DISTANCE = r"\d+米"  # 西北侧100米, 向前300米: how far from a landmark, no number of the address
# Anything in brackets is a remark, e.g. （入驻深圳市前海商务秘书有限公司）.
BRACKETED = r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|<[^>]*>|《[^》]*》"
SEPARATORS = r"[\s,，。;；:：、\"'“”‘’`·•_|/\\*~]+"
DASHES = r"[-‐‑–—―−]+"

# --- unit markers -----------------------------------------------------------------------------------
# Every spelling is folded into the first name: 3号楼, 3座, 3幢 → 3栋; 2单 → 2单元; 12层, 12F → 12楼.
BUILDING, BUILDING_MARKERS = "栋", alternation("号楼 栋楼 #楼 栋 幢 座 撞 塔 #")
ENTRANCE, ENTRANCE_MARKERS = "单元", alternation("单元 单 门 梯")  # 3梯: a stairwell, as written in Guangdong
FLOOR, FLOOR_MARKERS = "楼", alternation("层 楼 F")
FLOOR_PREFIX = "F"  # F12: the twelfth floor
ROOM_MARKERS = alternation("室 房 户 号")
# Left out of parts compared as numbers: building 9号 or 3号楼 is 3, entrance 一单 or 2号 is 1 or 2.
BUILDING_NUMBER_WORDS = alternation("号楼 栋楼 #楼 栋 幢 座 撞 塔 # 号 楼")
ENTRANCE_NUMBER_WORDS = alternation("单元 单 元 号 门")
ROOM_WORDS = "室房"  # a room number with one of these can only be a room
DOOR = "号"  # 1088号
COMPOUND = "院"  # 5号院: the compound behind doorplate 5
HOUSE_NUMBER_PREFIXES = "甲乙丙丁附"  # 甲155号; 附13号, a house added beside 13号
LANE = "弄"  # 同普路1501弄166号: a lane under a road; the number after it is the doorplate
GROUP = "组"  # 5组: a village's group, written like a road
CLUSTER = "组团"  # 13组团: a cluster of an estate's buildings
GROUP_TEAM = "团"  # 组 followed by this is a CLUSTER, not a village's group
WAREHOUSES = alternation("仓库 库")  # 5号库: warehouse 5, a name
GATE = "门"  # 97号门: gate 97 of a market hall
NOT_AFTER_GATE = "市面店口"  # 5号门市, 5号门面: a shop front, not a gate
ROW = "排"  # 三排: a row of houses in an estate
AISLE = "街"  # 国际商贸城10楼7街: the aisle of a market hall
ROAD_SECTION = "段"  # 鄞县大道中段

# --- divisions --------------------------------------------------------------------------------------
COUNTRY = "中国"
PROVINCES = alternation("""
    北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东
    海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门
""")
PROVINCE_SUFFIXES = alternation("省 市 壮族自治区 回族自治区 维吾尔自治区 自治区 特别行政区")
CITY, DISTRICT = "市", "区"
CITY_SUFFIXES = alternation("自治州 地区 盟")
DISTRICT_SUFFIXES = alternation("县 旗")  # 区 has its own rule (see NOT_DISTRICT_BEFORE_QU)
INDUSTRIAL_ZONES = alternation("工业区 工业园区 工业园 开发区 园区 产业园 科技园")
DEV_ZONE_SUFFIXES = alternation("经济技术开发区 经济开发区 高新技术开发区 开发区 高新区 工业园区 保税区 新区")
# Characters a division's name never contains; they belong to roads, villages and units instead.
NOT_IN_ADMIN_NAMES = "路街道巷弄村镇乡号栋楼室社省市区县旗"
# 区 after these is a part of an estate or a zone (小区, 园区, 开发区 …), not a district.
NOT_DISTRICT_BEFORE_QU = "小园社厂景校片矿营苑作发业场一二三四五六七八九十"
# 市 after these is part of a word (城市, 超市).
NOT_CITY_BEFORE_SHI = "城超菜夜"
# A division followed by these is no division: 坯布市场 is a market, 高新区社区 a community.
NOT_AFTER_DIVISION = "场社"
# After these a province's name starts a road (北京路), not an address.
NOT_PROVINCE_AFTER = "路街道巷大"
# Statistical placeholders in the national code table, not places anyone writes in an address.
NOT_PLACES = frozenset({"市辖区", "市区", "城区", "郊区", "矿区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
DROPPED_SUFFIXES = r"(?:地区|盟|市|县|旗|区)$"  # what people leave out: 温州市 → 温州
PROVINCE_LEVEL_SUFFIXES = r"(?:省|市|区|县)$"
AUTONOMOUS = "自治"  # 延边朝鲜族自治州 goes by its first two characters: 延边

# --- street, community, road ------------------------------------------------------------------------
STREET_SUFFIXES = alternation("街道 镇 乡 合作区")
STREET_OFFICES = alternation("办事处 办")
NOT_AFTER_STREET = "路街道巷"  # 新镇路 is a road, 南头街道 a street, not 南头街
COMMUNITY = "社区"
COMMUNITY_OFFICES = alternation("居委会 居民委员会 工作站")
VILLAGE = "村"
VILLAGE_KINDS = alternation("行政 自然")  # 行政村, 自然村: an administrative or a natural village
VILLAGE_OFFICES = alternation("村民委员会 村委会 民委员会 委会 委")  # 协和村村委会: the 村 may repeat
VILLAGE_OFFICE_SHORT = "部"  # 黄泥坎村部
# 村 after these is an estate (新村) or a road; before these a place (村口).
NOT_VILLAGE_BEFORE_CUN = "新道号"
NOT_VILLAGE_AFTER_CUN = "路街道巷口"
NOT_IN_VILLAGE_NAMES = "道"
# A short name with these is a facility, an estate or a site, not a village written without 村.
NOT_IN_BARE_VILLAGES = "道路街巷区园苑城厦楼站场店厂局院校司馆所寓府湾"
# How natural villages' names end (柴家, 崔梁庄, 许巷, 仙浦, 黄城里, 沈家埭); a short name ending so right
# after a town is a village written without 村 when the address ends there or a number or road follows.
NATURAL_VILLAGE_ENDINGS = "庄家宅岙坞埠浦巷塘桥湾头里畈墩垟洋圩埭泾浜漕坂坪坑寨屯"
# A 社区 followed by these words is a facility of the community (社区健康服务中心), not the community.
COMMUNITY_FACILITIES = alternation("""
    健康 卫生 医院 服务 工作站 党群 党委 居委 警务 文化 活动 养老 长者 图书 食堂 邻里 综合 网格 中心 管理
""")
ROAD_SUFFIXES = alternation("大道 大街 公路 国道 省道 路 街 巷 胡同 一道 二道 三道 四道 五道 六道 七道 八道 九道")
SHORT_ROAD_SUFFIXES = alternation("路 街 大道")
NOT_AFTER_ROAD = "道路区"  # 南头街道 is a street, not the road 南头街; 横街路 one road; 未来街区 an estate
# Between a road's name and its suffix: a direction and a number (朝阳东路, 工业八路, 高新南一道).
ROAD_DIRECTIONS = "东西南北中"
# How housing estates end: a number right after one is a house (上冯新村136号), not a doorplate.
# How markets end: a long number with 号 after one is a stall (a room).
MARKETS = alternation("市场 商城 场")
ESTATE_TAILS = alternation("小区 新村 花园 家园 公寓 苑 里 坊")
# How the gazetteer's names end; what is left without them is how addresses often write them (柴家, 梅墟).
VILLAGE_NAME_SUFFIXES = alternation("村民委员会 居民委员会 村委会 居委会 社区 村")
TOWN_NAME_SUFFIXES = alternation("街道办事处 街道 镇 乡")
# A place's name followed by one of these (within a few characters) names a facility, not the place.
FACILITY_WORDS = alternation("""
    园 工业 开发区 小区 生活区 广场 市场 商城 城 大厦 中心 公寓 苑 居 宾馆 酒店 医院 学校 大学 小学 中学 幼儿园
""")
