"""Render addresses the many ways departments write them.

The renderer is independent of the generator: give it :class:`AddressParts` (the components of each
address, one row per address) and an :class:`AddressStyle` (how likely each variant is) and it
returns the address texts, vectorised with Arrow. The address matcher's tests reuse it to make hard
cases on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.vocab import HOMOPHONES, TOWNS, VILLAGES

PREFIXES = ("广东省深圳市南山区", "深圳市南山区", "南山区", "")
BUILDING_SUFFIXES = ("栋", "座", "号楼", "幢")
ROOM_FORMATS = ("{f}{rr}室", "{f}{rr}", "{f}楼{rr}", "{f}-{rr}", "{f}{rr}房")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class AddressParts:
    """Address components, one row per address (Arrow arrays of equal length).

    ``floor``/``room`` null means a building-level address; ``community`` null means the community
    is never named (the virtual community of 前海). ``aliases`` is ``list<string>``.
    """

    street: pa.Array
    community: pa.Array
    road: pa.Array
    door: pa.Array
    estate: pa.Array
    aliases: pa.Array
    building_no: pa.Array
    building_name: pa.Array
    floor: pa.Array
    room: pa.Array

    def __len__(self) -> int:
        return len(self.road)

    def without_rooms(self) -> AddressParts:
        nulls = pa.nulls(len(self), pa.int32())
        return replace(self, floor=nulls, room=nulls)


@dataclass(frozen=True)
class AddressStyle:
    """How one department writes addresses. Weights are relative; the rest are per-record chances."""

    prefix: tuple[float, ...] = (0.3, 0.3, 0.3, 0.1)  # per PREFIXES
    street: float = 0.3
    community: float = 0.2
    locator: tuple[float, float, float] = (0.4, 0.2, 0.4)  # road+door+estate / road+door / estate only
    alias: float = 0.1
    numerals: tuple[float, float, float] = (0.9, 0.07, 0.03)  # arabic / Chinese (building) / full-width
    building_suffix: tuple[float, ...] = (0.8, 0.1, 0.07, 0.03)  # per BUILDING_SUFFIXES
    room_format: tuple[float, ...] = (0.5, 0.25, 0.1, 0.1, 0.05)  # per ROOM_FORMATS
    missing_room: float = 0.03
    spaces: float = 0.05
    typo: float = 0.01


STANDARD = AddressStyle(
    prefix=(1, 0, 0, 0),
    street=1,
    community=1,
    locator=(1, 0, 0),
    alias=0,
    numerals=(1, 0, 0),
    building_suffix=(1, 0, 0, 0),
    room_format=(1, 0, 0, 0, 0),
    missing_room=0,
    spaces=0,
    typo=0,
)


@dataclass(frozen=True)
class Rendered:
    text: pa.Array
    room_written: np.ndarray  # whether the text names the room


def render(parts: AddressParts, style: AddressStyle, rng: np.random.Generator) -> Rendered:
    """The address texts for ``parts`` written in ``style``."""
    n = len(parts)
    numerals = _choice(rng, style.numerals, n)
    locator = _choice(rng, style.locator, n)
    has_estate = pc.is_valid(parts.estate).to_numpy(zero_copy_only=False)
    says_road = (locator != 2) | ~has_estate
    says_estate = (locator != 1) & has_estate
    room_written = pc.is_valid(parts.floor).to_numpy(zero_copy_only=False) & (
        rng.random(n) >= style.missing_room
    )
    pieces = [
        _take(PREFIXES, _choice(rng, style.prefix, n)),
        _sometimes(parts.street, rng.random(n) < style.street),
        _sometimes(parts.community, rng.random(n) < style.community),
        _sometimes(_road_and_door(parts), says_road),
        _sometimes(homophone_typos(_estate_names(parts, style, rng), style.typo, rng), says_estate),
        _building(parts, numerals == 1, style, rng),
        _sometimes(_rooms(parts, style, rng), room_written),
    ]
    text = _join(pieces, rng.random(n) < style.spaces, rng)
    return Rendered(_full_width(text, numerals == 2), room_written)


def standard_address(parts: AddressParts) -> pa.Array:
    """The one standard form: 广东省深圳市南山区 + street + community + road/door + estate + building."""
    return render(parts, STANDARD, np.random.default_rng(0)).text


def render_hometown(
    province: pa.Array, city: pa.Array, county: pa.Array, rng: np.random.Generator
) -> pa.Array:
    """A rural household-register address outside the district, e.g. 湖南省衡阳市衡阳县西渡镇梅花村3组12号."""
    n = len(province)
    county = pc.if_else(pc.equal(county, city), "", county)  # cities without counties (东莞市)
    town = _take(TOWNS, rng.integers(0, len(TOWNS), n))
    village = _take(VILLAGES, rng.integers(0, len(VILLAGES), n))
    group, number = _numbers(rng.integers(1, 12, n)), _numbers(rng.integers(1, 80, n))
    return pc.binary_join_element_wise(
        province, city, county, town, "镇", village, "村", group, "组", number, "号", ""
    )


def _choice(rng: np.random.Generator, weights: tuple[float, ...], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _take(words: tuple[str, ...], index: np.ndarray) -> pa.Array:
    return pa.array(words, pa.string()).take(pa.array(index))


def _numbers(values: np.ndarray | pa.Array) -> pa.Array:
    return pc.cast(values if isinstance(values, pa.Array) else pa.array(values), pa.string())


def _sometimes(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """``values`` where ``mask`` holds, else empty text; nulls become empty too."""
    return pc.if_else(pa.array(mask), pc.fill_null(values, ""), "")


def _road_and_door(parts: AddressParts) -> pa.Array:
    return pc.binary_join_element_wise(parts.road, _numbers(parts.door), "号", "")


def _estate_names(parts: AddressParts, style: AddressStyle, rng: np.random.Generator) -> pa.Array:
    """The estate's name, or one of its aliases for some records."""
    lengths = pc.fill_null(pc.list_value_length(parts.aliases), 0).to_numpy(zero_copy_only=False)
    use_alias = (lengths > 0) & (rng.random(len(parts)) < style.alias)
    if not use_alias.any():
        return parts.estate
    offsets = parts.aliases.offsets.to_numpy()
    pick = offsets[:-1] - offsets[0] + (rng.random(len(parts)) * np.maximum(lengths, 1)).astype(np.int64)
    flat = parts.aliases.flatten()  # only indexed where the row has an alias
    alias = flat.take(pa.array(np.where(use_alias, pick, 0))) if len(flat) else parts.estate
    return pc.if_else(pa.array(use_alias), alias, parts.estate)


def _building(
    parts: AddressParts, chinese: np.ndarray, style: AddressStyle, rng: np.random.Generator
) -> pa.Array:
    """``3栋`` / ``三座`` / ``3号楼`` for numbered buildings; the name for named ones."""
    n = len(parts)
    numbers = pc.fill_null(parts.building_no, 0).to_numpy(zero_copy_only=False)
    digits = pc.if_else(
        pa.array(chinese), _take(_CHINESE_NUMBERS, np.minimum(numbers, 99)), _numbers(numbers)
    )
    suffix = _take(BUILDING_SUFFIXES, _choice(rng, style.building_suffix, n))
    numbered = pc.binary_join_element_wise(digits, suffix, "")
    has_number = pc.is_valid(parts.building_no)
    return pc.if_else(has_number, numbered, pc.fill_null(parts.building_name, ""))


def _rooms(parts: AddressParts, style: AddressStyle, rng: np.random.Generator) -> pa.Array:
    floor = _numbers(pc.fill_null(parts.floor, 0))
    room = pc.utf8_lpad(_numbers(pc.fill_null(parts.room, 0)), width=2, padding="0")
    forms = [_format_room(template, floor, room) for template in ROOM_FORMATS]
    index = pa.array(_choice(rng, style.room_format, len(parts)).astype(np.int8))
    return pc.choose(index, *forms)


def _format_room(template: str, floor: pa.Array, room: pa.Array) -> pa.Array:
    before, middle = template.split("{f}")
    between, after = middle.split("{rr}")
    return pc.binary_join_element_wise(before, floor, between, room, after, "")


def _join(pieces: list[pa.Array], spaced: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Concatenate pieces; rows in ``spaced`` get a space between some non-empty pieces."""
    text = pieces[0]
    for piece in pieces[1:]:
        space = pa.array(spaced & (rng.random(len(spaced)) < 0.5))
        gap = pc.if_else(pc.and_(space, pc.and_(pc.not_equal(piece, ""), pc.not_equal(text, ""))), " ", "")
        text = pc.binary_join_element_wise(text, gap, piece, "")
    return text


def homophone_typos(names: pa.Array, chance: float, rng: np.random.Generator) -> pa.Array:
    """Swap one character for a same-sounding one in a share of the texts (where one has a homophone)."""
    pending = pa.array(rng.random(len(names)) < chance)
    for right, wrong in HOMOPHONES.items():
        hit = pc.and_(pending, pc.fill_null(pc.match_substring(names, right), False))
        names = pc.if_else(hit, pc.replace_substring(names, right, wrong, max_replacements=1), names)
        pending = pc.and_(pending, pc.invert(hit))
    return names


def _full_width(text: pa.Array, mask: np.ndarray) -> pa.Array:
    if not mask.any():
        return text
    wide = text
    for digit in "0123456789":
        wide = pc.replace_substring(wide, digit, digit.translate(_FULL_WIDTH))
    return pc.if_else(pa.array(mask), wide, text)


def _chinese_number(value: int) -> str:
    tens, ones = divmod(value, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


_CHINESE_NUMBERS = tuple(_chinese_number(value) for value in range(100))
