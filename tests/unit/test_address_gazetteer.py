"""The national gazetteer behind the parser: towns and villages written without their suffix, taken
only where the address's county or town holds exactly one place of that name; and its derivation."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest

from address import parse_address, vocab
from address.divisions import DIVISIONS_FILE, town_names, village_names
from address.gazetteer_build import GazetteerSourceError, read_tree, village_rows, write_divisions
from address.grammar import PARTS

# (text, the parts that must come out; parts not named must be null). Real forms of the labelled data
# and of the same kind elsewhere; the places are from the gazetteer, not from the parser's word lists.
CASES = [
    # a village written without 村 under its town, and with a doorplate
    ("浙江省宁波市鄞州区姜山镇翻石渡", dict(province="浙江省", city="宁波市", district="鄞州区", street="姜山镇",
                                             community="翻石渡")),
    ("宁波市鄞州区咸祥镇王家88号", dict(city="宁波市", district="鄞州区", street="咸祥镇", community="王家",
                                         roadno="88")),
    # under the county when no town is written; a town renamed or merged still leaves its county
    ("浙江省杭州市桐庐县阳山畈", dict(province="浙江省", city="杭州市", district="桐庐县", community="阳山畈")),
    ("衢州市柯城区姜家山乡柴家", dict(city="衢州市", district="柯城区", street="姜家山乡", community="柴家")),
    # a town written without 街道 right after its county
    ("宁波市鄞州区下应金谷中路", dict(city="宁波市", district="鄞州区", street="下应", road="金谷中路")),
    # a town is followed by its estates and zones; a county split since keeps its prefecture
    ("浙江省杭州市西湖区三墩同仁家园9栋1单元1108室", dict(province="浙江省", city="杭州市", district="西湖区",
                                                          street="三墩", estate="同仁家园", building="9",
                                                          entrance="1", room="1108")),
    ("镇海区庄市工业园B区毓秀路173号", dict(district="镇海区", street="庄市", road="毓秀路", roadno="173",
                                             estate="工业园B区")),
    ("杭州市余杭区临平朝阳东路962号", dict(city="杭州市", district="余杭区", street="临平", road="朝阳东路",
                                           roadno="962")),
    # ... but not an estate or a community named after the town (招商街道, 南头街道)
    ("深圳市南山区招商居1栋501", dict(city="深圳市", district="南山区", estate="招商居", building="1", room="501")),
    ("深圳市南山区南头城社区南山大道13号", dict(city="深圳市", district="南山区", community="南头城社区",
                                                road="南山大道", roadno="13")),
    # refused: 王家 names villages of two towns of 鄞州 (东胜, 咸祥); 翻石渡 is no village of 桐庐; no
    # place named at all; the name begins a road or an estate
    ("宁波市鄞州区王家", dict(city="宁波市", district="鄞州区", estate="王家")),
    ("浙江省杭州市桐庐县翻石渡", dict(province="浙江省", city="杭州市", district="桐庐县", estate="翻石渡")),
    ("翻石渡", dict(estate="翻石渡")),
    ("鄞州区姜山镇翻石渡路5号", dict(district="鄞州区", street="姜山镇", road="翻石渡路", roadno="5")),
    ("鄞州区姜山镇翻石渡小学", dict(district="鄞州区", street="姜山镇", estate="翻石渡小学")),
    ("鄞州区姜山镇翻石渡花园3栋201", dict(district="鄞州区", street="姜山镇", estate="翻石渡花园", building="3",
                                           room="201")),
    ("宁波市鄞州区咸祥镇王家3栋201", dict(city="宁波市", district="鄞州区", street="咸祥镇", estate="王家",
                                           building="3", room="201")),
    # a natural village written out in full
    ("江西省高安市新街镇协塘家自然村151号", dict(province="江西省", district="高安市", street="新街镇",
                                                  community="协塘家自然村", roadno="151")),
]

# Building, entrance, floor and room in the forms the labelled data shows.
UNIT_CASES = [
    ("渡口小区148栋西单元1466室", dict(estate="渡口小区", building="148", entrance="西", room="1466")),
    ("大自然三期11栋C单元1016室", dict(estate="大自然三期", building="11", entrance="C", room="1016")),
    ("商贸路6幢A866", dict(road="商贸路", building="6", entrance="A", room="866")),
    ("原料市场B区814号", dict(estate="原料市场", room="814")),
    ("新坯布市场七楼A区2254", dict(estate="新坯布市场", floor="7", room="2254")),
    ("轻纺市场2楼B区215-216号", dict(estate="轻纺市场", floor="2", room="215-216")),
    ("殿下村B区100号", dict(community="殿下村", roadno="100")),  # in a village: a house, no stall
    ("龙坞工业区9号", dict(estate="龙坞工业区", building="9")),
    ("开发区14号大街71号", dict(road="14号大街", roadno="71")),
    ("聚才路1364号西北侧100米", dict(road="聚才路", roadno="1364", estate="西北")),
    ("金色家园十一幢二单元三楼", dict(estate="金色家园", building="11", entrance="2", floor="3")),
]


@pytest.mark.parametrize(("text", "expected"), CASES + UNIT_CASES, ids=[case[0] for case in CASES + UNIT_CASES])
def test_parse_cases(text: str, expected: dict[str, str]) -> None:
    parsed = parse_address(text)
    assert {part: parsed[part] for part in PARTS} == {part: expected.get(part) for part in PARTS}


def test_gazetteer_names_places_in_full_and_bare() -> None:
    villages, towns = village_names(), town_names()
    in_jiangshan = villages.filter((pl.col("county_bare") == "鄞州") & (pl.col("town_bare") == "姜山"))
    assert {"翻石渡村", "翻石渡"} <= set(in_jiangshan["name"])
    assert villages.height > 1_000_000 and towns.height > 60_000
    # a bare name that would read as a road, an estate or a town of the same county is not offered
    bare = villages.filter(~pl.col("name").str.contains(f"{vocab.VILLAGE_NAME_SUFFIXES}$"))
    assert not bare.is_empty()
    assert bare.filter(pl.col("name").str.contains("(?:路|街|弄|花园|小区)$")).is_empty()
    assert villages.filter((pl.col("county_bare") == "鄞州") & (pl.col("name") == "下应")).is_empty()
    assert not towns.filter((pl.col("county_bare") == "鄞州") & (pl.col("name") == "下应")).is_empty()


def test_committed_gazetteer_stays_small() -> None:
    assert DIVISIONS_FILE.stat().st_size < 3 * 2**20


TREE = "\r\n".join([
    "浙江省\t330000\t浙江",
    "\t宁波市\t330200\t宁波",
    "\t\t鄞州区\t330212\t鄞州",
    "\t\t\t姜山镇",
    "\t\t\t\t翻石渡村",
    "\t\t\t\t曙光村",
    "\t\t\t咸祥镇",
    "\t\t\t\t王家村",
    "台湾省\t710000\t台湾",
    "\t台北市",
    "\t\t中正区",
    "\t\t\t某里",
    "\t\t\t\t某村",
])


def _wheel(tmp_path: Path, tree: str) -> Path:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as dictionary:
        dictionary.writestr("china_location.txt", tree)
    wheel = tmp_path / "jionlp-1.5.31-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as outer:
        outer.writestr("jionlp/dictionary/china_location.zip", inner.getvalue())
    return wheel


def test_build_flattens_the_tree_and_leaves_out_uncoded_counties(tmp_path: Path) -> None:
    rows = list(village_rows(read_tree(_wheel(tmp_path, TREE))))
    assert rows == [
        ("330212", "浙江省", "宁波市", "鄞州区", "姜山镇", "翻石渡村"),
        ("330212", "浙江省", "宁波市", "鄞州区", "姜山镇", "曙光村"),
        ("330212", "浙江省", "宁波市", "鄞州区", "咸祥镇", "王家村"),
    ]
    target = tmp_path / "divisions.tsv.xz"
    assert write_divisions(_wheel(tmp_path, TREE), target) == 3


def test_build_refuses_what_is_no_jionlp_dictionary(tmp_path: Path) -> None:
    with pytest.raises(GazetteerSourceError, match="pip download"):
        read_tree(tmp_path / "missing.whl")
    other = tmp_path / "other.whl"
    with zipfile.ZipFile(other, "w") as wheel:
        wheel.writestr("something/else.txt", "")
    with pytest.raises(GazetteerSourceError, match="china_location"):
        read_tree(other)
    with pytest.raises(GazetteerSourceError, match="line 2"):
        list(village_rows(["浙江省\t330000\t浙江", "\t\t\t\t\t太深"]))
