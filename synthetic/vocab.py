"""Word lists the generator draws from: names, roads, estates, companies, typos.

Plain data only. Everything here must encode in GBK, because the education department exports GBK
files; ``tests/unit/test_synthetic.py`` checks that.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _weighted(text: str) -> tuple[tuple[str, int], ...]:
    """``"440305:40 440304:15"`` → ``(("440305", 40), ("440304", 15))``."""
    return tuple((code, int(weight)) for code, weight in (item.split(":") for item in text.split()))


# Most common surnames, ordered roughly by frequency in Guangdong; weights fall off with rank.
SURNAMES: tuple[str, ...] = tuple(
    "陈李黄张梁林刘吴罗杨郑何周谢王钟邓曾赵徐朱冯胡叶彭蔡潘许郭苏卢蒋肖余杜魏庄丁马孙"
    "高袁邱方谭廖宋唐韩曹沈江姚程石汤欧温赖熊戴龚严黎董付邹雷范夏易孔田贺毛康白崔覃尹"
    "汪"
)
COMPOUND_SURNAMES = _words("欧阳 司徒 上官 诸葛 司马")
MALE_GIVEN: tuple[str, ...] = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志文海峰亮成东晨睿轩博泽宏昊天嘉铭豪逸航"
)
FEMALE_GIVEN: tuple[str, ...] = tuple(
    "芳娜敏静丽艳娟霞秀玲燕婷雪慧莹琳晶颖倩洁欣悦梦雨涵琪佳怡萱馨妍思诗梓可晓蕾薇彤月玉红梅兰凤"
)
# Uyghur-style names keep the middle dot that trips naive name normalisation.
DOTTED_NAMES = _words("买买提·艾力 阿依古丽·吐尔逊 艾尔肯·买买提 热依拉·阿不都 古丽娜尔·艾山 努尔兰·沙吾提")

# Same-sounding characters (right, wrong): typos in addresses and near-duplicate person names.
HOMOPHONES: dict[str, str] = {
    pair[0]: pair[1]
    for pair in _words("""
    园圆 苑院 嘉佳 湾弯 庭廷 峰锋 景境 华化 丽莉 湖胡 桃陶 雅亚 锦金 翠萃 荔莉 韵运 伟玮
    明铭 静婧 军君 涛韬 红虹 芳方 玲琳 杰洁 斌彬 辉晖 鹏朋 燕艳 霞侠 海亥 科可
""")
}

MOBILE_PREFIXES: tuple[int, ...] = tuple(
    int(prefix)
    for prefix in _words("""
    130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157
    158 159 166 176 177 180 181 182 183 185 186 187 188 189 191 198 199
""")
)

# Roads per street (by the street's 3-digit code), real Nanshan road names.
STREET_ROADS: dict[str, tuple[str, ...]] = {
    "001": _words("深南大道 南山大道 中山园路 南头街 前海路 麒麟路 桃园路"),
    "002": _words("南山大道 南新路 登良路 南海大道 东滨路 南光路 学府路"),
    "003": _words("沙河西路 白石路 深南大道 侨香路 香山西街"),
    "005": _words("蛇口新街 工业八路 望海路 兴华路 南海大道 东滨路 湾厦路"),
    "006": _words("招商路 太子路 沿山路 望海路 工业六路 兴华路"),
    "007": _words("科苑路 高新南一道 学府路 后海大道 创业路 海德三道 深南大道"),
    "008": _words("龙珠大道 留仙大道 沙河西路 丽山路 平山一路 桃园路"),
    "009": _words("西丽路 留仙大道 茶光路 沙河西路 打石一路 松白路 丽水路"),
    "400": _words("前海路 梦海大道 前湾一路 桂湾五路 听海大道 临海大道"),
}

ESTATE_HEADS = _words("""
    海韵 阳光 碧海 桃源 蔚蓝 翠林 荔苑 星海 锦绣 华侨 半岛 鼎太 缤纷 雅居 怡海
    兰亭 龙城 南海 金色 银湖 东方 信和 泰然 后海 深湾 港湾 绿景 万象 海岸 美丽
    中兴 花果 丽山 松坪 西海 湾厦 前海 学府 香山 海月 名仕 四海 蓝湾 天利 大冲
    招商 兴海 鸿瑞 嘉华 金海 水湾 太子 世纪 中海 御景 保利 枫叶 明舍 悦府 雍景
""")
ESTATE_TAILS = _words("""
    嘉园 花园 名苑 公馆 华府 山庄 雅居 新村 家园 苑 阁 小区 豪庭 广场 湾 城 雅苑 台 居 府
""")
# When the head x tail space runs out at large scales, estates get a phase suffix.
ESTATE_PHASES: tuple[str, ...] = ("", "二期", "三期", "四期", "东区", "西区", "南区", "北区")
# Typical alias forms: estates are known by an older name with a different tail.
ALIAS_TAILS = _words("花园 小区 新村 家园 苑")

OFFICE_HEADS = _words("""
    创维 科兴 海岸 卓越 华润 航天 中兴 迅雷 汇景 招商 金融 科技 中航 南山 太子
    蔚蓝 海王 赛格 大冲 泰邦 软件 数码 源兴 方大 深圳湾 前海 嘉里 鸿荣 讯美 南油
    创业 智汇 宝能 粤海 华联 振业 天利 生态
""")
OFFICE_TAILS = _words("""
    大厦 中心 广场 科技园 工业大厦 商务中心 创新园
""")

BRANDS = _words("""
    鼎盛 华信 宏达 腾飞 金辉 众恒 汇通 瑞丰 博远 凯德 启航 新锐 智联 云图 星河
    海纳 蓝湾 前沿 和谐 恒泰 聚力 嘉禾 天成 万通 华兴 龙腾 正源 盛世 鑫源 永泰
    创新 远航 弘毅 德润 卓远 锐进 中鼎 优品 安捷 易达 佳美 鹏程 乐活 青禾 源码
    数智 极光 凌云 东方 南粤 深蓝 海川 木石 立信 同创 博纳 星辰 锦程 致远 光华
    信达 泰和 晶科 微芯 云海 康宁 丰收 美嘉 润泽 中科 思创 迈腾 盈科 华睿 国信
    合众 天弘 中安 易捷 银河 飞扬 格林 领航 精工 维特 柏盛 宏图 金桥 瀚海 泓源
    弘盛 新元 君和 广联 嘉信 元亨 利丰 骏马 长青 鸿运 九州 四方 三和 百川 千禧
    万家 一品 双赢 大道 小满 未来 星火 灵动 蓝图 红杉 白鹭 青松 紫荆 金穗 银杏
    铭泰 晟达 昊天 睿智 恒信 诚达 志远 兆丰 鼎新 亿达
""")
INDUSTRIES = _words("""
    科技 网络科技 信息技术 电子 贸易 投资 咨询 物业管理 餐饮管理 建筑工程 供应链管理 文化传媒 教育科技
    医疗器械 商务服务 智能科技 实业 物流 新能源 生物科技 软件 设计 企业管理 广告 电子商务
""")
SHOP_KINDS = _words("""
    便利店 餐饮店 五金店 美发店 水果店 茶叶店 服装店 小吃店 烟酒店 洗衣店 花店 眼镜店 手机维修店 面馆 粮油店
""")

TOWNS = _words("城关 西渡 长乐 新塘 石桥 白沙 黄田 龙口 太平 青山 河口 大坪")
VILLAGES = _words("梅花 新屋 上坪 下洞 大塘 高岭 竹园 东岗 水口 中心 合江 枫树")

# County-level region codes that appear in resident IDs, with a relative weight. Names and the years
# each code was in use come from python-stdnum's region database (see regions.py).
LOCAL_REGIONS = _weighted("""
    440305:40 440304:15 440303:12 440306:12 440307:10 440308:2 440300:4
""")
OTHER_REGIONS = _weighted("""
    441521:6 441581:4 445281:6 445122:3 441424:4 441481:3 440823:3 440881:3 441225:2
    441302:3 441322:2 445202:3 441402:3 440604:2 430421:5 430521:4 431021:3 430681:3
    431122:2 430482:3 430981:2 360731:4 360733:2 360429:2 360124:2 420111:3 421182:3
    421281:2 450102:3 450881:4 450921:3 510104:2 511623:3 511025:2 410102:2 411422:3
    411527:2 350582:3 350181:2 230102:1 610113:1 520102:1
""") + _weighted(
    # Codes valid for every birth year, so people born before 1983 get a valid region too.
    """
    430121:4 430321:3 360121:3 350121:2 510121:2 510321:2 610323:1
"""
)
