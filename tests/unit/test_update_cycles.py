"""Update cycles as intervals: the text platforms write read as the interval it means, shown as the
guide's label where one fits, and the age a freshness check allows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from blocklake.checks import CYCLE_MAX_AGE
from blocklake.errors import ConfigError
from blocklake.update_cycles import UNKNOWN, from_code, from_label, parse_update_cycle
from blocklake.vocabulary import UPDATE_CYCLES


@pytest.mark.parametrize(("text", "code"), [
    ("每日", "P1D"), ("每天", "P1D"), ("日", "P1D"), ("每周", "P1W"), ("每月", "P1M"), ("月度", "P1M"),
    ("季度", "P3M"), ("每季", "P3M"), ("按季度更新", "P3M"), ("年", "P1Y"), ("每年", "P1Y"), ("年度", "P1Y"),
    ("每半年", "P6M"), ("半年", "P6M"), ("一年两次", "P6M"), ("每年4次", "P3M"), ("每两年", "P2Y"),
    ("三年一次", "P3Y"), ("每 3 日", "P3D"), ("每３日", "P3D"), ("每十五天", "P15D"), ("每二十四个月", "P2Y"),
    ("每7天", "P1W"), ("每2周", "P2W"), ("隔周", "P2W"), ("每旬", "P10D"), ("每12小时", "PT12H"),
    ("每月更新一次", "P1M"), ("daily", "P1D"), ("Every 2 weeks", "P2W"), ("quarterly", "P3M"),
    ("实时", "realtime"), ("准实时", "realtime"), ("实时更新", "realtime"),
    ("不定期", "irregular"), ("不定时", "irregular"), ("按需", "irregular"), ("随时", "irregular"),
    ("不固定", "irregular"), ("根据需要更新", "irregular"), ("其他", "irregular"),
    ("一次性", "never"), ("静态数据", "never"), ("历史数据，不再更新", "never"), ("每年一次", "P1Y"),
    ("", "unknown"), (None, "unknown"), ("锟斤拷锟斤拷", "unknown"), ("待定", "unknown"), ("???", "unknown"),
])
def test_text_reads_as_its_interval(text: str | None, code: str) -> None:
    assert parse_update_cycle(text).code == code


def test_the_guide_labels_are_intervals_and_show_as_themselves() -> None:
    for label in UPDATE_CYCLES:
        interval = parse_update_cycle(label)
        assert interval == from_label(label)
        assert interval.label == label and interval.title == label
        assert from_code(interval.code) == interval


def test_intervals_the_guide_has_no_label_for_still_show() -> None:
    assert parse_update_cycle("每半年").label is None
    assert parse_update_cycle("每半年").title == "每半年"
    assert parse_update_cycle("每两年").title == "每2年"
    assert parse_update_cycle("").title == "未知"


def test_freshness_allows_one_cycle_and_a_day() -> None:
    assert parse_update_cycle("每半年").max_age == timedelta(days=184)
    assert parse_update_cycle("每 3 日").max_age == timedelta(days=4)
    assert parse_update_cycle("不定期").max_age is None
    assert UNKNOWN.max_age is None
    # the gate's table of the guide's labels is the intervals' own
    expected = {"实时": timedelta(days=1), "每日": timedelta(days=2), "每周": timedelta(days=8),
                "每月": timedelta(days=32), "每季度": timedelta(days=93), "每年": timedelta(days=366)}
    assert dict(CYCLE_MAX_AGE) == expected


def test_a_bad_code_says_what_a_code_looks_like() -> None:
    with pytest.raises(ConfigError, match="P1D"):
        from_code("P1X")


def test_a_dataset_published_once_is_never_stale() -> None:
    interval = parse_update_cycle("一次性")
    assert interval.max_age is None and interval.title == "不更新" and interval.label is None
    assert from_code(interval.code) == interval
