"""Identifier mechanics, vectorised: resident IDs (GB 11643) and USCCs (GB 32100), valid and not.

Check characters are computed here with numpy for speed; the tests confirm every one of them with
python-stdnum (``stdnum.cn.ric`` / ``stdnum.cn.uscc``), the validator the quality layer uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

RIC_CHECK = np.array(list("10X98765432"))
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)])
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789Xx"}
_ORG_VALUES = np.array([int(c, 36) for c in USCC_ALPHABET])  # GB 11714 counts letters as A=10 … Z=35
_VALID, _BAD_CHECK, _BAD_DATE, _LEGACY = range(4)  # how an ID is written wrong, if at all
_IMPOSSIBLE_MMDD = np.array([230, 1301, 631, 15, 1232])  # Feb 30, month 13, Jun 31, month 0, Dec 32


def ric_bodies(
    region: np.ndarray, birth: np.ndarray, male: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The first 17 digits as int64, unique over the batch: region, birth date, order code (odd for men)."""
    ymd = _yyyymmdd(birth)
    order = rng.integers(0, 500, size=len(region)) * 2 + male.astype(np.int64)
    body = region.astype(np.int64) * 10**11 + ymd * 1000 + order
    return _make_unique(body, rng)


def ric_texts(body: np.ndarray) -> pa.Array:
    """18-character resident IDs from 17-digit bodies."""
    return pc.binary_join_element_wise(_digits_text(body, 17), pa.array(ric_check(body)), "")


def ric_check(body: np.ndarray) -> np.ndarray:
    return RIC_CHECK[_ric_remainder(body)]


def _ric_remainder(body: np.ndarray) -> np.ndarray:
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)) % 10
    return (digits * _RIC_WEIGHTS).sum(axis=1) % 11


@dataclass(frozen=True)
class WrittenIds:
    """Resident IDs as a department wrote them, and whether the number itself is valid."""

    text: pa.Array
    valid: np.ndarray


@dataclass(frozen=True)
class IdStyle:
    """How a department writes resident IDs. ``invalid`` is the share of wrong numbers, split into
    bad check digit, impossible birth date and legacy 15-digit numbers."""

    invalid: float = 0.025
    lower_x: float = 0.3  # of IDs ending in X
    spaces: float = 0.01
    full_width: float = 0.005
    trailing_space: float = 0.01


def write_ids(body: np.ndarray, style: IdStyle, rng: np.random.Generator) -> WrittenIds:
    """Render true 17-digit bodies as written: some numbers wrong, some merely formatted oddly."""
    n = len(body)
    kind = np.where(rng.random(n) < style.invalid, rng.integers(_BAD_CHECK, _LEGACY + 1, n), _VALID)
    born_1900s = (body // 10**7) % 10000 < 2000
    kind[(kind == _LEGACY) & ~born_1900s] = _BAD_CHECK  # 15-digit IDs predate people born after 1999
    text = _correct_or_corrupt(body, kind, rng)
    text = _reformat(text, style, rng)
    return WrittenIds(text=text, valid=kind == _VALID)


def _correct_or_corrupt(body: np.ndarray, kind: np.ndarray, rng: np.random.Generator) -> pa.Array:
    wrong = RIC_CHECK[(_ric_remainder(body) + rng.integers(1, 11, len(body))) % 11]
    bad_date = (body // 10**7) * 10**7 + rng.choice(_IMPOSSIBLE_MMDD, len(body)) * 1000 + body % 1000
    bad_date = np.where(kind == _BAD_DATE, bad_date, body)
    last = np.where(kind == _BAD_CHECK, wrong, ric_check(bad_date))  # a bad date keeps a valid check
    eighteen = pc.binary_join_element_wise(_digits_text(bad_date, 17), pa.array(last), "")
    legacy = _digits_text(body // 10**11 * 10**9 + body % 10**9, 15)  # drop century and check digit
    return pc.if_else(pa.array(kind == _LEGACY), legacy, eighteen)


def _reformat(text: pa.Array, style: IdStyle, rng: np.random.Generator) -> pa.Array:
    n = len(text)
    text = pc.if_else(pa.array(rng.random(n) < style.lower_x), pc.utf8_lower(text), text)
    spaced = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(text, 0, 6),
        pc.utf8_slice_codeunits(text, 6, 14),
        pc.utf8_slice_codeunits(text, 14),
        " ",
    )
    text = pc.if_else(pa.array(rng.random(n) < style.spaces), spaced, text)
    wide = text
    for narrow, full in _FULL_WIDTH.items():
        wide = pc.replace_substring(wide, narrow, full)
    text = pc.if_else(pa.array(rng.random(n) < style.full_width), wide, text)
    return pc.if_else(
        pa.array(rng.random(n) < style.trailing_space), pc.binary_join_element_wise(text, " ", ""), text
    )


def uscc_texts(
    type_code: np.ndarray,
    region: np.ndarray,
    modern: np.ndarray,
    invalid: np.ndarray,
    rng: np.random.Generator,
) -> pa.Array:
    """USCCs: registration authority 9, the entity type digit, a region, a GB 11714 organisation code
    (MA5… for companies registered since 2015, digits before) and the MOD 31 check character, which
    is replaced by a wrong one where ``invalid``."""
    n = len(type_code)
    body = np.empty((n, 17), dtype=np.int64)
    body[:, 0] = 9
    body[:, 1] = type_code
    body[:, 2:8] = (region[:, None] // 10 ** np.arange(5, -1, -1)) % 10
    body[:, 8:16] = _organisation_bodies(modern, rng)
    body[:, 16] = _organisation_check(body[:, 8:16])
    check = (31 - (body * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    check = np.where(invalid, (check + rng.integers(1, 31, n)) % 31, check)
    alphabet = np.array(list(USCC_ALPHABET))
    chars = np.concatenate([alphabet[body], alphabet[check][:, None]], axis=1)
    return pa.array(chars.view(f"<U{18}").ravel())


def _organisation_bodies(modern: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """8 characters as USCC alphabet indices, unique: MA5 + 5 free characters, or 8 digits."""
    out = np.empty((len(modern), 8), dtype=np.int64)
    new = np.flatnonzero(modern)
    old = np.flatnonzero(~modern)
    free = rng.choice(31**5, size=len(new), replace=False)
    out[new, :3] = [USCC_ALPHABET.index(c) for c in "MA5"]
    out[new, 3:] = (free[:, None] // 31 ** np.arange(4, -1, -1)) % 31
    numbers = rng.choice(10**8, size=len(old), replace=False)
    out[old] = (numbers[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    return out


def _organisation_check(chars: np.ndarray) -> np.ndarray:
    """GB 11714 check character of the organisation code, as a USCC alphabet index."""
    values = _ORG_VALUES[chars]
    check = 11 - (values * _ORG_WEIGHTS).sum(axis=1) % 11
    return np.select([check == 10, check == 11], [USCC_ALPHABET.index("X"), 0], check)


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years).astype(np.int64) + 1
    day = (days.astype("datetime64[D]") - months).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


def _digits_text(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=width, padding="0")


def _make_unique(body: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move colliding order codes up by two (keeping the sex digit) until every body is unique."""
    body = body.copy()
    while True:
        _, first = np.unique(body, return_index=True)
        repeats = np.ones(len(body), dtype=bool)
        repeats[first] = False
        if not repeats.any():
            return body
        body[repeats] = np.where(body[repeats] % 1000 >= 998, body[repeats] - 996, body[repeats] + 2)
