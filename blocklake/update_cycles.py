"""Update cycles as intervals: what a directory's 更新周期 means, precisely enough to judge freshness by.

The guide has seven labels (``blocklake.vocabulary.UpdateCycle``); platforms write many more intervals
(每半年, 每两年, 每 3 日, 一年两次), words for "no schedule" (不定期, 按需, 随时) and for "never again"
(一次性, 静态数据, 历史数据). An :class:`UpdateInterval` holds any of them: every N hours / days / weeks /
months / years, real-time, irregular, never, or unknown. It still shows as the guide's label where one
fits (``label``), and tells a freshness check how old the newest record may be (``max_age``).
:func:`parse_update_cycle` reads the text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from blocklake.errors import ConfigError
from blocklake.vocabulary import UPDATE_CYCLES, UpdateCycle

IntervalKind = Literal["every", "realtime", "irregular", "never", "unknown"]
IntervalUnit = Literal["hour", "day", "week", "month", "year"]

DAYS_PER_UNIT: dict[IntervalUnit, float] = {"hour": 1 / 24, "day": 1, "week": 7, "month": 365 / 12, "year": 365}
UNIT_TITLES: dict[IntervalUnit, str] = {"hour": "小时", "day": "天", "week": "周", "month": "个月", "year": "年"}
ISO_UNITS: dict[IntervalUnit, str] = {"hour": "H", "day": "D", "week": "W", "month": "M", "year": "Y"}
GRACE = timedelta(days=1)  # a record one cycle and a day old is still on time


@dataclass(frozen=True, order=True)
class UpdateInterval:
    """``kind`` every: ``count`` ``unit`` s between updates; realtime, irregular and unknown have neither."""

    kind: IntervalKind
    count: int = 0
    unit: IntervalUnit | None = None

    @property
    def label(self) -> UpdateCycle | None:
        """The guide's label for this interval, if it has one (每季度 is every 3 months)."""
        return _LABELS.get(self)

    @property
    def title(self) -> str:
        """How to show it: the guide's label where one fits, else 每 N 天 / 每半年 / 未知."""
        if self.label:
            return self.label
        if self.kind == "unknown":
            return "未知"
        if self.kind == "never":
            return "不更新"
        if (self.count, self.unit) == (6, "month"):
            return "每半年"
        return f"每{self.count}{UNIT_TITLES[self.unit]}"

    @property
    def code(self) -> str:
        """A stable text form: an ISO 8601 duration (``P6M``, ``P2Y``, ``PT4H``) or the kind's name."""
        if self.kind != "every":
            return self.kind
        return f"PT{self.count}H" if self.unit == "hour" else f"P{self.count}{ISO_UNITS[self.unit]}"

    @property
    def max_age(self) -> timedelta | None:
        """How old the newest record may be: one cycle plus a day's grace; none when no cycle is promised
        (irregular, never updated, unknown)."""
        if self.kind == "realtime":
            return GRACE
        if self.kind != "every":
            return None
        return timedelta(days=math.ceil(self.count * DAYS_PER_UNIT[self.unit])) + GRACE


REALTIME = UpdateInterval("realtime")
IRREGULAR = UpdateInterval("irregular")
NEVER = UpdateInterval("never")
UNKNOWN = UpdateInterval("unknown")
_LABELS: dict[UpdateInterval, UpdateCycle] = {
    REALTIME: "实时", UpdateInterval("every", 1, "day"): "每日", UpdateInterval("every", 1, "week"): "每周",
    UpdateInterval("every", 1, "month"): "每月", UpdateInterval("every", 3, "month"): "每季度",
    UpdateInterval("every", 1, "year"): "每年", IRREGULAR: "不定期",
}
assert set(_LABELS.values()) == set(UPDATE_CYCLES)  # every label of the guide is an interval
_BY_CODE = {interval.code: interval for interval in (*_LABELS, NEVER, UNKNOWN)}


def from_code(code: str) -> UpdateInterval:
    """The interval :attr:`UpdateInterval.code` wrote."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    match = re.fullmatch(r"P(T?)(\d+)([HDWMY])", code)
    if not match or (match[1] == "T") != (match[3] == "H"):
        raise ConfigError(f"not an update interval code: {code!r} (expected e.g. P1D, P6M, PT4H, realtime)")
    unit = next(unit for unit, letter in ISO_UNITS.items() if letter == match[3])
    return UpdateInterval("every", int(match[2]), unit)


def from_label(label: UpdateCycle) -> UpdateInterval:
    return next(interval for interval, known in _LABELS.items() if known == label)


# --- reading the text platforms write ----------------------------------------------------------------------

# Words meaning "no fixed schedule": a table so declared has no freshness expectation.
_IRREGULAR = re.compile(r"不定|不固定|无固定|非定期|按需|随时|临时|视情况|根据需要|按实际|需要时|动态|其他|其它|"
                        r"irregular|asneeded|adhoc|ondemand")
_REALTIME = re.compile(r"实时|即时|realtime|streaming")
# Words meaning "published once, not to be updated": a static dataset is never stale.
_NEVER = re.compile(r"一次性|静态|历史数据|存量|不再更新|不更新|无需更新|无更新|停止更新|已停更|"
                    r"never|static|onetime|oneoff")
# Unit words, longest first so 季度 wins over 季, 星期 over 期.
_UNIT_WORDS: dict[str, tuple[int, IntervalUnit]] = {
    "小时": (1, "hour"), "hour": (1, "hour"), "日": (1, "day"), "天": (1, "day"), "day": (1, "day"),
    "旬": (10, "day"), "周": (1, "week"), "星期": (1, "week"), "礼拜": (1, "week"), "week": (1, "week"),
    "月": (1, "month"), "month": (1, "month"), "季度": (3, "month"), "季": (3, "month"), "quarter": (3, "month"),
    "年": (1, "year"), "year": (1, "year"), "annual": (1, "year"),
}
_UNITS = "|".join(sorted(_UNIT_WORDS, key=len, reverse=True))
_NUMBER = r"[0-9]+|[零一二两三四五六七八九十百半]+"
# 每3个月, 每两年, 三年一次, 半年, 月度, 每年2次, 一年两次, 12小时
_INTERVAL = re.compile(rf"(?P<prefix>每|按|隔|一|every)?(?P<count>{_NUMBER})?个?(?P<unit>{_UNITS})s?"
                       rf"(?:[度末初]?(?:更新|一次|1次|一更|更)?)?(?:(?P<times>{_NUMBER})次)?")
_ENGLISH = {"daily": "日", "weekly": "周", "monthly": "月", "quarterly": "季度", "yearly": "年", "annually": "年",
            "hourly": "小时", "biannual": "半年", "semiannual": "半年"}
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def parse_update_cycle(text: object) -> UpdateInterval:
    """The interval a cell's 更新周期 means; :data:`UNKNOWN` for empty, garbled or unreadable text."""
    if text is None:
        return UNKNOWN
    value = unicodedata.normalize("NFKC", str(text)).lower()
    value = re.sub(r"[\s_\-—/·.。:：()（）\[\]【】]", "", value)
    for english, chinese in _ENGLISH.items():
        value = value.replace(english, chinese)
    if not value:
        return UNKNOWN
    if _REALTIME.search(value):
        return REALTIME
    if _NEVER.search(value):
        return NEVER
    if _IRREGULAR.search(value):
        return IRREGULAR
    match = _INTERVAL.search(value)
    if match is None:
        return UNKNOWN
    return _interval(match)


def _interval(match: re.Match[str]) -> UpdateInterval:
    per, unit = _UNIT_WORDS[match["unit"]]
    count = match["count"]
    times = _number(match["times"]) if match["times"] else 1
    if count == "半":
        return _divided(per, unit, 2 * times)
    number = _number(count) if count else 2 if match["prefix"] == "隔" else 1  # 隔周: every other week
    if number <= 0 or times <= 0:
        return UNKNOWN
    if times > 1:
        return _divided(number * per, unit, times)
    return every(number * per, unit)


def every(count: int, unit: IntervalUnit) -> UpdateInterval:
    """Every ``count`` ``unit`` s, in the largest unit it is whole in (每7天 is 每周, 每12个月 每年)."""
    for smaller, larger, factor in _WHOLE:
        if unit == smaller and count % factor == 0:
            count, unit = count // factor, larger
    return UpdateInterval("every", count, unit)


_WHOLE: tuple[tuple[IntervalUnit, IntervalUnit, int], ...] = (("hour", "day", 24), ("day", "week", 7),
                                                               ("month", "year", 12))


def _divided(count: int, unit: IntervalUnit, times: int) -> UpdateInterval:
    """``count`` ``unit``\\s split into ``times`` cycles (半年 = 6 months, 一年四次 = 3 months), in the
    largest whole unit that divides evenly."""
    for smaller, factor in ((unit, 1), *_SMALLER.get(unit, ())):
        whole, rest = divmod(count * factor, times)
        if not rest and whole:
            return every(whole, smaller)
    days = max(1, round(count * DAYS_PER_UNIT[unit] / times))
    return UpdateInterval("every", days, "day")


_SMALLER: dict[IntervalUnit, tuple[tuple[IntervalUnit, int], ...]] = {
    "year": (("month", 12), ("week", 52), ("day", 365)), "month": (("day", 30),), "week": (("day", 7),),
    "day": (("hour", 24),),
}


def _number(text: str) -> int:
    """An Arabic or Chinese numeral up to 999 (三, 十二, 二十四, 一百)."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
    return total + current
