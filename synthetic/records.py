"""Values as a department writes them (addresses, resident IDs, names, phones), with their truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressParts, AddressStyle, homophone_typos, render
from synthetic.companies import Companies
from synthetic.fields import pick
from synthetic.identity import IdStyle, write_ids
from synthetic.people import People
from synthetic.plate import Plate
from synthetic.vocab import FEMALE_GIVEN, MALE_GIVEN

_NULL = pa.scalar(None, pa.string())


@dataclass(frozen=True)
class WrittenAddress:
    text: pa.Array  # null where the department left it empty
    unit_code: pa.Array  # what the text refers to; null for building-level or out-of-district texts
    building_code: pa.Array
    exists: np.ndarray  # false for addresses the base plate does not have
    room_written: np.ndarray

    def where(self, mask: np.ndarray, other: WrittenAddress) -> WrittenAddress:
        """This address where ``mask`` holds, else ``other``'s."""
        chosen = pa.array(mask)
        return WrittenAddress(
            text=pc.if_else(chosen, self.text, other.text),
            unit_code=pc.if_else(chosen, self.unit_code, other.unit_code),
            building_code=pc.if_else(chosen, self.building_code, other.building_code),
            exists=np.where(mask, self.exists, other.exists),
            room_written=np.where(mask, self.room_written, other.room_written),
        )

    def with_text(self, text: pa.Array) -> WrittenAddress:
        """The same addresses written differently (e.g. with a remark appended)."""
        return WrittenAddress(text, self.unit_code, self.building_code, self.exists, self.room_written)

    def blanked(self, mask: np.ndarray) -> WrittenAddress:
        """The same with the text left empty where ``mask`` holds."""
        return self.with_text(pc.if_else(pa.array(mask), _NULL, self.text))


def unit_addresses(
    plate: Plate, units: np.ndarray, style: AddressStyle, rng: np.random.Generator
) -> WrittenAddress:
    return _written(
        plate.unit_parts(units), style, rng, plate.unit_codes(units), plate.units.building[units], plate
    )


def building_addresses(
    plate: Plate, buildings: np.ndarray, style: AddressStyle, rng: np.random.Generator
) -> WrittenAddress:
    no_units = pa.nulls(len(buildings), pa.string())
    return _written(plate.building_parts(buildings), style, rng, no_units, buildings, plate)


def invented_addresses(
    parts: AddressParts,
    exists: np.ndarray,
    units: np.ndarray,
    plate: Plate,
    style: AddressStyle,
    rng: np.random.Generator,
) -> WrittenAddress:
    """Addresses made from altered parts; rows where ``exists`` is false point nowhere."""
    written = _written(parts, style, rng, plate.unit_codes(units), plate.units.building[units], plate)
    gone = pa.array(~exists)
    return WrittenAddress(
        written.text,
        pc.if_else(gone, _NULL, written.unit_code),
        pc.if_else(gone, _NULL, written.building_code),
        exists,
        written.room_written,
    )


def registered_addresses(
    plate: Plate, companies: Companies, index: np.ndarray, style: AddressStyle, rng: np.random.Generator
) -> WrittenAddress:
    """Companies' registered addresses, including the fake ones (which point nowhere)."""
    parts = companies.registered_parts(plate, index)
    return invented_addresses(
        parts, companies.address_exists(index), companies.unit[index], plate, style, rng
    )


def outside_addresses(text: pa.Array) -> WrittenAddress:
    """Addresses outside the district (household registers elsewhere): nothing in the plate."""
    nulls = pa.nulls(len(text), pa.string())
    return WrittenAddress(text, nulls, nulls, np.zeros(len(text), bool), np.zeros(len(text), bool))


def _written(
    parts: AddressParts,
    style: AddressStyle,
    rng: np.random.Generator,
    unit_code: pa.Array,
    buildings: np.ndarray,
    plate: Plate,
) -> WrittenAddress:
    rendered = render(parts, style, rng)
    building_code = plate.buildings.code.take(pa.array(buildings))
    return WrittenAddress(
        rendered.text, unit_code, building_code, np.ones(len(buildings), bool), rendered.room_written
    )


@dataclass(frozen=True)
class PersonStyle:
    """How a department writes people: ID quirks, names with a space, missing phones."""

    ids: IdStyle = field(default_factory=IdStyle)
    name_space: float = 0.01  # 张 伟
    dot_variant: float = 0.3  # 买买提.艾力 for 买买提·艾力
    phone_missing: float = 0.05


@dataclass(frozen=True)
class PersonIds:
    text: pa.Array  # null where there is no person (-1)
    valid: np.ndarray
    person: np.ndarray  # -1: empty cell
    true_id: pa.Array


def person_ids(
    people: People, persons: np.ndarray, style: PersonStyle, rng: np.random.Generator
) -> PersonIds:
    written = write_ids(people.body[np.maximum(persons, 0)], style.ids, rng)
    present = pa.array(persons >= 0)
    return PersonIds(
        text=pc.if_else(present, written.text, _NULL),
        valid=written.valid,
        person=persons,
        true_id=pc.if_else(present, people.id_number.take(pa.array(np.maximum(persons, 0))), _NULL),
    )


def person_names(
    people: People, persons: np.ndarray, style: PersonStyle, rng: np.random.Generator
) -> pa.Array:
    names = _take(people.name, persons)
    n = len(persons)
    spaced = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(names, 0, 1), pc.utf8_slice_codeunits(names, 1), " "
    )
    dotted = pc.fill_null(pc.match_substring(names, "·"), False)
    names = pc.if_else(pc.and_(pa.array(rng.random(n) < style.name_space), pc.invert(dotted)), spaced, names)
    variant = pc.replace_substring(names, "·", ".")
    return pc.if_else(pa.array(rng.random(n) < style.dot_variant), variant, names)


def misspelled_names(names: pa.Array, rng: np.random.Generator) -> pa.Array:
    """The same names re-typed by someone else: a same-sounding given-name character, else the last
    character replaced, as in a second registration of the same person."""
    surname, given = pc.utf8_slice_codeunits(names, 0, 1), pc.utf8_slice_codeunits(names, 1)
    typed = homophone_typos(given, 1.0, rng)
    other = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(given, 0, -1), pick(rng, MALE_GIVEN + FEMALE_GIVEN, len(names)), ""
    )
    return pc.binary_join_element_wise(surname, pc.if_else(pc.equal(typed, given), other, typed), "")


def person_phones(
    people: People, persons: np.ndarray, style: PersonStyle, rng: np.random.Generator
) -> pa.Array:
    phones = _take(people.phone, persons)
    return pc.if_else(pa.array(rng.random(len(persons)) < style.phone_missing), _NULL, phones)


def _take(values: pa.Array, persons: np.ndarray) -> pa.Array:
    return values.take(pa.array(persons, pa.int64(), mask=persons < 0))
