"""The address grammar: the order in which parts are bitten off the front of a cleaned address.

Chinese addresses run from the largest division to the smallest (province … room), so the parser
walks that order once: each :class:`Step` tries one regex anchored at the start of what is left,
takes its named groups as parts and removes the text it matched. A step that finds nothing changes
nothing, which makes every part optional.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from address import vocab
from address.gazetteer import division_names
from address.villages import take_towns, take_villages

PARTS = (
    "province", "city", "district", "street", "community", "road", "roadno",
    "estate", "building", "entrance", "floor", "room",
)


@dataclass(frozen=True)
class Step:
    """One bite: ``pattern`` is consumed, its named groups are parts.

    ``follow`` must match right after the bite but is left in place (the engine has no look-ahead);
    ``reject_next`` voids the bite when the text after it starts that way; ``unless`` names parts
    that, once found, make the step pointless (a second building number, an estate after one), and
    ``requires`` parts it only makes sense after (a village's groups).
    """

    name: str
    pattern: str
    follow: str = ""
    reject_next: str = ""
    unless: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lookup:
    """A step that consults a table instead of a regex: ``apply(frame, rest)`` takes its parts from the
    front of the column ``rest`` and cuts what it took."""

    name: str
    apply: Callable[[pl.LazyFrame, str], pl.LazyFrame]


def _han_except(chars: str) -> str:
    return rf"[\p{{Han}}--[{chars}]]"


def _not_in(chars: str) -> str:
    """Checked after a bite: the next character is none of ``chars`` (or the text ends)."""
    return f"(?:[^{chars}]|$)"


def _one_of(names: tuple[str, ...]) -> str:
    return "(?:" + "|".join(names) + ")"


HAN = r"\p{Han}"
_NUMERAL = f"[{vocab.CHINESE_DIGITS}{vocab.TEN}]"
_ID = r"[A-Z]?\d+[A-Z]?"  # a building or room number, possibly with a letter: 12, A3, 96A
_SHORT_ID = r"[A-Z]?\d{1,3}[A-Z]?"  # 1728-11 is a room, not building 1728
_ROOM = rf"(?:[A-Z]+-?)?\d+[A-Z0-9]*(?:-\d+)?{vocab.ROOM_MARKERS}?"  # 1202室, A1183, 96A-3, C-11
_BUILDING = rf"(?:{_ID}|[A-Z]){vocab.BUILDING}"
_DOOR = rf"[{vocab.HOUSE_NUMBER_PREFIXES}]?\d+(?:-\d+)?{vocab.DOOR}{vocab.COMPOUND}?"
_LANE = rf"\d+{vocab.LANE}"

# --- divisions --------------------------------------------------------------------------------------
_NAMES = division_names()
_ADMIN_CHAR = _han_except(vocab.NOT_IN_ADMIN_NAMES)
_CITY_SHI = _han_except(vocab.NOT_IN_ADMIN_NAMES + vocab.NOT_CITY_BEFORE_SHI) + vocab.CITY
_DISTRICT_QU = _han_except(vocab.NOT_IN_ADMIN_NAMES + vocab.NOT_DISTRICT_BEFORE_QU) + vocab.DISTRICT
# Generic division names: at least two characters before 市 and 区 (庄市街道 is a street, not 庄市),
# one before 县 (萧县); names with 镇, 乡 or 路 in them (镇海区, 桐乡市) come from the list of known names.
_CITY_NAME = f"{_ADMIN_CHAR}{{1,5}}?(?:{_CITY_SHI}|{_ADMIN_CHAR}{vocab.CITY_SUFFIXES})"
_DISTRICT_NAME = f"{_ADMIN_CHAR}{{1,5}}?(?:{_DISTRICT_QU}|{_CITY_SHI})|{_ADMIN_CHAR}{{1,6}}?{vocab.DISTRICT_SUFFIXES}"
_PROVINCE_NAME = f"{vocab.PROVINCES}{vocab.PROVINCE_SUFFIXES}?"
_BARE_NAME = _one_of(_NAMES.bare)
# A bare name (温州) counts only when another division or a street follows, as in 温州苍南龙港镇; a
# street or village there needs two characters, or 独山港镇 would lose 独山 to the county 独山县. A
# street suffix right after the name makes it the town's (芷江镇, 东光镇康运小区: 镇康 is a county too).
_BEFORE_DIVISION = (
    f"(?:{_BARE_NAME}|{_CITY_NAME}|{_DISTRICT_NAME}"
    f"|{_ADMIN_CHAR}{{2,5}}?{vocab.STREET_SUFFIXES}|{_ADMIN_CHAR}{{2,3}}{vocab.VILLAGE})"
)
_DIVISION_ENDS = _not_in(vocab.NOT_AFTER_DIVISION)

_DIVISIONS = (
    Step("country", vocab.COUNTRY),
    Step("province", f"(?P<province>{_PROVINCE_NAME})", follow=_not_in(vocab.NOT_PROVINCE_AFTER)),
    Step("known_city", f"(?P<city>{_one_of(_NAMES.prefectures)})", follow=_DIVISION_ENDS),
    Step("known_district", f"(?P<district>{_one_of(_NAMES.counties)})", follow=_DIVISION_ENDS),
    Step("city", f"(?P<city>{_CITY_NAME})", follow=_DIVISION_ENDS),
    Step(
        "bare_city",
        f"(?P<city>{_BARE_NAME})",
        follow=_BEFORE_DIVISION,
        reject_next=vocab.STREET_SUFFIXES,
        unless=("city", "district"),
    ),
    Step("district", f"(?P<district>{_DISTRICT_NAME})", follow=_DIVISION_ENDS),
    Step(
        "bare_district",
        f"(?P<district>{_BARE_NAME})",
        follow=_BEFORE_DIVISION,
        reject_next=vocab.STREET_SUFFIXES,
        unless=("district",),
    ),
    Step("dev_zone", f"{_ADMIN_CHAR}{{0,8}}?{vocab.DEV_ZONE_SUFFIXES}", follow=_DIVISION_ENDS),
    # The same divisions written again (浙江省宁波市慈溪市宁波市慈溪市): eaten, the first spelling kept.
    Step(
        "repeated_divisions",
        _one_of((vocab.COUNTRY, f"{vocab.PROVINCES}{vocab.PROVINCE_SUFFIXES}", *_NAMES.prefectures,
                 *_NAMES.counties, _CITY_NAME, _DISTRICT_NAME))
        + "+",
        follow=_DIVISION_ENDS,
    ),
)

# --- street and community ---------------------------------------------------------------------------
_STREET = Step(
    "street",
    f"(?P<street>{HAN}{{2,6}}?{vocab.STREET_SUFFIXES}){vocab.STREET_OFFICES}?",
    follow=_not_in(vocab.NOT_AFTER_STREET),
)
# The divisions written again after the town (窦店镇北京市房山区窦店镇河口村, or the town first:
# 许村镇江西省上饶市婺源县许村镇): eaten with the town written again. Only known names here, as a
# generic 市 or 区 after a town starts a market or an estate as often.
_DIVISIONS_AFTER_STREET = Step(
    "divisions_after_street",
    _one_of((vocab.COUNTRY, f"{vocab.PROVINCES}{vocab.PROVINCE_SUFFIXES}?", *_NAMES.prefectures, *_NAMES.counties))
    + f"+(?:{HAN}{{1,5}}?{vocab.STREET_SUFFIXES})?",
    follow=_not_in(vocab.NOT_AFTER_DIVISION + vocab.NOT_AFTER_STREET),
    requires=("street",),
)
# 大鹿行政村, 协塘家自然村: an administrative or a natural village, written out in full.
_VILLAGE_END = _han_except(vocab.NOT_VILLAGE_BEFORE_CUN) + f"{vocab.VILLAGE_KINDS}?{vocab.VILLAGE}"
_VILLAGE_NAME = f"{_han_except(vocab.NOT_IN_VILLAGE_NAMES)}{{0,2}}?{_VILLAGE_END}"
_VILLAGE = Step(
    "village",
    f"(?P<community>{_VILLAGE_NAME}){vocab.VILLAGE_OFFICES}?",
    follow=_not_in(vocab.NOT_VILLAGE_AFTER_CUN),
    reject_next=_BUILDING,  # 王升塘村114栋 names a housing estate, not the village
    unless=("community",),
)
# A second town or township after the first (马迹塘镇龙溪乡百乐村, 海城镇附城镇): eaten, the first kept.
_SECOND_STREET = Step(
    "second_street",
    f"{_ADMIN_CHAR}{{2,4}}?{vocab.STREET_SUFFIXES}{vocab.STREET_OFFICES}?",
    follow=_not_in(vocab.NOT_AFTER_STREET),
    requires=("street",),
    unless=("community",),
)
_COMMUNITY = (
    _SECOND_STREET,
    Step(
        "community",
        f"(?P<community>{HAN}{{1,7}}?{vocab.COMMUNITY}){vocab.COMMUNITY_OFFICES}?",
        reject_next=vocab.COMMUNITY_FACILITIES,
    ),
    # Under a town, a village stays the village even when its houses are numbered like buildings
    # (丽岙镇曹建村10栋41号); without one, 王升塘村114栋 is a housing estate.
    replace(_VILLAGE, name="village_in_town", reject_next="", requires=("street",)),
    _VILLAGE,
    # Only villages have groups: 宁新村5组 is a village although 新村 usually ends an estate's name.
    Step(
        "village_with_groups",
        f"(?P<community>{HAN}{{1,3}}?{vocab.VILLAGE}){vocab.VILLAGE_OFFICES}?",
        follow=rf"\d+{vocab.GROUP}{_not_in(vocab.GROUP_TEAM)}",
        unless=("community",),
    ),
    # Only villages have groups, so a name before one is a village even without 村 (和睦桥12组).
    Step(
        "bare_village_with_groups",
        f"(?P<community>{_han_except(vocab.NOT_IN_BARE_VILLAGES)}{{2,3}})",
        follow=rf"\d+{vocab.GROUP}{_not_in(vocab.GROUP_TEAM)}",
        unless=("community",),
    ),
    # Industrial zones are built on village land: the village after one is the community (长城工业区陈园村).
    Step(
        "village_after_zone",
        f"{_ADMIN_CHAR}{{1,8}}?{vocab.INDUSTRIAL_ZONES}(?P<community>{_VILLAGE_NAME})",
        follow=_not_in(vocab.NOT_VILLAGE_AFTER_CUN),
        unless=("community",),
    ),
    # A town written without 镇, then its village (小港新建村): both are two or three characters.
    Step(
        "town_and_village",
        f"(?P<street>{_ADMIN_CHAR}{HAN}{{1,2}})(?P<community>{HAN}{{1,2}}{_VILLAGE_END})",
        follow=_not_in(vocab.NOT_VILLAGE_AFTER_CUN),
        requires=("district",),
        unless=("street", "community"),
    ),
)

# A short name right after a town with a doorplate after it is a village written without 村
# (新桥镇莫家埭153号, 莫家埭153号2楼). The same name closing the address (姜家山乡柴家) is not taken: on
# the held-out addresses that reading was wrong more often than right.
_BARE_VILLAGE = Step(
    "bare_village",
    f"(?P<community>{_han_except(vocab.NOT_IN_BARE_VILLAGES)}{{2,3}})",
    follow=rf"\d+(?:-\d+)?{vocab.DOOR}",
    requires=("street",),
    unless=("community", "road"),
)

# A short name ending as natural villages' names do, right after a town, is one written without 村
# when the address ends there, a number follows (崔梁庄, 黄城里5街) or a road of its own (许巷轻纺路);
# a direction after it makes it the start of a road (蔡宅东路, 林桥头西路). Not after a county: there such a name
# is as often a town's or a district's (织里, 龙湾).
_NATURAL_VILLAGE = Step(
    "natural_village",
    f"(?P<community>{_han_except(vocab.NOT_IN_BARE_VILLAGES)}{{1,2}}[{vocab.NATURAL_VILLAGE_ENDINGS}])",
    follow=rf"(?:$|{_han_except(vocab.ROAD_DIRECTIONS)}{{2,3}}{vocab.SHORT_ROAD_SUFFIXES})",
    requires=("street",),
    unless=("community", "road"),
)

# --- road and doorplate -----------------------------------------------------------------------------
_ROAD_TAIL = f"[{vocab.ROAD_DIRECTIONS}]?[{vocab.CHINESE_DIGITS}{vocab.TEN}0-9]{{0,2}}{vocab.ROAD_SUFFIXES}"
_AFTER_ROAD = _not_in(vocab.NOT_AFTER_ROAD)
# 1154-131号: doorplate 1154, house 131 on it; but when a building is written later (1-16号东方花苑A幢),
# 1-16号 is the whole doorplate.
_DOORPLATE_HOUSE = Step(
    "doorplate_house",
    rf"(?:{_LANE})?(?P<roadno>[{vocab.HOUSE_NUMBER_PREFIXES}]?\d+)-(?P<building>\d+{vocab.DOOR})",
    follow=f"[^{vocab.BUILDING}]*$",
)
# Two numbers of the same length, the second not smaller, are a range of doorplates (806-808号), not a
# doorplate and a house; 75-10号 and 817-165号 are doorplate and house. (The regex engine cannot compare
# numbers: a second number starting with a smaller digit is the smaller one.)
_SAME_LENGTH_PAIR = "(?:" + "|".join(
    [r"\d-\d"] + [rf"{d}\d{{{n - 1}}}-[{d}-9]\d{{{n - 1}}}" for n in range(2, 5) for d in range(10)]
) + ")"
_DOORPLATE_RANGE = Step(
    "doorplate_range",
    rf"(?:{_LANE})?(?P<roadno>{_SAME_LENGTH_PAIR}{vocab.DOOR})",
    unless=("roadno",),
)
_ROAD = (
    Step("road", rf"(?P<road>[\p{{Han}}0-9]{{1,3}}{_ROAD_TAIL}|\d+{vocab.GROUP})", follow=_AFTER_ROAD),
    # Road names are two to four characters; a longer run before a road suffix starts with a town or
    # an area nobody spelt out (临平朝阳东路, 康桥工业区康惠路), which stays out of the road. Right
    # after a town, a two-character area is its village written without 村 (西塘镇大舜纽扣南路).
    Step(
        "village_before_road",
        f"(?P<community>{HAN}{{2}})(?P<road>{HAN}{{2}}{_ROAD_TAIL})",
        follow=_AFTER_ROAD,
        requires=("street",),
        unless=("road", "community"),
    ),
    Step("road_after_area", f"{HAN}{{1,6}}?(?P<road>{HAN}{{2}}{_ROAD_TAIL})", follow=_AFTER_ROAD, unless=("road",)),
    # Groups of a village (大坪村小坪组) are its roads.
    Step("village_group", f"(?P<road>{HAN}{{1,3}}{vocab.GROUP})", requires=("community",), unless=("road",)),
    _DOORPLATE_RANGE,
    _DOORPLATE_HOUSE,
    # 1449号-6 is 1449-6号 written the other way round: house 6 on doorplate 1449.
    Step(
        "doorplate_dash_house",
        rf"(?:{_LANE})?(?P<roadno>[{vocab.HOUSE_NUMBER_PREFIXES}]?\d+{vocab.DOOR})-(?P<building>\d{{1,3}})",
        follow=_not_in(r"\d-"),
        unless=("roadno",),
    ),
    Step("doorplate", f"(?:{_LANE})?(?P<roadno>{_DOOR})", unless=("roadno",)),
    Step("lane", f"(?P<roadno>{_LANE})", unless=("roadno",)),
    # A bare number right after a road is its doorplate (通和东路216), unless a marker makes it a building.
    # A number and a long one after a road are its doorplate and house; with no road, after a community
    # (禾源新都社区121-1230), they are building and room.
    *(
        Step(
            name,
            pattern,
            follow=_not_in(
                rf"\d{vocab.BUILDING}{vocab.ENTRANCE}{vocab.FLOOR}{vocab.ROOM_WORDS}{vocab.DOOR}{vocab.LANE}{vocab.DISTRICT}-"
            ),
            requires=requires,
            unless=("roadno",),
        )
        for name, pattern, requires in (
            ("bare_doorplate_room", r"(?P<roadno>\d+-\d{3,})", ("road",)),
            ("bare_doorplate", r"(?P<roadno>\d+(?:-\d{1,2})?)", ()),
        )
    ),
    # A side road with the number (民主路西巷144号): the number is the doorplate.
    Step(
        "side_road",
        f"{HAN}{{1,5}}?(?:{vocab.ROAD_SUFFIXES}|{vocab.ROAD_SECTION})(?P<roadno>{_DOOR})",
        unless=("roadno",),
    ),
    # A road after a name (华伦服饰聚成路128号).
    Step(
        "late_road",
        f"(?P<estate>{HAN}.*?)(?P<road>{HAN}{{2}}{_ROAD_TAIL})(?P<roadno>{_DOOR})",
        unless=("road",),
    ),
)

# --- estate -----------------------------------------------------------------------------------------
# Neighbouring rooms or stalls written as one (605-606室, 378-379号): numbers of the same length, three
# or more digits.
_ROOM_PAIR = r"(?:\d{3}-\d{3}|\d{4}-\d{4})"
# A long number after a lettered or numbered area (原料市场B区814号, 五楼A区2254, also two neighbouring
# ones: 3楼C区378-379号) is a stall or an office, i.e. a room; in a village the same number is a house
# (殿下村B区100号).
_AREA_STALL_ROOM = rf"[A-Z0-9]+{vocab.DISTRICT}(?P<room>(?:{_ROOM_PAIR}|\d{{3,}}[A-Z]?){vocab.DOOR}?)"
_AREA_STALL = Step(
    "area_stall",
    rf"(?P<estate>{HAN}\D*?){_AREA_STALL_ROOM}",
    follow=_not_in(rf"\dA-Z\-{vocab.BUILDING}{vocab.ENTRANCE}{vocab.FLOOR}"),
    unless=("estate", "community"),
)
_SUB_AREA = rf"(?:\d|{_NUMERAL}){vocab.DISTRICT}"  # 三区, 4区: a numbered part of an estate (C区538 is a room)
_ESTATE = (
    # A long number after a market is a stall, i.e. a room (小商品市场2833号).
    Step(
        "market_stall",
        rf"(?P<estate>{HAN}.*?{vocab.MARKETS})(?P<room>\d{{3,}}{vocab.DOOR})",
        follow=_not_in(r"\d"),
        unless=("estate", "roadno"),
    ),
    _AREA_STALL,
    # A number right after an estate's name is a house (上冯新村136号), also when its entrance or room
    # follows (金色家园18号3单元301).
    Step(
        "estate_house",
        rf"(?P<estate>{HAN}.*?{vocab.ESTATE_TAILS})(?P<building>\d+{vocab.DOOR})",
        unless=("estate",),
    ),
    # Industrial zones have no roads inside: a number right after one is a building (龙坞工业区9号),
    # unless it names a road of the zone (开发区14号大街).
    Step(
        "zone_house",
        rf"(?P<estate>{HAN}.*?{vocab.INDUSTRIAL_ZONES})(?P<building>\d+{vocab.DOOR})",
        follow=_not_in(rf"\d{vocab.AISLE}{vocab.SHORT_ROAD_SUFFIXES}"),
        unless=("estate",),
    ),
    # A short number after a numbered part of an estate (柏仕小区三区150号, 佳苑三区三排49号) is a house;
    # in a village the same number is its doorplate (肖谢村三区92号).
    Step(
        "sub_area_house",
        rf"(?P<estate>{HAN}+?{_SUB_AREA}(?:{_NUMERAL}+{vocab.ROW})?)(?P<building>\d{{1,3}}{vocab.DOOR}|\d{{1,2}}$)",
        follow=_not_in(rf"\d{vocab.GATE}-"),
        unless=("estate", "community"),
    ),
    # Otherwise the name runs up to the first number that starts the unit part; a long number may be
    # followed by a tenant's name (商务中心2277美世留学).
    Step(
        "estate",
        f"(?P<estate>{HAN}.*?)",
        follow=(
            rf"(?:{_BUILDING}|-?\d+{vocab.FLOOR}|\d+{vocab.ENTRANCE}|\d+{vocab.DOOR}|{_ID}-\d|{_ROOM}$"
            rf"|\d{{3,}}[{vocab.ROOM_WORDS}]?{HAN}|(?:\d+|{_NUMERAL}+){vocab.AISLE}\d|$)"
        ),
        unless=("estate",),
    ),
)

# --- building, entrance, floor, room ----------------------------------------------------------------
# A numbered gate (97号门) locates the entrance to a hall; it is no doorplate, house or room. 门市 and
# 门面 are a shop front, 门口 a place by the door.
_GATE = Step("gate", rf"\d+{vocab.DOOR}{vocab.GATE}", follow=_not_in(vocab.NOT_AFTER_GATE))
# A numbered warehouse (5号库, 1号仓库) is a name, not a room.
_WAREHOUSE = Step("warehouse", rf"\d+{vocab.DOOR}{vocab.WAREHOUSES}")
_MARKET_AISLE = Step("market_aisle", rf"(?P<entrance>(?:\d+|{_NUMERAL}+){vocab.AISLE})", unless=("entrance",))
# Inside a building a tenant's name may come before its room (C座9楼雅悦宾馆730, 13号楼驿淘6670室).
_ROOM_AFTER_TENANT = Step(
    "room_after_tenant",
    rf"{HAN}{{2,10}}?(?P<room>\d{{3,4}}{vocab.ROOM_MARKERS}?)$",
    requires=("building",),
    unless=("room",),
)
_UNIT = (
    Step("sub_area", rf"[A-Z0-9]+{vocab.DISTRICT}"),  # A区, 4区: a part of the estate or market, no number
    _GATE,
    _WAREHOUSE,
    # A number after a name that is no estate is a doorplate in villages (张头104号), else a room (商务楼843号).
    replace(_DOORPLATE_RANGE, name="late_doorplate_range", unless=("roadno", "building")),
    replace(_DOORPLATE_HOUSE, name="late_doorplate_house", unless=("roadno", "building")),
    Step("late_doorplate", f"(?P<roadno>{_DOOR})", unless=("roadno", "building")),
    Step("building", f"(?P<building>{_BUILDING})"),
    Step("cluster", rf"\d+{vocab.CLUSTER}"),  # 2栋13组团739: a cluster of buildings, no number of the unit
    Step(
        "room_range",
        rf"(?P<room>{_ROOM_PAIR}{vocab.ROOM_MARKERS})",
        follow=_not_in(r"\d-"),
        unless=("room",),
    ),
    # A building's letter written onto its room (8A1071, A-2785室): houseno 8A or A, roomno the digits.
    Step(
        "letter_building_room",
        rf"(?P<building>\d+[A-Z])(?P<room>\d{{3,}}{vocab.ROOM_MARKERS}?)",
        follow=_not_in(r"\dA-Z-"),
        unless=("building", "floor", "room"),
    ),
    Step(
        "letter_dash_room",
        rf"(?P<building>[A-Z])-(?P<room>\d{{3,}}{vocab.ROOM_MARKERS}?)",
        follow=_not_in(r"\dA-Z-"),
        unless=("building", "floor", "room"),
    ),
    # After a building the letter is its entrance (6幢A866: entrance A, room 866).
    Step(
        "letter_entrance_room",
        rf"(?P<entrance>[A-Z])-?(?P<room>\d{{3,}}{vocab.ROOM_MARKERS}?)",
        follow=_not_in(r"\dA-Z-"),
        requires=("building",),
        unless=("entrance", "floor", "room"),
    ),
    # Without a building marker, four numbers read building-entrance-floor-room (2-6-5-1187); three
    # read building-entrance-room (8-10-1109); two building-entrance when the second number is short
    # (63-36) and building-room when it is long (13-2021).
    Step(
        "building_entrance_floor_room",
        rf"(?P<building>{_ID})-(?P<entrance>\d+)-(?P<floor>\d{{1,2}})-(?P<room>{_ID})",
        follow=_not_in(r"\d-"),
        unless=("building",),
    ),
    Step(
        "building_entrance_room",
        rf"(?P<building>{_ID})-(?P<entrance>\d+|[A-Z])-(?P<room>{_ID})",
        follow=_not_in(r"\d-"),
        unless=("building",),
    ),
    Step(
        "building_dash_entrance",
        rf"(?P<building>{_SHORT_ID})-(?P<entrance>\d{{1,2}})",
        follow=_not_in(r"\d-"),
        unless=("building",),
    ),
    Step(
        "building_dash_room",
        f"(?P<building>{_SHORT_ID})-(?P<room>{_ID})",
        follow=_not_in(r"\d-"),
        unless=("building",),
    ),
    # A letter with a short number closing the address, no floor or room (华领国际B3), names a building.
    Step(
        "letter_building_last",
        r"(?P<building>[A-Z]\d{1,2})",
        follow="$",
        unless=("building", "floor", "room"),
    ),
    Step("entrance", rf"(?P<entrance>(?:\d+|[A-Z{vocab.ROAD_DIRECTIONS}]){vocab.ENTRANCE})"),  # 3单元, C单元, 西单元
    _MARKET_AISLE,
    # After a building, a number with 号 is the entrance when a room follows or when it is short (53幢3号).
    Step("entrance_number", rf"(?P<entrance>\d+{vocab.DOOR})", follow=r"\d", requires=("building",)),
    Step(
        "entrance_last",
        rf"(?P<entrance>\d{{1,2}}{vocab.DOOR})",
        follow="$",
        requires=("building",),
        unless=("entrance",),
    ),
    Step("floor", rf"(?P<floor>-?\d+{vocab.FLOOR})"),
    replace(_AREA_STALL, name="area_stall_on_floor", pattern=_AREA_STALL_ROOM, unless=("room", "community")),
    replace(_GATE, name="gate_after_floor"),
    replace(_MARKET_AISLE, name="market_aisle_after_floor"),
    # After a building, dashes read floor-room (1栋12-02) or entrance-room (121栋9-459).
    Step(
        "floor_dash_room",
        rf"(?P<floor>\d{{1,2}})-(?P<room>\d{{1,2}})(?:[{vocab.ROOM_WORDS}]|{vocab.DOOR})?",
        follow=_not_in(r"\d"),
    ),
    Step("entrance_dash_room", r"(?P<entrance>\d{1,2})-(?P<room>\d{3,})", follow=_not_in(r"\d")),
    Step("room", f"(?P<room>{_ROOM})", follow=_not_in(vocab.AISLE), unless=("room",)),
    replace(_MARKET_AISLE, name="market_aisle_after_room"),  # 9楼4537四街: the aisle written after the stall
    _ROOM_AFTER_TENANT,
    replace(_ROOM_AFTER_TENANT, name="room_after_tenant_on_floor", requires=("floor",)),
)

# The gazetteer's town when no suffix marked one (鄞州区下应); its village after the regex steps, so
# that a name written with its suffix is taken as written.
_PLACES = (Lookup("gazetteer_town", take_towns), *_COMMUNITY, Lookup("gazetteer_village", take_villages))

STEPS: tuple[Step | Lookup, ...] = (
    *_DIVISIONS, _STREET, _DIVISIONS_AFTER_STREET, *_PLACES, _BARE_VILLAGE, _NATURAL_VILLAGE,
    *_ROAD, _VILLAGE, *_ESTATE, *_UNIT,
)
