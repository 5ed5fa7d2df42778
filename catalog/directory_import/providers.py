"""Which of the catalog's departments a directory row names as its provider, by name alone: platforms
export names, not codes, and write them in full (深圳市南山区民政局), without the upper levels (南山区民政局,
区民政局), abbreviated (区卫健局 for 卫生健康局) or mistyped.

Tried in order, each only where it finds exactly one department: the exact name; the name without
its upper levels' prefix; an abbreviation (its characters in order within the department's name); a
fuzzy match (rapidfuzz) clearly ahead of the next best. Anything else is left unmatched rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from catalog.directory_import.values import text

# Upper levels in front of a unit's own name: 广东省, 深圳市, 南山区 (a place's name has two characters or more, so
# the 城市 of 城市管理局 is not one).
_UPPER_LEVELS = re.compile(r"^(?:.{2,8}?(?:省|自治区|特别行政区|市|自治州|地区|盟|区|县|旗))+")
_LEVEL_CHARACTERS = "省市区县镇"
_PUNCTUATION = re.compile(r"[\s()（）【】\[\]·,，、\-—]")
FUZZY_SCORE = 85  # the least rapidfuzz ratio accepted …
FUZZY_LEAD = 8  # … and by how much it must beat the second best


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    uscc: str | None


@dataclass(frozen=True)
class ProviderMatch:
    department: Department | None
    # how it was found, or why not: 名称一致 / 去掉上级名称后一致 / 简称 / 名称相近 / 目录中无此部门 / 不唯一：…
    how: str


def _clean(name: str) -> str:
    return _PUNCTUATION.sub("", text(name))


def own_name(name: str) -> str:
    """A unit's name without its upper levels: 深圳市南山区民政局 → 民政局."""
    cleaned = _clean(name)
    stripped = _UPPER_LEVELS.sub("", cleaned)
    return stripped if len(stripped) >= 2 else cleaned


# A unit's kind as abbreviations write it: 卫生健康委员会 → 卫健委, 人民政府办公室 → 政府办.
_SHORT_KINDS = ((re.compile(r"委员会$"), "委"), (re.compile(r"办公室$"), "办"))


def _is_abbreviation(short: str, full: str) -> bool:
    """Every character of ``short`` in order within ``full``, ending in the same kind of unit (局, 委, 办)."""
    full = next((pattern.sub(kind, full) for pattern, kind in _SHORT_KINDS if pattern.search(full)), full)
    if len(short) >= len(full) or short[-1:] != full[-1:]:
        return False
    position = 0
    for char in short:
        position = full.find(char, position) + 1
        if position == 0:
            return False
    return True


class ProviderMatcher:
    """Matches names against the catalog's departments; remembers each name it has answered."""

    def __init__(self, departments: Iterable[Department]):
        self.departments = list(departments)
        self._by_name = _unique(self.departments, lambda dept: _clean(dept.name))
        self._by_own = _unique(self.departments, lambda dept: own_name(dept.name))
        self._shared_own = {own_name(dept.name) for dept in self.departments} - set(self._by_own)
        self.match = cache(self._match)

    def _match(self, name: str) -> ProviderMatch:
        cleaned, own = _clean(name), own_name(name)
        if not cleaned:
            return ProviderMatch(None, "目录中无此部门")
        if cleaned in self._by_name:
            return ProviderMatch(self._by_name[cleaned], "名称一致")
        # 区民政局: a level without its place's name (but 市场监督管理局 begins with 市 too: try both)
        candidates = [own, own[1:]] if own[0] in _LEVEL_CHARACTERS and len(own) > 3 else [own]
        for candidate in candidates:
            if candidate in self._by_own:
                return ProviderMatch(self._by_own[candidate], "去掉上级名称后一致")
            if candidate in self._shared_own:
                return ProviderMatch(None, f"不唯一：多个部门名为「{candidate}」")
        abbreviated = list({dept.code: dept for candidate in candidates for key, dept in self._by_own.items()
                            if _is_abbreviation(candidate, key)}.values())
        if len(abbreviated) == 1:
            return ProviderMatch(abbreviated[0], "简称")
        if len(abbreviated) > 1:
            return ProviderMatch(None, "不唯一：" + "、".join(dept.name for dept in abbreviated[:3]))
        return self._fuzzy(own)

    def _fuzzy(self, own: str) -> ProviderMatch:
        best = process.extract(own, list(self._by_own), scorer=fuzz.ratio, limit=2)
        if not best or best[0][1] < FUZZY_SCORE:
            return ProviderMatch(None, "目录中无此部门")
        if len(best) > 1 and best[0][1] - best[1][1] < FUZZY_LEAD:
            return ProviderMatch(None, f"不唯一：{best[0][0]}、{best[1][0]}")
        return ProviderMatch(self._by_own[best[0][0]], "名称相近")


def _unique(departments: list[Department], key: Callable[[Department], str]) -> dict[str, Department]:
    """Keys that name exactly one department (two 民政局 under different districts name none)."""
    found: dict[str, list[Department]] = {}
    for dept in departments:
        found.setdefault(key(dept), []).append(dept)
    return {name: depts[0] for name, depts in found.items() if len(depts) == 1}
