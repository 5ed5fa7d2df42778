"""The legal-entity pool: companies and sole traders registered in the district.

Some registrations are fake-address ones, as found in life: a doorplate or building number that does
not exist, and clusters of shell companies registered at one office unit (like the 商务秘书 addresses
in 前海). Shells share a few nominee legal representatives and employ nobody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressParts
from synthetic.config import AS_OF
from synthetic.dates import day
from synthetic.identity import uscc_texts
from synthetic.people import People
from synthetic.plate import COMMERCIAL, INDUSTRIAL, OFFICE, RESIDENTIAL, Plate
from synthetic.seeding import stream
from synthetic.vocab import BRANDS, INDUSTRIES, SHOP_KINDS

ENTITY_TYPES = ("有限责任公司", "个体工商户", "股份有限公司", "分公司")
LIMITED, SOLE_TRADER, JOINT_STOCK, BRANCH = range(4)
_TYPE_WEIGHTS = (0.62, 0.30, 0.03, 0.05)
STATUSES = ("存续", "注销", "吊销")
ACTIVE, CANCELLED, REVOKED = range(3)
GENUINE, NONEXISTENT, CLUSTER = range(3)
FAKE_REASONS = (None, "nonexistent_address", "shared_address_cluster")
_COMPANIES_PER_UNIT = 0.25
_NONEXISTENT_SHARE = 0.02
_COMPANIES_PER_CLUSTER = 1500  # one shell cluster per this many companies
_INVALID_USCC_SHARE = 0.01
_MODERN_CODES_SINCE = day(dt.date(2015, 10, 1))  # organisation codes MA5… since the 2015 reform


@dataclass(frozen=True)
class Companies:
    uscc: pa.Array
    uscc_valid: np.ndarray
    name: pa.Array
    kind: np.ndarray  # index into ENTITY_TYPES
    legal_rep: np.ndarray  # person index
    unit: np.ndarray  # registered unit; for NONEXISTENT the unit the fake address was made from
    fake: np.ndarray  # GENUINE / NONEXISTENT / CLUSTER
    fake_door: np.ndarray  # NONEXISTENT registrations on a doorplate that does not exist; else -1
    fake_building_no: np.ndarray  # … or on a building number beyond the estate's; else -1
    established: np.ndarray  # datetime64[D]
    status: np.ndarray
    closed: np.ndarray  # date of 注销/吊销, NaT while active
    capital_wan: np.ndarray  # NaN for branches, which have none
    size: np.ndarray  # relative number of insured employees; 0 for shells

    def __len__(self) -> int:
        return len(self.kind)

    def address_exists(self, companies: np.ndarray) -> np.ndarray:
        """Whether the registered address is in the base plate (shell clusters' addresses are)."""
        return (self.fake_door[companies] < 0) & (self.fake_building_no[companies] < 0)

    def registered_parts(self, plate: Plate, companies: np.ndarray) -> AddressParts:
        """Registered addresses, with the fake doorplate/building number where there is one."""
        parts = plate.unit_parts(self.unit[companies])
        door, number = self.fake_door[companies], self.fake_building_no[companies]
        return replace(
            parts,
            door=pc.if_else(pa.array(door >= 0), pa.array(door), parts.door),
            building_name=pc.if_else(pa.array(door >= 0), pa.scalar(None, pa.string()), parts.building_name),
            building_no=pc.if_else(pa.array(number >= 0), pa.array(number, pa.int32()), parts.building_no),
        )


def build_companies(plate: Plate, people: People, seed: int) -> Companies:
    rng = stream(seed, "companies")
    n = int(plate.unit_count * _COMPANIES_PER_UNIT)
    kind = rng.choice(len(ENTITY_TYPES), size=n, p=_TYPE_WEIGHTS)
    unit = _registered_units(plate, kind, rng)
    fake = np.where(rng.random(n) < _NONEXISTENT_SHARE, NONEXISTENT, GENUINE)
    fake[kind == SOLE_TRADER] = GENUINE
    legal_rep = rng.choice(people.adults(), size=n)
    _form_clusters(plate, kind, unit, fake, legal_rep, rng)
    fake_door, fake_number = _fake_numbers(plate, unit, fake == NONEXISTENT, rng)
    established = _established(fake, rng)
    status, closed = _status(established, fake, rng)
    invalid = rng.random(n) < _INVALID_USCC_SHARE
    region = np.where(rng.random(n) < 0.8, 440300, 440305)
    return Companies(
        uscc=uscc_texts(
            np.where(kind == SOLE_TRADER, 2, 1), region, established >= _MODERN_CODES_SINCE, invalid, rng
        ),
        uscc_valid=~invalid,
        name=_names(kind, fake, people, legal_rep, rng),
        kind=kind,
        legal_rep=legal_rep,
        unit=unit,
        fake=fake,
        fake_door=fake_door,
        fake_building_no=fake_number,
        established=established,
        status=status,
        closed=closed,
        capital_wan=_capital(kind, fake, rng),
        size=_sizes(kind, fake, status, rng),
    )


def _registered_units(plate: Plate, kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Companies sit mostly in offices, sole traders in shops; some register at home."""
    usage = np.where(
        kind == SOLE_TRADER,
        rng.choice([COMMERCIAL, RESIDENTIAL], size=len(kind), p=[0.8, 0.2]),
        rng.choice([OFFICE, INDUSTRIAL, COMMERCIAL, RESIDENTIAL], size=len(kind), p=[0.75, 0.08, 0.05, 0.12]),
    )
    unit = np.empty(len(kind), dtype=np.int64)
    for kind_of_use in np.unique(usage):
        rows = np.flatnonzero(usage == kind_of_use)
        unit[rows] = rng.choice(plate.units_of_usage(int(kind_of_use)), size=len(rows))
    return unit


def _form_clusters(
    plate: Plate,
    kind: np.ndarray,
    unit: np.ndarray,
    fake: np.ndarray,
    legal_rep: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Move 20–80 limited companies per cluster to one office unit, with a few nominee legal reps.
    The first cluster sits in 前海, where such secretary-service addresses are common."""
    offices = plate.units_of_usage(OFFICE)
    qianhai = offices[plate.in_virtual_community(offices)]
    candidates = np.flatnonzero((kind == LIMITED) & (fake == GENUINE))
    clusters = max(1, round(len(kind) / _COMPANIES_PER_CLUSTER))
    sizes = np.minimum(rng.integers(20, 81, clusters), len(candidates) // clusters)
    members = rng.choice(candidates, size=int(sizes.sum()), replace=False)
    for index, group in enumerate(np.split(members, np.cumsum(sizes)[:-1])):
        pool = qianhai if index == 0 and len(qianhai) else offices
        unit[group] = rng.choice(pool)
        fake[group] = CLUSTER
        legal_rep[group] = rng.choice(rng.choice(legal_rep, size=int(rng.integers(3, 7))), size=len(group))


def _fake_numbers(
    plate: Plate, unit: np.ndarray, fake: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A building number past the estate's last building, or a doorplate past the road's last one."""
    building = plate.buildings.estate[plate.units.building[unit]]
    in_estate = building >= 0
    estate_size = plate.estates.size[np.where(in_estate, building, 0)] if len(plate.estates.size) else 0
    number = np.where(fake & in_estate, estate_size + rng.integers(2, 9, len(unit)), -1)
    road = plate.buildings.road[plate.units.building[unit]]
    door = np.where(fake & ~in_estate, plate.max_door[road] + rng.integers(60, 900, len(unit)), -1)
    return door, number


def _established(fake: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    years_ago = np.where(fake == CLUSTER, rng.uniform(0.5, 8, len(fake)), rng.exponential(7, len(fake)))
    return day(AS_OF) - np.minimum(years_ago * 365.25, 31 * 365.25).astype("timedelta64[D]")


def _status(
    established: np.ndarray, fake: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    status = rng.choice(len(STATUSES), size=len(fake), p=[0.82, 0.13, 0.05])
    status[fake == CLUSTER] = np.where(rng.random((fake == CLUSTER).sum()) < 0.1, REVOKED, ACTIVE)
    alive_days = (day(AS_OF) - established).astype(np.int64)
    closed = established + (rng.random(len(fake)) * alive_days).astype("timedelta64[D]")
    return status, np.where(status == ACTIVE, np.datetime64("NaT"), closed)


def _capital(kind: np.ndarray, fake: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    median = np.array([100.0, 5.0, 5000.0, np.nan])[kind]
    median = np.where(fake == CLUSTER, 500.0, median)  # shells declare round, large capital
    capital = np.round(median * rng.lognormal(0, 0.9, len(kind)), 2)
    return np.where(fake == CLUSTER, np.round(capital, -2).clip(100), capital)


def _sizes(kind: np.ndarray, fake: np.ndarray, status: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    size = rng.lognormal(1.2, 1.3, len(kind)) * np.array([1.0, 0.3, 8.0, 2.0])[kind]
    size[(fake != GENUINE) | (status != ACTIVE)] = 0.0
    return size


def _names(
    kind: np.ndarray, fake: np.ndarray, people: People, legal_rep: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    n = len(kind)
    space = len(BRANDS) ** 2 * len(INDUSTRIES)
    pick = rng.choice(space, size=n, replace=n > space)  # unique while the combinations last
    first, rest = np.divmod(pick, len(BRANDS) * len(INDUSTRIES))
    second, industry = np.divmod(rest, len(INDUSTRIES))
    second = np.where(second == first, (second + 1) % len(BRANDS), second)  # no 卓远卓远
    brand = pc.binary_join_element_wise(_take(BRANDS, first), _take(BRANDS, second), "")
    trade = pc.binary_join_element_wise(brand, _take(INDUSTRIES, industry), "")
    city = pc.if_else(pa.array(fake == CLUSTER), "深圳前海", "深圳市")
    limited = pc.binary_join_element_wise(city, trade, "有限公司", "")
    shop = pc.binary_join_element_wise(
        "深圳市南山区", _take(BRANDS, first), _take(SHOP_KINDS, rng.integers(0, len(SHOP_KINDS), n)), ""
    )
    owner_shop = pc.binary_join_element_wise(
        "南山区",
        pc.utf8_slice_codeunits(people.name.take(pa.array(legal_rep)), 0, 1),
        "记",
        _take(SHOP_KINDS, rng.integers(0, len(SHOP_KINDS), n)),
        "",
    )
    forms = [
        limited,
        pc.if_else(pa.array(rng.random(n) < 0.5), shop, owner_shop),
        pc.binary_join_element_wise("深圳", trade, "股份有限公司", ""),
        pc.binary_join_element_wise(limited, "南山分公司", ""),
    ]
    return pc.choose(pa.array(kind.astype(np.int8)), *forms)


def _take(words: tuple[str, ...], index: np.ndarray) -> pa.Array:
    return pa.array(words).take(pa.array(index))
