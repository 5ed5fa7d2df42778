"""The base plate (底板): grids, estates, buildings, doorplates and units below the real communities.

Codes follow the block hierarchy: grid = community code + 3 digits, building = grid code + 4 digits,
unit = building code + 2-digit floor + 2-digit room. Everything is held as numpy/Arrow columns; index
positions are the identities other modules refer to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressParts, standard_address
from synthetic.config import AS_OF, DISTRICT_CODE, ScaleProfile
from synthetic.divisions import Community, load_communities
from synthetic.place_names import alias_names, pick_names
from synthetic.seeding import stream
from synthetic.vocab import (
    ESTATE_HEADS,
    ESTATE_PHASES,
    ESTATE_TAILS,
    OFFICE_HEADS,
    OFFICE_TAILS,
    STREET_ROADS,
)

USAGES = ("住宅", "商业", "办公", "工业")
RESIDENTIAL, COMMERCIAL, OFFICE, INDUSTRIAL = range(4)
_USAGE_WEIGHTS = (0.78, 0.07, 0.11, 0.04)
_ESTATE_SHARE = 0.7  # residential buildings inside a 小区; the rest stand alone (urban villages)
_ROOMS_PER_FLOOR = {
    RESIDENTIAL: (2, 4, 6, 8),
    COMMERCIAL: (4, 6, 10),
    OFFICE: (6, 8, 12, 16),
    INDUSTRIAL: (2, 4),
}
_AREA_SQM = {
    RESIDENTIAL: (85, 30, 30),
    COMMERCIAL: (90, 60, 15),
    OFFICE: (220, 150, 40),
    INDUSTRIAL: (600, 300, 150),
}


@dataclass(frozen=True)
class Grids:
    code: pa.Array  # 15 digits
    community: np.ndarray


@dataclass(frozen=True)
class Estates:
    estate_id: pa.Array
    name: pa.Array
    aliases: pa.Array  # list<string>, possibly empty
    community: np.ndarray
    road: np.ndarray
    door: np.ndarray
    size: np.ndarray  # number of buildings


@dataclass(frozen=True)
class Buildings:
    code: pa.Array  # 19 digits
    community: np.ndarray
    grid: np.ndarray
    estate: np.ndarray  # -1: stands alone on its road
    number: np.ndarray  # number within the estate, 0 when alone
    name: pa.Array  # named (non-residential) buildings; null otherwise
    road: np.ndarray
    door: np.ndarray
    usage: np.ndarray
    floors: np.ndarray
    rooms_per_floor: np.ndarray
    built_year: np.ndarray
    longitude: np.ndarray
    latitude: np.ndarray
    first_unit: np.ndarray  # units of building b are first_unit[b] : first_unit[b + 1]


@dataclass(frozen=True)
class Doorplates:
    building: np.ndarray
    road: np.ndarray
    door: np.ndarray


@dataclass(frozen=True)
class Units:
    building: np.ndarray
    floor: np.ndarray
    room: np.ndarray
    area_sqm: np.ndarray


@dataclass(frozen=True)
class Plate:
    communities: tuple[Community, ...]
    roads: tuple[str, ...]
    grids: Grids
    estates: Estates
    buildings: Buildings
    doorplates: Doorplates
    units: Units
    max_door: np.ndarray  # per road: any higher number on that road does not exist

    @property
    def unit_count(self) -> int:
        return len(self.units.building)

    def units_of_usage(self, *usages: int) -> np.ndarray:
        return np.flatnonzero(np.isin(self.buildings.usage[self.units.building], usages))

    def community_of_units(self, units: np.ndarray) -> np.ndarray:
        return self.buildings.community[self.units.building[units]]

    def in_virtual_community(self, units: np.ndarray) -> np.ndarray:
        """Whether each unit lies in 前海's virtual community (offices only, never named in addresses)."""
        virtual = np.array([c.virtual for c in self.communities])
        return virtual[self.community_of_units(units)]

    def unit_codes(self, units: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(
            self.buildings.code.take(pa.array(self.units.building[units])),
            _two_digits(self.units.floor[units]),
            _two_digits(self.units.room[units]),
            "",
        )

    def room_numbers(self, units: np.ndarray) -> pa.Array:
        """The room as people say it: floor then 2-digit room, e.g. '1202', '302'."""
        return pc.cast(pa.array(self.units.floor[units] * 100 + self.units.room[units]), pa.string())

    def building_parts(self, buildings: np.ndarray) -> AddressParts:
        b = self.buildings
        community = b.community[buildings]
        estate = b.estate[buildings]
        street_names = pa.array([c.street_name for c in self.communities])
        community_names = pa.array([None if c.virtual else c.name for c in self.communities], pa.string())
        no_rooms = pa.nulls(len(buildings), pa.int32())
        return AddressParts(
            street=street_names.take(pa.array(community)),
            community=community_names.take(pa.array(community)),
            road=pa.array(self.roads).take(pa.array(b.road[buildings])),
            door=pa.array(b.door[buildings]),
            estate=_take_or_null(self.estates.name, estate),
            aliases=_take_or_null(self.estates.aliases, estate),
            building_no=pa.array(b.number[buildings], pa.int32(), mask=estate < 0),
            building_name=b.name.take(pa.array(buildings)),
            floor=no_rooms,
            room=no_rooms,
        )

    def unit_parts(self, units: np.ndarray) -> AddressParts:
        parts = self.building_parts(self.units.building[units])
        return _with_rooms(parts, self.units.floor[units], self.units.room[units])

    def standard_unit_addresses(self, units: np.ndarray) -> pa.Array:
        return standard_address(self.unit_parts(units))


def build_plate(profile: ScaleProfile, seed: int) -> Plate:
    rng = stream(seed, "plate")
    communities = load_communities(DISTRICT_CODE)
    roads = tuple(sorted({road for names in STREET_ROADS.values() for road in names}))
    layout = _layout_buildings(communities, profile, rng)
    grids = _grids(communities, profile)
    grid = _assign_grids(layout, grids, rng)
    order = np.lexsort((layout.number, layout.estate, grid))  # code order: grid, estate, number
    layout = layout.reordered(order)
    grid = grid[order]
    community_roads = _community_roads(communities, roads, rng)
    doors = _allocate_doors(layout, community_roads, len(roads), rng)
    floors, rooms = _sizes(layout.usage, profile.units, rng)
    buildings = _buildings(layout, grid, grids, doors, floors, rooms, rng)
    estates = _estates(layout, communities, doors, rng)
    return Plate(
        communities=communities,
        roads=roads,
        grids=grids,
        estates=estates,
        buildings=buildings,
        doorplates=doors.plates,
        units=_units(buildings, rng),
        max_door=doors.max_door,
    )


@dataclass(frozen=True)
class _Layout:
    """Buildings before they have codes: community, usage and estate membership."""

    community: np.ndarray
    usage: np.ndarray
    estate: np.ndarray
    number: np.ndarray
    estate_community: np.ndarray

    def reordered(self, order: np.ndarray) -> _Layout:
        return _Layout(
            self.community[order],
            self.usage[order],
            self.estate[order],
            self.number[order],
            self.estate_community,
        )


@dataclass(frozen=True)
class _Doors:
    road: np.ndarray  # per building
    door: np.ndarray
    estate_road: np.ndarray
    estate_door: np.ndarray
    plates: Doorplates
    max_door: np.ndarray


def _layout_buildings(
    communities: tuple[Community, ...], profile: ScaleProfile, rng: np.random.Generator
) -> _Layout:
    virtual = np.array([c.virtual for c in communities])
    weights = rng.lognormal(0.0, 0.5, len(communities)) * np.where(virtual, 0.3, 1.0)
    total = profile.buildings_per_community * len(communities)
    counts = 1 + rng.multinomial(total - len(communities), weights / weights.sum())
    community = np.repeat(np.arange(len(communities)), counts)
    usage = rng.choice(len(USAGES), size=len(community), p=_USAGE_WEIGHTS)
    usage[virtual[community]] = OFFICE
    in_estate = (usage == RESIDENTIAL) & (rng.random(len(community)) < _ESTATE_SHARE)
    mean_size = float(np.clip(profile.buildings_per_community / 6, 1.5, 8))
    estate, number, estate_community = _group_estates(community, in_estate, mean_size, rng)
    return _Layout(community, usage, estate, number, estate_community)


def _group_estates(
    community: np.ndarray, in_estate: np.ndarray, mean_size: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each community's estate buildings into estates; returns estate, number, estate community."""
    estate = np.full(len(community), -1, dtype=np.int64)
    number = np.zeros(len(community), dtype=np.int64)
    owners: list[int] = []
    for c in np.unique(community):
        members = np.flatnonzero((community == c) & in_estate)
        start = 0
        while start < len(members):
            size = min(int(rng.geometric(1 / mean_size)), len(members) - start)
            chunk = members[start : start + size]
            estate[chunk] = len(owners)
            number[chunk] = np.arange(1, size + 1)
            owners.append(int(c))
            start += size
    return estate, number, np.array(owners, dtype=np.int64)


def _grids(communities: tuple[Community, ...], profile: ScaleProfile) -> Grids:
    per_community = [1 if c.virtual else profile.grids_per_community for c in communities]
    community = np.repeat(np.arange(len(communities)), per_community)
    codes = [
        f"{communities[c].code}{n:03d}" for c, count in enumerate(per_community) for n in range(1, count + 1)
    ]
    return Grids(code=pa.array(codes), community=community)


def _assign_grids(layout: _Layout, grids: Grids, rng: np.random.Generator) -> np.ndarray:
    """A random grid of the building's community; all buildings of an estate share one grid."""
    first = np.searchsorted(grids.community, np.arange(grids.community.max() + 1))
    count = np.bincount(grids.community)
    estate_grid = first[layout.estate_community] + rng.integers(0, count[layout.estate_community])
    own_grid = first[layout.community] + rng.integers(0, count[layout.community])
    in_estate = layout.estate >= 0
    if not in_estate.any():
        return own_grid
    return np.where(in_estate, estate_grid[np.where(in_estate, layout.estate, 0)], own_grid)


def _community_roads(
    communities: tuple[Community, ...], roads: tuple[str, ...], rng: np.random.Generator
) -> list[np.ndarray]:
    index = {road: i for i, road in enumerate(roads)}
    chosen = []
    for community in communities:
        names = STREET_ROADS[community.street_suffix]
        picks = rng.choice(len(names), size=min(len(names), int(rng.integers(2, 5))), replace=False)
        chosen.append(np.array([index[names[p]] for p in picks]))
    return chosen


def _allocate_doors(
    layout: _Layout, community_roads: list[np.ndarray], road_count: int, rng: np.random.Generator
) -> _Doors:
    """Doorplates: one per estate (shared by its buildings), one per standalone building, and a
    second plate for some corner buildings. Numbers grow along each road."""
    alone = np.flatnonzero(layout.estate < 0)
    corner = alone[rng.random(len(alone)) < 0.08]
    # One numbering over everything that owns a plate, so no number repeats on a road.
    owners = np.concatenate([layout.estate_community, layout.community[alone], layout.community[corner]])
    road = _random_road(community_roads, owners, rng)
    door = _door_numbers(road, owners, road_count, rng)
    bounds = [len(layout.estate_community), len(layout.estate_community) + len(alone)]
    estate_road, alone_road, corner_road = np.split(road, bounds)
    estate_door, alone_door, corner_door = np.split(door, bounds)
    building_road = _per_building(layout, estate_road, alone_road)
    building_door = _per_building(layout, estate_door, alone_door)
    building = np.concatenate([np.arange(len(layout.community)), corner])
    order = np.argsort(building, kind="stable")
    plates = Doorplates(
        building=building[order],
        road=np.concatenate([building_road, corner_road])[order],
        door=np.concatenate([building_door, corner_door])[order],
    )
    max_door = np.zeros(road_count, dtype=np.int64)
    np.maximum.at(max_door, road, door)
    return _Doors(building_road, building_door, estate_road, estate_door, plates, max_door)


def _per_building(layout: _Layout, estate_values: np.ndarray, alone_values: np.ndarray) -> np.ndarray:
    """Spread values per estate and per standalone building (in building order) over all buildings."""
    values = np.empty(len(layout.community), dtype=np.int64)
    in_estate = layout.estate >= 0
    values[in_estate] = estate_values[layout.estate[in_estate]]
    values[~in_estate] = alone_values
    return values


def _random_road(
    community_roads: list[np.ndarray], community: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    width = max(len(roads) for roads in community_roads)
    table = np.stack([np.resize(roads, width) for roads in community_roads])  # pad by repeating
    counts = np.array([len(roads) for roads in community_roads])
    return table[community, (rng.random(len(community)) * counts[community]).astype(np.int64)]


def _door_numbers(
    road: np.ndarray, community: np.ndarray, road_count: int, rng: np.random.Generator
) -> np.ndarray:
    """Increasing numbers along each road, communities in order, with irregular gaps."""
    order = np.lexsort((rng.random(len(road)), community, road))
    gaps = rng.integers(2, 40, size=len(road))
    running = np.cumsum(gaps[order])
    road_sorted = road[order]
    starts = np.searchsorted(road_sorted, np.arange(road_count))
    before = np.concatenate([[0], running])[starts]  # running total before each road's first entry
    door = np.empty(len(road), dtype=np.int64)
    door[order] = running - before[road_sorted]
    return door


def _sizes(usage: np.ndarray, target_units: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Floors and rooms per floor per building, scaled so the plate has about ``target_units`` units."""
    rooms = np.empty(len(usage), dtype=np.int64)
    for kind, choices in _ROOMS_PER_FLOOR.items():
        mask = usage == kind
        rooms[mask] = rng.choice(choices, size=mask.sum())
    shape = rng.lognormal(0.0, 0.45, len(usage)) * np.where(usage == INDUSTRIAL, 0.3, 1.0)
    scale = target_units / float((shape * rooms).sum())
    floors = np.clip(np.round(shape * scale), 1, 60).astype(np.int64)
    return floors, rooms


def _buildings(
    layout: _Layout,
    grid: np.ndarray,
    grids: Grids,
    doors: _Doors,
    floors: np.ndarray,
    rooms: np.ndarray,
    rng: np.random.Generator,
) -> Buildings:
    n = len(grid)
    sequence = np.arange(n) - np.searchsorted(grid, grid)  # position within the grid (grid is sorted)
    codes = pc.binary_join_element_wise(grids.code.take(pa.array(grid)), _padded(sequence + 1, 4), "")
    named = (layout.estate < 0) & (layout.usage != RESIDENTIAL)  # towers like 海岸大厦
    names = pick_names(rng, int(named.sum()), OFFICE_HEADS, OFFICE_TAILS, ESTATE_PHASES)
    name = np.full(n, None, dtype=object)
    name[named] = names
    center_lon = 113.88 + rng.random(layout.community.max() + 1) * 0.11
    center_lat = 22.48 + rng.random(layout.community.max() + 1) * 0.12
    counts = floors * rooms
    return Buildings(
        code=codes,
        community=layout.community,
        grid=grid,
        estate=layout.estate,
        number=layout.number,
        name=pa.array(name, pa.string()),
        road=doors.road,
        door=doors.door,
        usage=layout.usage,
        floors=floors,
        rooms_per_floor=rooms,
        built_year=rng.integers(1985, AS_OF.year - 2, size=n),
        longitude=np.round(center_lon[layout.community] + rng.normal(0, 0.004, n), 6),
        latitude=np.round(center_lat[layout.community] + rng.normal(0, 0.004, n), 6),
        first_unit=np.concatenate([[0], np.cumsum(counts)]),
    )


def _estates(
    layout: _Layout, communities: tuple[Community, ...], doors: _Doors, rng: np.random.Generator
) -> Estates:
    n = len(layout.estate_community)
    names = pick_names(rng, n, ESTATE_HEADS, ESTATE_TAILS, ESTATE_PHASES)
    codes = [communities[c].code for c in layout.estate_community]
    per_community = np.arange(n) - np.searchsorted(layout.estate_community, layout.estate_community)
    return Estates(
        estate_id=pa.array([f"XQ{code}{k + 1:03d}" for code, k in zip(codes, per_community, strict=True)]),
        name=pa.array(names),
        aliases=alias_names(rng, names),
        community=layout.estate_community,
        road=doors.estate_road,
        door=doors.estate_door,
        size=np.bincount(layout.estate[layout.estate >= 0], minlength=n),
    )


def _units(buildings: Buildings, rng: np.random.Generator) -> Units:
    counts = np.diff(buildings.first_unit)
    building = np.repeat(np.arange(len(counts)), counts)
    position = np.arange(len(building)) - buildings.first_unit[building]
    rooms = buildings.rooms_per_floor[building]
    usage = buildings.usage[building]
    mean, spread, low = (np.array([_AREA_SQM[u][i] for u in range(len(USAGES))])[usage] for i in range(3))
    area = np.round(np.maximum(low, rng.normal(mean, spread)), 2)
    return Units(building=building, floor=position // rooms + 1, room=position % rooms + 1, area_sqm=area)


def _two_digits(values: np.ndarray) -> pa.Array:
    return _padded(values, 2)


def _padded(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=width, padding="0")


def _take_or_null(values: pa.Array, index: np.ndarray) -> pa.Array:
    return values.take(pa.array(index, pa.int64(), mask=index < 0))


def _with_rooms(parts: AddressParts, floor: np.ndarray, room: np.ndarray) -> AddressParts:
    return replace(parts, floor=pa.array(floor, pa.int32()), room=pa.array(room, pa.int32()))
