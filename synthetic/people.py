"""The resident pool: households living in the plate's residential units.

Persons are grouped in households so departments can agree on who is whose child (education's
guardians, health's birth certificates) and who lives alone (civil's elderly). Index positions are
person ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.config import AS_OF
from synthetic.dates import day
from synthetic.identity import ric_bodies, ric_texts
from synthetic.plate import RESIDENTIAL, Plate
from synthetic.regions import Regions, load_regions
from synthetic.seeding import stream
from synthetic.vocab import (
    COMPOUND_SURNAMES,
    DOTTED_NAMES,
    FEMALE_GIVEN,
    MALE_GIVEN,
    MOBILE_PREFIXES,
    SURNAMES,
)

HEAD, PARTNER, CHILD, ELDER = range(4)
_OCCUPANCY = 0.88  # share of homes with someone registered living there
# (adults, children, elders, weight): the mix of household shapes.
_HOUSEHOLDS = np.array(
    [
        (1, 0, 0, 22),
        (2, 0, 0, 18),
        (2, 1, 0, 22),
        (2, 2, 0, 13),
        (1, 1, 0, 5),
        (0, 0, 1, 8),
        (0, 0, 2, 5),
        (2, 1, 1, 4),
        (3, 0, 0, 3),
    ]
)
_LOCAL_SHARE = {HEAD: 0.28, PARTNER: 0.28, CHILD: 0.75, ELDER: 0.15}  # born with a Shenzhen region code


@dataclass(frozen=True)
class People:
    body: np.ndarray  # 17-digit resident ID body (int64); the ID is this plus its check character
    id_number: pa.Array
    name: pa.Array
    male: np.ndarray
    birth: np.ndarray  # datetime64[D]
    phone: pa.Array  # null for young children
    unit: np.ndarray  # residence, a unit index of the plate
    household: np.ndarray
    role: np.ndarray
    region: np.ndarray  # index into regions
    regions: Regions
    head: np.ndarray  # per household: its first person

    def __len__(self) -> int:
        return len(self.body)

    def age(self, persons: np.ndarray | None = None) -> np.ndarray:
        birth = self.birth if persons is None else self.birth[persons]
        as_of = day(AS_OF)
        years = as_of.astype("datetime64[Y]") - birth.astype("datetime64[Y]")
        before_birthday = (as_of - as_of.astype("datetime64[Y]")) < (birth - birth.astype("datetime64[Y]"))
        return years.astype(np.int64) - before_birthday

    def adults(self) -> np.ndarray:
        return np.flatnonzero(np.isin(self.role, (HEAD, PARTNER)))

    def parent(self, persons: np.ndarray, male: bool) -> np.ndarray:
        """The household's adult of the given sex for each person, -1 if none (single parents)."""
        head = self.head[self.household[persons]]
        partner = head + 1
        candidates = np.stack([head, np.minimum(partner, len(self) - 1)])
        fits = (self.male[candidates] == male) & np.isin(self.role[candidates], (HEAD, PARTNER))
        fits[1] &= self.household[candidates[1]] == self.household[persons]
        return np.where(fits[0], candidates[0], np.where(fits[1], candidates[1], -1))


def build_people(plate: Plate, seed: int) -> People:
    rng = stream(seed, "people")
    homes = plate.units_of_usage(RESIDENTIAL)
    homes = np.sort(rng.choice(homes, size=int(len(homes) * _OCCUPANCY), replace=False))
    shape = _HOUSEHOLDS[
        rng.choice(len(_HOUSEHOLDS), size=len(homes), p=_HOUSEHOLDS[:, 3] / _HOUSEHOLDS[:, 3].sum())
    ]
    role, household = _members(shape[:, :3])
    head = np.searchsorted(household, np.arange(len(homes)))
    male = _sexes(role, household, head, rng)
    age = _ages(role, household, head, rng)
    birth = day(AS_OF) - (age * 365.25 + rng.integers(0, 365, len(age))).astype("timedelta64[D]")
    regions = load_regions()
    local = rng.random(len(role)) < np.array([_LOCAL_SHARE[r] for r in range(4)])[role]
    region = regions.draw(rng, birth.astype("datetime64[Y]").astype(np.int64) + 1970, local)
    body = ric_bodies(regions.code[region], birth, male, rng)
    return People(
        body=body,
        id_number=ric_texts(body),
        name=_names(male, role, household, head, rng),
        male=male,
        birth=birth,
        phone=_phones(age, rng),
        unit=homes[household],
        household=household,
        role=role,
        region=region,
        regions=regions,
        head=head,
    )


def _members(shape: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roles per person (adults first: head, partners; then children, then elders) and household."""
    sizes = shape.sum(axis=1)
    household = np.repeat(np.arange(len(shape)), sizes)
    position = np.arange(len(household)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    adults, children = shape[household, 0], shape[household, 1]
    role = np.select(
        [position >= adults + children, position >= adults, position > 0], [ELDER, CHILD, PARTNER], HEAD
    )
    return role, household


def _sexes(role: np.ndarray, household: np.ndarray, head: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    male = rng.random(len(role)) < 0.5
    partner = (role == PARTNER) & (np.arange(len(role)) == head[household] + 1)
    male[partner] = ~male[np.flatnonzero(partner) - 1]  # couples: one man, one woman
    return male


def _ages(role: np.ndarray, household: np.ndarray, head: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(role)
    adult = np.clip(rng.normal(37, 9, n), 22, 64).astype(np.int64)
    age = adult.copy()
    head_age = adult[head[household]]
    age[role == PARTNER] = np.clip(head_age + rng.normal(0, 3, n).astype(np.int64), 20, 66)[role == PARTNER]
    oldest_child = np.clip(head_age - 20, 0, 17)
    age[role == CHILD] = (rng.random(n) * (oldest_child + 1)).astype(np.int64)[role == CHILD]
    age[role == ELDER] = np.clip(65 + rng.exponential(9, n), 65, 98).astype(np.int64)[role == ELDER]
    return age


def _names(
    male: np.ndarray, role: np.ndarray, household: np.ndarray, head: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    n = len(male)
    weights = 1 / (np.arange(len(SURNAMES)) + 8)  # Zipf-like: 陈 and 李 far ahead of 龚
    surname_index = rng.choice(len(SURNAMES), size=n, p=weights / weights.sum())
    surnames = pa.array(SURNAMES).take(pa.array(surname_index))
    compound = rng.random(n) < 0.003
    surnames = pc.if_else(pa.array(compound), _pick(COMPOUND_SURNAMES, rng, n), surnames)
    first, second_adult = head[household], np.minimum(head[household] + 1, n - 1)
    father = np.where(~male[first] & (role[second_adult] == PARTNER), second_adult, first)
    surnames = pc.if_else(pa.array(role == CHILD), surnames.take(pa.array(father)), surnames)
    given = pc.if_else(pa.array(male), _pick(MALE_GIVEN, rng, n), _pick(FEMALE_GIVEN, rng, n))
    second = pc.if_else(pa.array(male), _pick(MALE_GIVEN, rng, n), _pick(FEMALE_GIVEN, rng, n))
    second = pc.if_else(pa.array(rng.random(n) < 0.75), second, "")
    names = pc.binary_join_element_wise(surnames, given, second, "")
    return pc.if_else(pa.array(rng.random(n) < 0.001), _pick(DOTTED_NAMES, rng, n), names)


def _phones(age: np.ndarray, rng: np.random.Generator) -> pa.Array:
    prefix = np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), len(age))]
    number = prefix.astype(np.int64) * 10**8 + rng.integers(0, 10**8, len(age))
    return pc.cast(pa.array(number, mask=age < 14), pa.string())


def _pick(words: tuple[str, ...], rng: np.random.Generator, n: int) -> pa.Array:
    return pa.array(words).take(pa.array(rng.integers(0, len(words), n)))
