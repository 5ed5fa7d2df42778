"""Words and regex fragments the address parser is built from (plain data, no logic).

Patterns are for the Rust ``regex`` engine behind Polars: no look-around and no back-references, so
"not followed by X" is written as a trailing character class the caller only checks, never consumes.
They apply to *cleaned* text (see :mod:`blocklake.address.normalize`): half-width, upper case, no
spaces, Arabic numerals before unit markers and one marker per kind (栋 for buildings, 单元 for
entrances, 楼 for floors).
"""

from __future__ import annotations


def alternation(words: str) -> str:
    """``"省 自治区"`` → ``"(?:自治区|省)"``, longest first so a longer word wins over its prefix."""
    return "(?:" + "|".join(sorted(words.split(), key=len, reverse=True)) + ")"


# --- cleaning -------------------------------------------------------------------------------------
CHINESE_DIGITS = "〇零一二三四五六七八九两"
ARABIC_FOR_CHINESE = "00123456789" + "2"
NUMERAL = f"[{CHINESE_DIGITS}十]"
# Words after which a Chinese numeral is a number (三栋 → 3栋); elsewhere it is part of a name (三墩镇).
NUMBERED_UNITS = alternation("栋楼 号楼 栋 幢 座 撞 号 楼 层 单元 单 室 房 户 组 弄")

# Locator words and fillers that say where, not what (附近, 对面, 楼下 …): removed before parsing.
NOISE_WORDS = alternation("""
    附近 对面 旁边 隔壁 楼下 门口 大门口 路口 交叉口 交汇处 一带 周边 边上 路段 后面 里面 院内 电联 电话联系
    NULL 不详
""")
NOISE_AT_END = alternation("旁 处 侧")
# Anything in brackets is a remark, e.g. （入驻深圳市前海商务秘书有限公司）.
BRACKETED = r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|<[^>]*>|《[^》]*》"
SEPARATORS = r"[\s,，。;；:：、\"'“”‘’`·•_|/\\*~]+"
DASHES = r"[-‐‑–—―−]+"

# Unit markers folded to one spelling each, so later patterns only know one.
BUILDING_MARKERS = alternation("号楼 栋楼 #楼 栋 幢 座 撞 #")
ENTRANCE_MARKERS = alternation("单元 单")
FLOOR_MARKERS = alternation("层 楼 F")
ROOM_MARKERS = alternation("室 房 户 号")

# --- administrative prefix ----------------------------------------------------------------------
PROVINCES = alternation("""
    北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东
    海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门
""")
PROVINCE_SUFFIXES = alternation("省 市 壮族自治区 回族自治区 维吾尔自治区 自治区 特别行政区")
# Characters an administrative name never contains; they start roads, estates and rooms instead.
NOT_IN_ADMIN_NAMES = "路街道巷弄村镇乡号栋楼室社省市区县旗"
# 区 after these is a part of an estate or a zone (小区, 园区, 开发区 …), not a district.
NOT_DISTRICT_BEFORE_QU = "小园社厂景校片矿营苑作发业场"
CITY_SUFFIXES = alternation("自治州 地区 盟")
DISTRICT_SUFFIXES = alternation("县 旗")  # 区 has its own rule (see NOT_DISTRICT_BEFORE_QU)
# 市 after these is a part of a word (城市, 超市), and before 场 a market (坯布市场), not a city.
NOT_CITY_BEFORE_SHI = "城超菜夜"
NOT_CITY_AFTER_SHI = "场社"  # and before 社区 it names a community (高新区社区)
DEV_ZONE_SUFFIXES = alternation("经济技术开发区 经济开发区 高新技术开发区 开发区 高新区 工业园区 保税区 新区")

# --- street, community, road -------------------------------------------------------------------
STREET_SUFFIXES = alternation("街道 镇 乡 合作区")
STREET_OFFICES = alternation("办事处 办")
COMMUNITY_OFFICES = alternation("居委会 居民委员会 工作站")
VILLAGE_OFFICES = alternation("民委员会 委会 委")
# 村 after these is an estate (新村) or a road; before these a place (村口).
NOT_VILLAGE_BEFORE_CUN = "新道号"
NOT_VILLAGE_AFTER_CUN = "路街道巷口"
# A 社区 followed by these words is a facility of the community (社区健康服务中心), not the community.
COMMUNITY_FACILITIES = alternation("""
    健康 卫生 医院 服务 工作站 党群 党委 居委 警务 文化 活动 养老 长者 图书 食堂 邻里 综合 网格 中心 管理
""")
ROAD_SUFFIXES = alternation("大道 大街 公路 国道 省道 路 街 巷 胡同 一道 二道 三道 四道 五道 六道 七道 八道 九道")
# Between a road's name and its suffix: a direction and a number (朝阳东路, 工业八路, 高新南一道).
ROAD_DIRECTIONS = "东西南北中"
# After these a province name starts a road (北京路), not an address.
NOT_PROVINCE_AFTER = "路街道巷大"
# How housing estates end: a number right after one is a house (上冯新村136号), not a doorplate.
ESTATE_TAILS = alternation("小区 新村 花园 家园 公寓 苑 里 坊")
# A lane under a road (同普路1501弄166号): the number after it is the doorplate.
LANE = r"\d+弄"
