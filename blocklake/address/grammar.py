"""The address grammar: the order in which parts are bitten off the front of a cleaned address.

Chinese addresses run from the largest division to the smallest (province … room), so the parser
walks that order once: each :class:`Step` tries one regex anchored at the start of what is left,
takes its named groups as parts and removes the text it matched. Steps that find nothing change
nothing, which makes every part optional and lets repeated prefixes (浙江省宁波市浙江省宁波市) be
eaten by running a step twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from blocklake.address import vocab
from blocklake.address.gazetteer import division_names

PARTS = ("province", "city", "district", "street", "community", "road", "roadno",
         "estate", "building", "entrance", "floor", "room")


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


def _han_except(chars: str) -> str:
    return rf"[\p{{Han}}--[{chars}]]"


def _not_in(chars: str) -> str:
    """Checked after a bite: the next character is none of ``chars`` (or the text ends)."""
    return f"(?:[^{chars}]|$)"


_ID = r"[A-Z]?\d+[A-Z]?"  # a building or room number, possibly with a letter: 12, A3, 96A
_SHORT_ID = r"[A-Z]?\d{1,3}[A-Z]?"  # 1728-11 is a room, not building 1728
_ROOM = rf"(?:[A-Z]+-?)?\d+[A-Z0-9]*(?:-\d+)?{vocab.ROOM_MARKERS}?"  # 1202室, A1183, 96A-3, C-11
_BUILDING = rf"(?:{_ID}|[A-Z])栋"
_DOOR = r"[甲乙丙丁]?\d+(?:-\d+)?号"
_ADMIN_CHAR = _han_except(vocab.NOT_IN_ADMIN_NAMES)
_CITY_SHI = f"{_han_except(vocab.NOT_IN_ADMIN_NAMES + vocab.NOT_CITY_BEFORE_SHI)}市"
_DISTRICT_QU = f"{_han_except(vocab.NOT_IN_ADMIN_NAMES + vocab.NOT_DISTRICT_BEFORE_QU)}区"

_NAMES = division_names()
# Generic division names: at least two characters before 市 and 区 (庄市街道 is a street, not 庄市),
# one before 县 (萧县); names with 镇, 乡 or 路 in them (镇海区, 桐乡市) come from the list of known names.
_CITY_NAME = f"{_ADMIN_CHAR}{{1,5}}?(?:{_CITY_SHI}|{_ADMIN_CHAR}{vocab.CITY_SUFFIXES})"
_DISTRICT_NAME = f"{_ADMIN_CHAR}{{1,5}}?(?:{_DISTRICT_QU}|{_CITY_SHI})|{_ADMIN_CHAR}{{1,6}}?{vocab.DISTRICT_SUFFIXES}"
_BARE_NAME = "(?:" + "|".join(_NAMES.bare) + ")"
# A bare name (温州) counts only when another division or a street follows, as in 温州苍南龙港镇; a
# street or village there needs two characters, or 独山港镇 would lose 独山 to the county 独山县.
_LOCAL_NAME = _han_except(vocab.NOT_IN_ADMIN_NAMES)  # 永昌镇 is a town, not the county 永昌
_BEFORE_DIVISION = (
    f"(?:{_BARE_NAME}|{_CITY_NAME}|{_DISTRICT_NAME}|{_LOCAL_NAME}{{2,5}}?{vocab.STREET_SUFFIXES}"
    f"|{_LOCAL_NAME}{{2,3}}村)"
)
_NOT_A_DIVISION_AFTER = _not_in(vocab.NOT_CITY_AFTER_SHI)

_ADMIN = (
    Step("country", "中国"),
    Step(
        "province",
        f"(?P<province>{vocab.PROVINCES}{vocab.PROVINCE_SUFFIXES}?)",
        follow=_not_in(vocab.NOT_PROVINCE_AFTER),
    ),
    Step("known_city", "(?P<city>" + "|".join(_NAMES.prefectures) + ")", follow=_NOT_A_DIVISION_AFTER),
    Step("known_district", "(?P<district>" + "|".join(_NAMES.counties) + ")", follow=_NOT_A_DIVISION_AFTER),
    Step("city", f"(?P<city>{_CITY_NAME})", follow=_NOT_A_DIVISION_AFTER),
    Step("bare_city", f"(?P<city>{_BARE_NAME})", follow=_BEFORE_DIVISION, unless=("city", "district")),
    Step("district", f"(?P<district>{_DISTRICT_NAME})", follow=_NOT_A_DIVISION_AFTER),
    Step("bare_district", f"(?P<district>{_BARE_NAME})", follow=_BEFORE_DIVISION, unless=("district",)),
    Step("dev_zone", f"{_ADMIN_CHAR}{{0,8}}?{vocab.DEV_ZONE_SUFFIXES}", follow=_NOT_A_DIVISION_AFTER),
)
# The same divisions written again (浙江省宁波市慈溪市宁波市慈溪市浒山街道): eaten, the first spelling kept.
_REPEATED_DIVISIONS = Step(
    "repeated_divisions",
    "(?:" + "|".join(
        ["中国", f"{vocab.PROVINCES}{vocab.PROVINCE_SUFFIXES}", *_NAMES.prefectures, *_NAMES.counties, _CITY_NAME,
         _DISTRICT_NAME]
    ) + ")+",
    follow=_NOT_A_DIVISION_AFTER,
)

_STREET = Step(
    "street",
    rf"(?P<street>\p{{Han}}{{2,6}}?{vocab.STREET_SUFFIXES}){vocab.STREET_OFFICES}?",
    follow=_not_in("路街道巷镇"),  # 新镇路 is a road, 南头街道 a street, 金乡镇 a town (not 金乡)
)

_VILLAGE_NAME = f"{_han_except('道镇乡')}{{0,2}}?{_han_except(vocab.NOT_VILLAGE_BEFORE_CUN)}村"
_VILLAGE = Step(
    "village",
    f"(?P<community>{_VILLAGE_NAME}){vocab.VILLAGE_OFFICES}?",
    follow=_not_in(vocab.NOT_VILLAGE_AFTER_CUN),
    reject_next=_BUILDING,  # 王升塘村114栋 names a housing estate, not the village
    unless=("community",),
)
_COMMUNITY = (
    Step(
        "community",
        rf"(?P<community>\p{{Han}}{{1,7}}?社区){vocab.COMMUNITY_OFFICES}?",
        reject_next=vocab.COMMUNITY_FACILITIES,
    ),
    _VILLAGE,
    # A town written without 镇, then its village (小港新建村): both are two or three characters.
    Step(
        "town_and_village",
        f"(?P<street>{_ADMIN_CHAR}\\p{{Han}}{{1,2}})(?P<community>\\p{{Han}}{{1,2}}{_han_except(vocab.NOT_VILLAGE_BEFORE_CUN)}村)",
        follow=_not_in(vocab.NOT_VILLAGE_AFTER_CUN),
        requires=("district",),
        unless=("street", "community"),
    ),
)

# 1154-131号: doorplate 1154, house 131 on it.
_DOORPLATE_HOUSE = Step("doorplate_house", rf"(?:{vocab.LANE})?(?P<roadno>[甲乙丙丁]?\d+)-(?P<building>\d+号)")
_ROAD_TAIL = f"[{vocab.ROAD_DIRECTIONS}]?[{vocab.CHINESE_DIGITS}十0-9]{{0,2}}{vocab.ROAD_SUFFIXES}"
_ROAD = (
    Step("road", f"(?P<road>[\\p{{Han}}0-9]{{1,3}}{_ROAD_TAIL}|\\d+组)", follow=_not_in("道")),
    # Road names are two to four characters; a longer run before a road suffix starts with a town or
    # an area nobody spelt out (临平朝阳东路, 康桥工业区康惠路), which stays out of the road.
    Step("road_after_area", f"\\p{{Han}}{{1,6}}?(?P<road>\\p{{Han}}{{2}}{_ROAD_TAIL})", follow=_not_in("道"), unless=("road",)),
    # Groups of a village (大坪村小坪组) are its roads.
    Step("village_group", r"(?P<road>\p{Han}{1,3}组)", requires=("community",), unless=("road",)),
    _DOORPLATE_HOUSE,
    Step("doorplate", rf"(?:{vocab.LANE})?(?P<roadno>{_DOOR})", unless=("roadno",)),
    Step("lane", rf"(?P<roadno>{vocab.LANE})", unless=("roadno",)),
    # A bare number right after a road is its doorplate (通和东路216), unless a marker makes it a building.
    Step("bare_doorplate", r"(?P<roadno>\d+(?:-\d+)?)", follow=_not_in(r"\d栋单元楼室号弄-"), unless=("roadno",)),
    # A side road with the number (民主路西巷144号): the number is the doorplate.
    Step("side_road", rf"\p{{Han}}{{1,5}}?(?:{vocab.ROAD_SUFFIXES}|段)(?P<roadno>{_DOOR})", unless=("roadno",)),
    # A road after a name (华伦服饰聚成路128号).
    Step(
        "late_road",
        f"(?P<estate>\\p{{Han}}.*?)(?P<road>\\p{{Han}}{{2}}{_ROAD_TAIL})(?P<roadno>{_DOOR})",
        unless=("road",),
    ),
)

_ESTATE_HOUSE = Step(
    "estate_house",
    f"(?P<estate>\\p{{Han}}.*?{vocab.ESTATE_TAILS})(?P<building>\\d+号)",
    follow=_not_in(r"\d"),
    unless=("estate",),
)
_ESTATE = Step(
    "estate",
    r"(?P<estate>\p{Han}.*?)",
    # Up to the first number that starts the unit part; a long number may be followed by a tenant's name.
    follow=f"(?:{_BUILDING}|-?\\d+楼|\\d+单元|\\d+号|{_ID}-\\d|{_ROOM}$|\\d{{3,}}(?:室|房)?\\p{{Han}}|$)",
    unless=("estate",),
)

# 国际商贸城10楼7街: the 街 of a market hall is an aisle.
_MARKET_AISLE = Step("market_aisle", f"(?P<entrance>(?:\\d+|[{vocab.CHINESE_DIGITS}十]+)街)", unless=("entrance",))
_UNIT = (
    Step("sub_area", r"[A-Z0-9]+区"),  # A区, 4区: a part of the estate or market, kept out of the numbers
    # A number after a name that is no estate is a doorplate in villages (张头104号), else a room (商务楼843号).
    replace(_DOORPLATE_HOUSE, name="late_doorplate_house", unless=("roadno", "building")),
    Step("late_doorplate", f"(?P<roadno>{_DOOR})", unless=("roadno", "building")),
    Step("building", f"(?P<building>{_BUILDING})"),
    # Without a building marker, dashes read building-entrance-room (8-10-1109) or building-room (13-2021).
    Step(
        "building_entrance_room",
        f"(?P<building>{_ID})-(?P<entrance>\\d+)-(?P<room>{_ID})",
        follow=_not_in(r"\d-"),
        unless=("building",),
    ),
    # A short second number is the entrance (63-36), a long one the room (13-2021).
    Step("building_dash_entrance", rf"(?P<building>{_SHORT_ID})-(?P<entrance>\d{{1,2}})", follow=_not_in(r"\d-"), unless=("building",)),
    Step("building_dash_room", f"(?P<building>{_SHORT_ID})-(?P<room>{_ID})", follow=_not_in(r"\d-"), unless=("building",)),
    Step("entrance", r"(?P<entrance>\d+单元)"),
    _MARKET_AISLE,
    # After a building, a number with 号 is the entrance when a room follows or when it is short (53幢3号).
    Step("entrance_number", r"(?P<entrance>\d+号)", follow=r"\d", requires=("building",)),
    Step("entrance_last", r"(?P<entrance>\d{1,2}号)", follow="$", requires=("building",), unless=("entrance",)),
    Step("floor", r"(?P<floor>-?\d+楼)"),
    replace(_MARKET_AISLE, name="market_aisle_after_floor"),
    # After a building, dashes read floor-room (1栋12-02) or entrance-room (121栋9-459).
    Step("floor_dash_room", r"(?P<floor>\d{1,2})-(?P<room>\d{1,2})(?:室|房|号)?", follow=_not_in(r"\d")),
    Step("entrance_dash_room", r"(?P<entrance>\d{1,2})-(?P<room>\d{3,})", follow=_not_in(r"\d")),
    Step("room", f"(?P<room>{_ROOM})", follow=_not_in("街"), unless=("room",)),
)

STEPS: tuple[Step, ...] = (
    *_ADMIN, _REPEATED_DIVISIONS, _STREET, *_COMMUNITY, *_ROAD, _VILLAGE, _ESTATE_HOUSE, _ESTATE, *_UNIT,
)
