"""The address matcher: a small hand-made plate with the hard cases, and the tiny synthetic district."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from address import BasePlate, PlateError, match_addresses, parse_addresses
from address.evaluate import synthetic_scores
from address.match import RESULT_COLUMNS
from synthetic import GenerateConfig, generate

KEJI = "440305007003"  # 粤海街道 科技园社区
DENGLIANG = "440305002006"  # 南山街道 登良社区
HAIYUN_1, HAIYUN_2 = f"{KEJI}0010001", f"{KEJI}0010002"  # 海韵嘉园 1栋, 2栋
MINGYUAN_1, MINGYUAN_2 = f"{DENGLIANG}0010001", f"{DENGLIANG}0010002"  # 海韵名苑 1栋, 2栋 (alias 海韵花园 too)
BIHAI_1 = f"{DENGLIANG}0010003"  # 碧海花园 1栋: the same number as 海韵嘉园 1栋
KEXING = f"{KEJI}0020001"  # 科兴大厦, standing alone on 科苑路120号
KEYUAN_130 = f"{KEJI}0020002"  # an unnamed building at 科苑路130号


@pytest.fixture(scope="module")
def plate() -> BasePlate:
    estates = pl.DataFrame(
        {
            "estate_id": ["E1", "E2", "E3"],
            "estate_name": ["海韵嘉园", "海韵名苑", "碧海花园"],
            "alias_names": ["海韵花园,海韵", "海韵花园", ""],
            "community_code": [KEJI, DENGLIANG, DENGLIANG],
            "road_name": ["科苑路", "登良路", "登良路"],
        }
    )
    buildings = pl.DataFrame(
        {
            "building_code": [HAIYUN_1, HAIYUN_2, MINGYUAN_1, MINGYUAN_2, BIHAI_1, KEXING, KEYUAN_130],
            "building_name": ["海韵嘉园1栋", "海韵嘉园2栋", "海韵名苑1栋", "海韵名苑2栋", "碧海花园1栋", "科兴大厦",
                              "科苑路130号"],
            "estate_id": ["E1", "E1", "E2", "E2", "E3", None, None],
            "road_name": ["科苑路", "科苑路", "登良路", "登良路", "登良路", "科苑路", "科苑路"],
            "door_no": ["100号", "100号", "20号", "20号", "36号", "120号", "130号"],
            "community_code": [KEJI, KEJI, DENGLIANG, DENGLIANG, DENGLIANG, KEJI, KEJI],
        }
    )
    rooms = {HAIYUN_1: ["101", "102", "201"], HAIYUN_2: ["101", "102"], MINGYUAN_1: ["101"], MINGYUAN_2: ["101"],
             BIHAI_1: ["101", "302"], KEXING: ["1201", "1202"], KEYUAN_130: ["101", "510"]}
    units = pl.DataFrame(
        [{"unit_code": f"{b}{int(r) // 100:02d}{int(r) % 100:02d}", "building_code": b, "room_no": r}
         for b, rs in rooms.items() for r in rs]
    )
    doorplates = buildings.select("road_name", "door_no", "building_code")
    return BasePlate.from_frames(estates, buildings, units, doorplates)


def match_one(text: str, plate: BasePlate) -> dict[str, object]:
    return match_addresses(parse_addresses(pl.Series([text])), plate).row(0, named=True)


def unit(building: str, room: str) -> str:
    return f"{building}{int(room) // 100:02d}{int(room) % 100:02d}"


@pytest.mark.parametrize(
    ("text", "unit_code", "building_code", "method"),
    [
        ("深圳市南山区科苑路100号海韵嘉园1栋101", unit(HAIYUN_1, "101"), HAIYUN_1, "exact_doorplate_room"),
        ("海韵嘉园二栋102室", unit(HAIYUN_2, "102"), HAIYUN_2, "exact_estate_building_room"),
        ("碧海花园1栋302", unit(BIHAI_1, "302"), BIHAI_1, "exact_estate_building_room"),
        ("碧海花园1栋101", unit(BIHAI_1, "101"), BIHAI_1, "exact_estate_building_room"),
        ("南山区海韵1栋201", unit(HAIYUN_1, "201"), HAIYUN_1, "alias_estate_building_room"),
        ("海韵嘉圆1栋102", unit(HAIYUN_1, "102"), HAIYUN_1, "fuzzy_estate_building_room"),
        ("科苑路120号科兴大厦1202室", unit(KEXING, "1202"), KEXING, "exact_doorplate_room"),
        ("科苑路130号5-10", unit(KEYUAN_130, "510"), KEYUAN_130, "exact_doorplate_room"),
    ],
)
def test_unit_matches(plate: BasePlate, text: str, unit_code: str, building_code: str, method: str) -> None:
    result = match_one(text, plate)
    assert (result["unit_code"], result["building_code"], result["method"]) == (unit_code, building_code, method)
    assert result["needs_review"] is False
    assert 0.8 <= result["confidence"] <= 1.0


def test_alias_shared_by_two_estates_needs_the_community(plate: BasePlate) -> None:
    assert match_one("海韵花园2栋101", plate)["method"] == "ambiguous"
    resolved = match_one("南山区粤海街道科技园社区海韵花园2栋101", plate)
    assert resolved["unit_code"] == unit(HAIYUN_2, "101")
    assert match_one("南山街道登良社区海韵花园2栋101室", plate)["unit_code"] == unit(MINGYUAN_2, "101")


def test_typo_close_to_two_names_is_not_trusted(plate: BasePlate) -> None:
    # 海韵佳园 is one character from 海韵嘉园 and from the alias 海韵花园 of two estates.
    result = match_one("海韵佳园1栋102", plate)
    assert (result["unit_code"], result["needs_review"]) == (None, True)


def test_room_decides_between_estates_sharing_an_alias(plate: BasePlate) -> None:
    result = match_one("海韵花园1栋201", plate)  # only 海韵嘉园 1栋 has a room 201
    assert result["unit_code"] == unit(HAIYUN_1, "201")
    assert result["confidence"] < match_one("海韵嘉园1栋201", plate)["confidence"]


def test_building_only(plate: BasePlate) -> None:
    named = match_one("南山区科兴大厦", plate)
    assert (named["unit_code"], named["building_code"], named["needs_review"]) == (None, KEXING, False)
    assert named["method"] == "exact_building_name_building_only"
    door = match_one("科苑路130号", plate)
    assert (door["building_code"], door["method"]) == (KEYUAN_130, "exact_doorplate_building_only")


def test_room_the_building_lacks_gives_the_building_for_review(plate: BasePlate) -> None:
    result = match_one("海韵嘉园1栋909", plate)
    assert (result["unit_code"], result["building_code"]) == (None, HAIYUN_1)
    assert result["needs_review"] is True
    assert result["method"] == "exact_estate_building_room_not_in_plate"


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("海韵嘉园7栋101", "unknown_building"),  # the estate has no building 7
        ("科苑路999号101室", "unknown_doorplate"),
        ("科苑路999号海韵嘉园1栋101", "unknown_doorplate"),  # a doorplate that does not exist voids the rest
        ("科苑路100号碧海花园1栋101", "conflict"),  # doorplate of one estate, name of another
        ("登良社区海韵嘉园1栋101", "outside_named_division"),
        ("海韵嘉园1栋", "exact_estate_building_building_only"),
        ("海韵嘉园101", "ambiguous"),  # no building number in a two-building estate
        ("南山区月亮湾花园3栋101", "unknown_estate"),
    ],
)
def test_doubtful_addresses_get_no_unit(plate: BasePlate, text: str, method: str) -> None:
    result = match_one(text, plate)
    assert result["method"] == method
    assert result["unit_code"] is None
    if method != "exact_estate_building_building_only":
        assert result["building_code"] is None
        assert result["needs_review"] is True


def test_addresses_elsewhere_are_not_reviewed(plate: BasePlate) -> None:
    for text in ("湖南省衡阳市衡阳县西渡镇梅花村3组12号", "深圳市福田区深南大道100号"):
        result = match_one(text, plate)
        assert (result["method"], result["needs_review"], result["building_code"]) == ("outside_district", False, None)
    assert match_one("", plate)["method"] == "no_address"


def test_result_is_row_aligned(plate: BasePlate) -> None:
    texts = pl.Series(["海韵嘉园1栋101", None, "碧海花园1栋302", "湖南省长沙市", "科苑路130号"])
    result = match_addresses(parse_addresses(texts), plate)
    assert result.columns == list(RESULT_COLUMNS)
    assert result["building_code"].to_list() == [HAIYUN_1, None, BIHAI_1, None, KEYUAN_130]


def test_plate_needs_its_columns() -> None:
    estates = pl.DataFrame({"estate_id": ["E1"], "estate_name": ["海韵嘉园"]})
    with pytest.raises(PlateError, match="alias_names"):
        BasePlate.from_frames(estates, pl.DataFrame(), pl.DataFrame(), pl.DataFrame())
    with pytest.raises(PlateError):
        BasePlate.from_sqlite(Path("/nonexistent/natres.sqlite"))


@pytest.fixture(scope="module")
def tiny_district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("tiny")
    generate(GenerateConfig(out_dir=out_dir, scale="tiny", seed=440305))
    return out_dir


def test_tiny_synthetic_district(tiny_district: Path) -> None:
    truth = pl.read_parquet(tiny_district / "_truth" / "address_truth.parquet")
    plate = BasePlate.from_sqlite(tiny_district / "natres.sqlite")
    scores = synthetic_scores(truth, match_addresses(parse_addresses(truth["address_text"]), plate))
    assert scores["match_precision"] >= 0.995
    assert scores["unit_match_rate"] >= 0.97
    assert scores["building_match_rate"] >= 0.95
