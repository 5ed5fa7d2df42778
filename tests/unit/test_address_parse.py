"""The address parser: the ways departments write addresses, and F1 on hand-labelled real addresses."""

from __future__ import annotations

import polars as pl
import pytest

from address import parse_address, parse_addresses
from address.evaluate import LABELLED_FILE, LabelledDataError, half, read_labelled, real_f1
from address.grammar import PARTS

TARGET_F1 = 0.90
TARGET_PARTS = ("street", "community", "road", "roadno", "building", "entrance", "room")

# (text, the parts that must come out; parts not named must be null)
CASES = [
    # the standard form and its prefixes
    (
        "广东省深圳市南山区粤海街道创业路社区海德三道27号名仕新村2栋208房",
        dict(province="广东省", city="深圳市", district="南山区", street="粤海街道", community="创业路社区",
             road="海德三道", roadno="27", estate="名仕新村", building="2", room="208"),
    ),
    ("深圳市南山区南山大道295号深圳湾大厦506", dict(city="深圳市", district="南山区", road="南山大道", roadno="295",
                                                 estate="深圳湾大厦", room="506")),
    ("南山区世纪名苑1栋603", dict(district="南山区", estate="世纪名苑", building="1", room="603")),
    ("世纪名苑1栋603", dict(estate="世纪名苑", building="1", room="603")),
    # building markers: 栋 座 号楼 幢 栋楼 #
    ("海韵嘉园3座1202", dict(estate="海韵嘉园", building="3", room="1202")),
    ("海韵嘉园3号楼1202", dict(estate="海韵嘉园", building="3", room="1202")),
    ("海韵嘉园3幢1202", dict(estate="海韵嘉园", building="3", room="1202")),
    ("海韵嘉园3栋楼1202", dict(estate="海韵嘉园", building="3", room="1202")),
    ("海韵嘉园A座1202", dict(estate="海韵嘉园", building="A", room="1202")),
    ("海韵嘉园B2栋1202", dict(estate="海韵嘉园", building="B2", room="1202")),
    # Chinese numerals become digits where they are numbers, not in names
    ("海韵嘉园三栋十二楼02", dict(estate="海韵嘉园", building="3", floor="12", room="1202")),
    ("海韵嘉园十一号楼二〇二室", dict(estate="海韵嘉园", building="11", room="202")),
    ("海韵嘉园二十二栋501", dict(estate="海韵嘉园", building="22", room="501")),
    ("三墩镇五组12号", dict(street="三墩镇", road="5组", roadno="12")),
    # rooms: 1202室 / 12楼02 / 12-02 / 1202 / 1202房
    ("海韵嘉园3栋1202室", dict(estate="海韵嘉园", building="3", room="1202")),
    ("海韵嘉园3栋12楼02", dict(estate="海韵嘉园", building="3", floor="12", room="1202")),
    ("海韵嘉园3栋12-02", dict(estate="海韵嘉园", building="3", floor="12", room="1202")),
    ("海韵嘉园3栋7-03", dict(estate="海韵嘉园", building="3", floor="7", room="703")),
    ("海韵嘉园3栋1202房", dict(estate="海韵嘉园", building="3", room="1202")),
    # floors: 12楼 / 12层 / 12F, negative floors
    ("科兴大厦12层", dict(estate="科兴大厦", floor="12")),
    ("科兴大厦12F", dict(estate="科兴大厦", floor="12")),
    ("科兴大厦F12", dict(estate="科兴大厦", floor="12")),
    ("庆春银泰负三楼", dict(estate="庆春银泰", floor="-3")),
    # entrances: 单元, dash triples
    ("学府家园95幢3单元901", dict(estate="学府家园", building="95", entrance="3", room="901")),
    ("明月嘉苑10幢一单元570", dict(estate="明月嘉苑", building="10", entrance="1", room="570")),
    ("明月嘉苑10栋2门501", dict(estate="明月嘉苑", building="10", entrance="2", room="501")),
    ("流星花园8-10-1109", dict(estate="流星花园", building="8", entrance="10", room="1109")),
    ("晨光路18号6-B-702", dict(road="晨光路", roadno="18", building="6", entrance="B", room="702")),
    ("春江景园91-1846", dict(estate="春江景园", building="91", room="1846")),
    # full-width characters and spaces
    ("深圳市南山区高新南一道２０４号１栋３０２", dict(city="深圳市", district="南山区", road="高新南一道", roadno="204",
                                                   building="1", room="302")),
    ("南山区 粤海街道 深南大道1009号 303", dict(district="南山区", street="粤海街道", road="深南大道", roadno="1009",
                                              room="303")),
    ("南山区世纪名苑１座５０１", dict(district="南山区", estate="世纪名苑", building="1", room="501")),
    # noise words and remarks
    ("南山区沙河街道名仕小区1栋楼下", dict(district="南山区", street="沙河街道", estate="名仕小区", building="1")),
    ("工业八路63号迅雷工业大厦门口", dict(road="工业八路", roadno="63", estate="迅雷工业大厦")),
    ("南山区西丽街道留仙大道159号对面", dict(district="南山区", street="西丽街道", road="留仙大道", roadno="159")),
    ("南新路285号讯美工业大厦旁", dict(road="南新路", roadno="285", estate="讯美工业大厦")),
    ("南山大道153号海岸中心附近", dict(road="南山大道", roadno="153", estate="海岸中心")),
    ("南山大道295号深圳湾大厦506（入驻深圳市前海商务秘书有限公司）",
     dict(road="南山大道", roadno="295", estate="深圳湾大厦", room="506")),
    # streets and communities
    ("南山区前海合作区听海大道232号110室", dict(district="南山区", street="前海合作区", road="听海大道", roadno="232",
                                               room="110")),
    ("南头街道红花园社区南山大道153号", dict(street="南头街道", community="红花园社区", road="南山大道", roadno="153")),
    ("南头街道红花园社区居委会南山大道153号", dict(street="南头街道", community="红花园社区", road="南山大道",
                                                 roadno="153")),
    ("南头街道红花园社区健康服务中心", dict(street="南头街道", estate="红花园社区健康服务中心")),
    ("方岩镇下宅村万里公路832弄125号", dict(street="方岩镇", community="下宅村", road="万里公路", roadno="125")),
    ("南头街42号", dict(road="南头街", roadno="42")),  # a road named like the street 南头街道
    # other provinces and bare city names
    ("广东省惠州市博罗县长乐镇竹园村5组7号", dict(province="广东省", city="惠州市", district="博罗县", street="长乐镇",
                                                community="竹园村", road="5组", roadno="7")),
    ("温州苍南县龙港镇环城路1285号", dict(city="温州", district="苍南县", street="龙港镇", road="环城路",
                                          roadno="1285")),
    ("浙江省宁波市慈溪市宁波市慈溪市浒山街道东山路", dict(province="浙江省", city="宁波市", district="慈溪市",
                                                       street="浒山街道", road="东山路")),
    ("北京路翠竹园小区11栋1016室", dict(road="北京路", estate="翠竹园小区", building="11", room="1016")),
    # villages written without 村 right after a town; a second town eaten
    ("青田镇王宅东山南路18号", dict(street="青田镇", community="王宅", road="东山南路", roadno="18")),
    ("新桥镇周家埭58号", dict(street="新桥镇", community="周家埭", roadno="58")),
    ("马迹镇龙溪乡百花村3组", dict(street="马迹镇", community="百花村", road="3组")),
    # ranges, letters on rooms, 一 as a dash, market stalls (anno-cn: houseno / cellno / roomno)
    ("光明路239-243号", dict(road="光明路", roadno="239-243")),
    ("文化路86-12号", dict(road="文化路", roadno="86", building="12")),  # decreasing: no range
    ("人民路附8号3楼", dict(road="人民路", roadno="附8", floor="3")),  # 附8号: a house added beside 8号
    ("南湖区锦绣社区18-1206", dict(district="南湖区", community="锦绣社区", building="18", room="1206")),
    ("通和路18-126", dict(road="通和路", roadno="18-126")),
    ("建设路572-318号", dict(road="建设路", roadno="572", building="318")),
    ("华庭大厦605-606室", dict(estate="华庭大厦", room="605-606")),
    ("登云路88号8A1071", dict(road="登云路", roadno="88", building="8A", room="1071")),
    ("华庭大厦B-1205室", dict(estate="华庭大厦", building="B", room="1205")),
    ("华庭国际B3", dict(estate="华庭国际", building="B3")),
    ("永安小区12一7一944", dict(estate="永安小区", building="12", entrance="7", room="944")),
    ("小商品市场2833号", dict(estate="小商品市场", room="2833")),
    # numbered parts of estates: no district, a house in them unless in a village
    ("翠苑一区12幢3单元402室", dict(estate="翠苑一区", building="12", entrance="3", room="402")),
    ("马桥街道柏仕小区三区150号", dict(street="马桥街道", estate="柏仕小区三区", building="150")),
    ("路南街道肖谢村三区92号", dict(street="路南街道", community="肖谢村", roadno="92", estate="三区")),
    ("金色家园18号3单元301", dict(estate="金色家园", building="18", entrance="3", room="301")),
    ("双益小区2-6-5-1187", dict(estate="双益小区", building="2", entrance="6", floor="5", room="1187")),
    ("西湖人家二栋13组团739", dict(estate="西湖人家", building="2", room="739")),
    ("阳光花园A11栋3梯692", dict(estate="阳光花园", building="A11", entrance="3", room="692")),
    # villages: under a town despite building numbers, with groups, after an industrial zone
    ("丽岙镇曹建村10栋41号", dict(street="丽岙镇", community="曹建村", building="10", entrance="41")),
    ("王升塘村114栋7单元", dict(estate="王升塘村", building="114", entrance="7")),
    ("邵营镇大鹿行政村", dict(street="邵营镇", community="大鹿行政村")),
    ("靖江镇协和村村委会", dict(street="靖江镇", community="协和村")),  # the office repeats 村
    ("宁围镇宁新村5组88号", dict(street="宁围镇", community="宁新村", road="5组", roadno="88")),
    ("和睦桥12组", dict(community="和睦桥", road="12组")),
    ("永康市长城工业区陈园村10号", dict(district="永康市", community="陈园村", roadno="10")),
    # a natural village's name without 村 right after a town, closing the address or before its own road;
    # not when a direction makes it the start of a road, nor right after a county
    ("河南省周口市太康县王集乡周堂庄", dict(province="河南省", city="周口市", district="太康县", street="王集乡",
                                             community="周堂庄")),
    ("黄岩区北城街道沈家埭", dict(district="黄岩区", street="北城街道", community="沈家埭")),
    ("新仓镇杨家埭27号2楼", dict(street="新仓镇", community="杨家埭", roadno="27", floor="2")),
    ("新塍镇陈巷纺织路8号", dict(street="新塍镇", community="陈巷", road="纺织路", roadno="8")),
    ("上望镇蔡宅东路206号", dict(street="上望镇", road="蔡宅东路", roadno="206")),
    ("潘桥镇林桥头西路11号", dict(street="潘桥镇", road="林桥头西路", roadno="11")),
    ("吴兴区织里镇大港路91号", dict(district="吴兴区", street="织里镇", road="大港路", roadno="91")),
    # a town named after its county, the county not written (镇康 is a county too)
    ("东光镇幸福小区2栋3单元501", dict(street="东光镇", estate="幸福小区", building="2", entrance="3", room="501")),
    ("芷江镇和平路12号", dict(street="芷江镇", road="和平路", roadno="12")),
    # the divisions written again after the town
    ("北京市房山区琉璃河镇北京市房山区琉璃河镇南洛村", dict(province="北京市", district="房山区", street="琉璃河镇",
                                                          community="南洛村")),
    ("柳泉乡安徽省宿州市埇桥区柳泉乡高庄村8号", dict(street="柳泉乡", community="高庄村", roadno="8")),
    ("清华镇江西省上饶市婺源县清华镇", dict(street="清华镇")),
    # a road suffix inside a longer name: 横街路 is one road, 未来街区 an estate
    ("塘下镇场桥横街路166号", dict(street="塘下镇", community="场桥", road="横街路", roadno="166")),
    ("南苑街道郎诗未来街区5幢4单元2234室", dict(street="南苑街道", estate="郎诗未来街区", building="5", entrance="4",
                                               room="2234")),
    # doorplates with a second number
    ("黎明西路1-16号东方花苑A幢1031室", dict(road="黎明西路", roadno="1-16", estate="东方花苑", building="A",
                                             room="1031")),
    ("胜山大道1449号-6", dict(road="胜山大道", roadno="1449", building="6")),
    # gates, warehouses, aisles and tenants are no units
    ("国际商贸城四区75号门10楼7街41234", dict(estate="国际商贸城四区", entrance="7街", floor="10", room="41234")),
    ("国际商贸城9楼4537四街", dict(estate="国际商贸城", entrance="四街", floor="9", room="4537")),
    ("玉树路1987号5号库", dict(road="玉树路", roadno="1987")),
    ("听潮路39号1号仓库", dict(road="听潮路", roadno="39")),
    ("赛格苑C座9楼雅悦宾馆730", dict(estate="赛格苑", building="C", floor="9", room="730")),
    ("丰华企业13号楼驿淘6670室", dict(estate="丰华企业", building="13", room="6670")),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[case[0] for case in CASES])
def test_parse_cases(text: str, expected: dict[str, str]) -> None:
    parsed = parse_address(text)
    assert {part: parsed[part] for part in PARTS} == {part: expected.get(part) for part in PARTS}


def test_parse_addresses_is_vectorised_and_keeps_rows() -> None:
    texts = pl.Series(["南山区世纪名苑1栋603", None, "", "深南大道1009号303"])
    parsed = parse_addresses(texts)
    assert parsed.height == 4
    assert parsed.columns == [*PARTS, "normalized"]
    assert parsed["building"].to_list() == ["1", None, None, None]
    assert parsed["room"].to_list() == ["603", None, None, "303"]
    assert parsed.row(1, named=True) == dict.fromkeys([*PARTS, "normalized"])


def test_normalized_text_is_clean() -> None:
    parsed = parse_address("南山区 世纪名苑 三号楼 １２层０２（东门）附近")
    assert parsed["normalized"] == "南山区世纪名苑3栋12楼02"


def test_parse_address_equals_the_column_version() -> None:
    text = "南山区沙河街道金色1栋1-02"
    assert parse_address(text) == parse_addresses(pl.Series([text])).row(0, named=True)


def test_missing_labelled_file_is_an_error(tmp_path) -> None:
    with pytest.raises(LabelledDataError):
        read_labelled(tmp_path / "nothing.txt")


@pytest.fixture(scope="module")
def labelled() -> pl.DataFrame:
    # Reads the shared reference data in place (not shipped with the package); must be there.
    return read_labelled(LABELLED_FILE)


def test_labelled_file_reads_as_addresses(labelled: pl.DataFrame) -> None:
    assert labelled.height == 2015
    first = labelled.row(1, named=True)
    assert first["text"] == "金华永康市方岩镇下宅村万里公路832弄125号"
    assert (first["street"], first["community"], first["road"]) == ("方岩镇", "下宅村", "万里公路")


def test_tune_and_check_halves_split_the_addresses_by_index(labelled: pl.DataFrame) -> None:
    tune, check = half(labelled, "tune"), half(labelled, "check")
    assert tune.height + check.height == labelled.height
    assert (tune["address"] % 2 == 0).all() and (check["address"] % 2 == 1).all()
    with pytest.raises(LabelledDataError, match="unknown half"):
        half(labelled, "held_out")


# The target is F1 >= 0.90 for every part (TARGET_F1, reported by `make bench` in address.json);
# these floors are what the parser reaches today on the held-out addresses, so a change that makes it
# worse fails here. Raise them as the parser improves; street and road already meet the target.
HELD_OUT_FLOORS = {"street": 0.915, "community": 0.805, "road": 0.925, "roadno": 0.915, "building": 0.88,
                   "entrance": 0.89, "room": 0.89}


def test_real_addresses_f1_does_not_regress(labelled: pl.DataFrame) -> None:
    scores = real_f1(labelled)["held_out"]
    below = {part: round(scores[part], 3) for part, floor in HELD_OUT_FLOORS.items() if scores[part] < floor}
    assert not below, f"parts fell below their floors on held-out labelled addresses: {below}"
    assert set(HELD_OUT_FLOORS) == set(TARGET_PARTS)
