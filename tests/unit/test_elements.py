"""The element detector on samples of each kind, written the ways departments write them, and on
look-alikes that are something else (grid codes are not legacy IDs, counts are not codes)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from blocklake.elements import detect

TODAY = date(2026, 10, 31)
RNG = random.Random(3)


def resident_ids(count: int) -> list[str]:
    ids = []
    for _ in range(count):
        born = date(1940, 1, 1) + timedelta(days=RNG.randrange(25_000))
        body = f"{RNG.choice(['440305', '110105', '510321', '430121'])}{born:%Y%m%d}{RNG.randrange(1000):03d}"
        ids.append(body + ric.calc_check_digit(body + "?"))
    return ids


def dates(count: int, written: str) -> list[str]:
    return [(date(1950, 1, 1) + timedelta(days=RNG.randrange(25_000))).strftime(written) for _ in range(count)]


SAMPLES = {
    "resident_id": [*resident_ids(50), "123", "未登记"],
    "phone": ["+86 138-0013-8000", "13912345678", "0755-26881234", "(0755)86001234", "15012345678"] * 10,
    "person_name": ["张伟", "王秀英", "李娜", "欧阳娜娜", "陈静", "刘洋", "赵敏", "周杰"] * 6,
    "address": ["南头街道南山大道十号金融创新园", "桃源村12栋602", "深圳市南山区科苑路15号", "西丽街道留仙大道三号",
                "粤海街道科技园社区科苑路8号2栋"] * 8,
    "uscc": ["91440300MA5K36K982", "91440305MA5GEDT74K", "92440300MA59RM8R3E"] * 10,
    "org_name": ["深圳市嘉信易达投资有限公司", "南山区谭记粮油店", "深圳市南山区南头城小学", "南山区人民医院"] * 8,
    "block_code": ["440305001001001", "4403050010010010001", "44030500100100100010101"] * 10,
    "division_code": ["440305", "110105", "510321"] * 10,
    "code": ["1", "2", "1", "1", "2", "9"] * 10,
    "amount": ["1,365.00", "¥1200", "500元", "12.50", "3,000.00"] * 10,
    "identifier": [f"QY44030500000{n:05d}" for n in range(40)],
}


@pytest.mark.parametrize("element", list(SAMPLES))
def test_each_element_is_found_in_its_values(element: str) -> None:
    found = detect(SAMPLES[element], today=TODAY)
    assert found.element == element, found
    assert found.share >= 0.6 and found.evidence().startswith(f"{found.matched:,} of {found.values:,}")


@pytest.mark.parametrize(("written", "element", "text_format"), [
    ("%Y%m%d", "date", "%Y%m%d"), ("%Y-%m-%d", "date", "%Y-%m-%d"), ("%Y年%m月", "date", "%Y年%m月"),
    ("%Y/%m/%d", "date", "%Y/%m/%d"), ("%Y-%m-%d %H:%M:%S", "datetime", "%Y-%m-%d %H:%M:%S"),
])
def test_dates_are_found_with_the_format_they_are_written_in(written: str, element: str, text_format: str) -> None:
    found = detect(dates(40, written), today=TODAY)
    assert (found.element, found.format) == (element, text_format)


def test_unpadded_times_are_dates_and_times() -> None:
    found = detect(["2026/10/3 9:30", "2026/1/15 14:05", "2025/12/31 23:59"] * 10, today=TODAY)
    assert (found.element, found.format) == ("datetime", "%Y/%m/%d %H:%M")


def test_grid_codes_are_block_codes_not_fifteen_digit_ids() -> None:
    assert detect([f"4403050010010{n:02d}" for n in range(1, 30)], today=TODAY).element == "block_code"


def test_an_empty_column_is_text_with_no_evidence() -> None:
    found = detect([None, "", "  "], today=TODAY)  # type: ignore[list-item]
    assert found.element == "text" and found.values == 0 and "no values" in found.evidence()


def test_a_column_of_counts_is_a_number_not_a_code() -> None:
    assert detect([str(n) for n in range(100)], today=TODAY).element in ("number", "identifier")
    assert detect([str(RNG.randrange(10_000)) for _ in range(200)], today=TODAY).element == "number"


def test_names_of_places_are_text_however_few_not_codes() -> None:
    """所属社区 holds a handful of community names: names, not category codes like 救助类别's 低保 / 特困."""
    assert detect(["南头城社区", "大新社区", "南头城社区", "星海名城社区"] * 30, today=TODAY).element == "text"
    assert detect(["低保", "特困", "临时救助", "低保"] * 30, today=TODAY).element == "code"


def test_legal_forms_are_a_registers_codes_not_organisations() -> None:
    forms = ["有限责任公司", "个体工商户", "股份有限公司", "个人独资企业", "农民专业合作社"] * 20
    assert detect(forms, today=TODAY).element == "code"
    names = ["南山区谭记粮油店", "深圳市嘉信易达投资有限公司", "南头社康中心"] * 20
    assert detect(names, today=TODAY).element == "org_name"
