"""Cleaning of address text and of the parts cut out of it, as whole-column Polars operations.

``clean_addresses`` turns the many ways a department writes an address into one spelling the parser
can rely on; the ``*_number`` helpers bring parsed parts to comparable forms (``3栋`` → ``3``,
``12楼02`` → ``1202``). The same helpers clean the base plate and the gold labels of the test data,
so every comparison is between texts normalised the same way.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence

import polars as pl

from address import vocab

_NUMERALS = f"{vocab.CHINESE_DIGITS}{vocab.TEN}"
_NUMBERED = f"[{_NUMERALS}]+{vocab.NUMBERED_UNITS}"
# Tokens: a Chinese number with its unit marker, other text, or a Chinese numeral run in a name.
_TOKENS = f"{_NUMBERED}|[^{_NUMERALS}]+|[{_NUMERALS}]+"
_NUMBER_ID = r"[A-Z]?\d+[A-Z]?"
# Only ASCII letters matter (building A, room 12B); a full Unicode upper-casing costs more than the parse.
_LOWER_CASE = list(string.ascii_lowercase)
_UPPER_CASE = list(string.ascii_uppercase)


def clean_addresses(texts: pl.Series) -> pl.Series:
    """Half-width, upper case, no brackets/spaces/noise words, Arabic numbers, one marker per unit."""
    text = _evaluate(texts.cast(pl.String), _plain_characters)
    return _evaluate(_chinese_numbers_to_digits(text), _one_marker_per_unit)


def _evaluate(texts: pl.Series, cleaning: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    # The streaming engine spreads the string kernels over all cores.
    frame = pl.LazyFrame({"text": texts}).select(cleaning(pl.col("text")))
    return frame.collect(engine="streaming").to_series().alias(texts.name)


def _plain_characters(text: pl.Expr) -> pl.Expr:
    return (
        text.str.normalize("NFKC")
        .str.replace_many(_LOWER_CASE, _UPPER_CASE)
        .str.replace_all(vocab.BRACKETED, "")
        .str.replace_all(vocab.DASHES, "-")
        .str.replace_all(r"(\p{Han})-+(\p{Han})", "${1}${2}")  # 陕西省-西安市: a separator, not a range
        .str.replace_all(vocab.SEPARATORS, "")
        .str.replace_all(vocab.NOISE_WORDS, "")
        .str.replace_all(vocab.DISTANCE, "")
    )


def _one_marker_per_unit(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_all(rf"{vocab.ORDINAL}(\d)", "${1}")  # 第8栋 is building 8
        # 12一7一944: 一 between digits is a dash (twice, as the matches overlap on the 7).
        .str.replace_all(rf"(\d){vocab.ONE}(\d)", "${1}-${2}")
        .str.replace_all(rf"(\d){vocab.ONE}(\d)", "${1}-${2}")
        .str.replace_all(f"({_NUMBER_ID}|[A-Z]){vocab.BUILDING_MARKERS}-?", "${1}" + vocab.BUILDING)
        .str.replace_all(rf"(\d+){vocab.ENTRANCE_MARKERS}", "${1}" + vocab.ENTRANCE)
        .str.replace_all(rf"(-?\d+){vocab.FLOOR_MARKERS}", "${1}" + vocab.FLOOR)
        .str.replace_all(rf"(^|[^A-Z]){vocab.FLOOR_PREFIX}(\d{{1,2}})(\D|$)", "${1}${2}" + vocab.FLOOR + "${3}")
        .str.replace_all(rf"{vocab.NEGATIVE}(\d+{vocab.FLOOR})", "-${1}")
        .str.replace(f"{vocab.NOISE_AT_END}$", "")
        .str.strip_chars("-")
    )


def _chinese_numbers_to_digits(text: pl.Series) -> pl.Series:
    """三栋 → 3栋, 十二楼 → 12楼, 二〇二室 → 202室; numerals in names (三墩镇) stay.

    Only the few rows with such a number go through the token split, which is the costly part.
    """
    needs = text.str.contains(_NUMBERED).fill_null(False)
    if not needs.any():
        return text
    tokens = text.filter(needs).str.extract_all(_TOKENS)
    numbered = pl.element().str.contains(f"^{_NUMBERED}$")
    joined = tokens.list.eval(pl.when(numbered).then(_numeral_to_digits(pl.element())).otherwise(pl.element()))
    return text.scatter(needs.arg_true(), joined.list.join(""))


def _numeral_to_digits(numeral: pl.Expr) -> pl.Expr:
    """A Chinese number below 100 or written digit by digit (二〇二) → Arabic digits."""
    return (
        numeral.str.replace(f"^{vocab.TEN}", vocab.ONE + vocab.TEN)  # 十二 → 一十二
        .str.replace(f"{vocab.TEN}([{vocab.NONZERO_DIGITS}])", "$1")  # 一十二 → 一二, 二十二 → 二二
        .str.replace(vocab.TEN, vocab.ZERO)  # 二十 → 二〇
        .str.replace_many(list(vocab.CHINESE_DIGITS), list(vocab.ARABIC_FOR_CHINESE))
    )


def community_name(part: pl.Expr) -> pl.Expr:
    """``镇东村委会`` / ``南山社区居委会`` / ``黄泥坎村部`` → ``镇东村`` / ``南山社区`` / ``黄泥坎村``."""
    offices = f"(?:{vocab.COMMUNITY_OFFICES}|{vocab.VILLAGE_OFFICES}|{vocab.VILLAGE_OFFICE_SHORT})$"
    return part.str.replace(f"({vocab.COMMUNITY}|{vocab.VILLAGE}){offices}", "$1")


def street_name(part: pl.Expr) -> pl.Expr:
    return part.str.replace(f"{vocab.STREET_OFFICES}$", "")


def building_number(part: pl.Expr) -> pl.Expr:
    """``3栋`` / ``A座`` / ``十一号楼`` / ``第8栋`` (cleaned) → ``3`` / ``A`` / ``11`` / ``8``."""
    return part.str.replace_all(f"^{vocab.ORDINAL}|{vocab.BUILDING_NUMBER_WORDS}", "")


def entrance_number(part: pl.Expr) -> pl.Expr:
    return part.str.replace_all(vocab.ENTRANCE_NUMBER_WORDS, "")


def floor_number(part: pl.Expr) -> pl.Expr:
    return part.str.replace_all(vocab.FLOOR_MARKERS, "")


def door_number(part: pl.Expr) -> pl.Expr:
    """``1088号`` → ``1088``; lanes and ranges keep their form (``832弄``, ``806-808``)."""
    return part.str.replace(f"{vocab.DOOR}{vocab.COMPOUND}?$", "")


def room_number(room: pl.Expr, floor: pl.Expr | None = None) -> pl.Expr:
    """The room as floor + room digits: ``1202室`` → ``1202``, ``12-02`` → ``1202``, and a one- or
    two-digit room after a floor (``12楼02``, ``12楼2``) → ``1202``."""
    bare = room.str.replace(f"{vocab.ROOM_MARKERS}$", "").str.replace(r"^(\d{1,2})-(\d{2})$", "${1}${2}")
    if floor is None:
        return bare
    short = bare.str.contains(r"^\d{1,2}$") & floor_number(floor).str.contains(r"^-?\d+$")
    return pl.when(short).then(floor_number(floor) + bare.str.zfill(2)).otherwise(bare)


def comparable_parts(parts: Sequence[str]) -> list[pl.Expr]:
    """Parts cut from cleaned text, in the form they are compared in; empty parts become null."""
    forms = {
        "street": street_name(pl.col("street")),
        "community": community_name(pl.col("community")),
        "roadno": door_number(pl.col("roadno")),
        "building": building_number(pl.col("building")),
        "entrance": entrance_number(pl.col("entrance")),
        "floor": floor_number(pl.col("floor")),
        "room": room_number(pl.col("room"), pl.col("floor") if "floor" in parts else None),
    }
    return [_empty_as_null(forms.get(part, pl.col(part))).alias(part) for part in parts]


def _empty_as_null(part: pl.Expr) -> pl.Expr:
    return pl.when(part.str.len_chars() > 0).then(part)
