"""Match parsed addresses to the base plate: a unit where the text names one, else a building.

``match_addresses`` takes the output of :func:`address.parse_addresses` and returns, row for
row, ``unit_code``, ``building_code``, ``confidence`` (0..1), ``method`` and ``needs_review``:

1. candidates from exact joins (doorplate, estate name or alias, a building's own name), typos only
   through the blocked fuzzy match (:mod:`.candidates`, :mod:`.fuzzy`);
2. candidates must agree with the rest of the text (doorplate vs name, building number, community
   and street); a doorplate the plate does not have voids the address;
3. one building left → that building; several → the room decides if exactly one has it, else the
   address is ambiguous;
4. the room joins to the unit. A written room the building lacks gives the building only, flagged.

Nothing below ``ACCEPT_CONFIDENCE``, nothing ambiguous and nothing contradictory gets a code: those
rows are left for review instead of being matched to a wrong unit. Methods: ``<route>_room``,
``<route>_building_only``, ``<route>_room_not_in_plate`` for matches (route: exact_doorplate,
exact_estate_building, exact_building_name, alias_estate_building, fuzzy_estate_building), else
``low_confidence_<route>``, ``unknown_doorplate``, ``conflict``, ``unknown_building``,
``outside_named_division``, ``ambiguous``, ``unknown_estate``, ``unmatched``, and without review
``outside_district`` and ``no_address``.
"""

from __future__ import annotations

import polars as pl

from address.candidates import (
    ALIAS_ESTATE,
    BUILDING_NAME,
    CONFLICT,
    EXACT_ESTATE,
    FITS,
    FUZZY_ESTATE,
    OTHER_DIVISION,
    ROW,
    WRONG_NUMBER,
    address_keys,
    building_evidence,
    consistent_candidates,
)
from address.plate import BasePlate

ACCEPT_CONFIDENCE = 0.8
RESULT_COLUMNS = ("unit_code", "building_code", "confidence", "method", "needs_review")
EXACT_DOORPLATE = "exact_doorplate"
_ROUTE_CONFIDENCE = {EXACT_DOORPLATE: 0.97, EXACT_ESTATE: 0.97, BUILDING_NAME: 0.97, ALIAS_ESTATE: 0.93}
_AGREEING_ROUTES = 0.99  # doorplate and name point to the same building
_ROOM_DECIDED = 0.08  # several buildings fitted; only one has the room
_DASH_READING = 0.03  # 5-10 read as floor 5, room 10 because the building stands alone


def match_addresses(parsed: pl.DataFrame, plate: BasePlate) -> pl.DataFrame:
    """One result row per parsed row, in the same order (see the module docstring)."""
    keys = address_keys(parsed, plate)
    candidates = consistent_candidates(keys, building_evidence(keys, plate), plate)
    per_address = candidates.group_by(ROW).agg(pl.col("best_stage").first(), pl.col("door_found").first())
    return (
        keys.join(_choose(keys, candidates, plate), on=ROW, how="left")
        .join(per_address, on=ROW, how="left")
        .sort(ROW)
        .select(_outcome())
    )


def _choose(keys: pl.DataFrame, candidates: pl.DataFrame, plate: BasePlate) -> pl.DataFrame:
    """The one building per address that fits, with its unit, route and confidence."""
    fitting = (
        candidates.filter(pl.col("stage") == FITS)
        .join(keys.select(ROW, "room", "entrance"), on=ROW)
        .with_columns(unit_room=_unit_room())
        .join(plate.units, left_on=["building_code", "unit_room"], right_on=["building_code", "room"], how="left")
    )
    buildings = pl.col("building_code").n_unique().over(ROW)
    with_the_room = pl.col("building_code").filter(pl.col("unit_code").is_not_null()).n_unique().over(ROW)
    decided = fitting.with_columns(room_decided=(buildings > 1) & (with_the_room == 1)).filter(
        (buildings == 1) | (pl.col("room_decided") & pl.col("unit_code").is_not_null())
    )
    return decided.unique(ROW, keep="first").select(
        ROW, "building_code", "unit_code", route=_route(), confidence=_confidence()
    )


def _unit_room() -> pl.Expr:
    """The room to look up. A standalone building has no numbered buildings, so "5-10" there (parsed as
    building 5, entrance 10) is floor 5, room 10: room 510."""
    floor_room = pl.col("building_no") + pl.col("entrance").str.zfill(2)
    short = pl.col("entrance").str.contains(r"^\d{1,2}$").fill_null(False) & pl.col("room").is_null()
    return pl.when(pl.col("dash_reading") & short).then(floor_room).otherwise(pl.col("room"))


def _route() -> pl.Expr:
    return pl.when(pl.col("via_door")).then(pl.lit(EXACT_DOORPLATE)).otherwise(pl.col("route"))


def _confidence() -> pl.Expr:
    by_route = _route().replace_strict(_ROUTE_CONFIDENCE, default=None, return_dtype=pl.Float64)
    base = (
        pl.when(pl.col("via_door") & pl.col("route").is_not_null())
        .then(_AGREEING_ROUTES)
        .when(pl.col("route") == FUZZY_ESTATE)
        .then(0.5 + 0.5 * pl.col("similarity"))  # one typo in four characters: 0.875
        .otherwise(by_route)
    )
    penalty = (
        pl.col("room_decided").cast(pl.Float64) * _ROOM_DECIDED
        + pl.col("dash_reading").cast(pl.Float64) * _DASH_READING
    )
    return (base - penalty).round(3)


def _outcome() -> list[pl.Expr]:
    accepted = pl.col("building_code").is_not_null() & (pl.col("confidence") >= ACCEPT_CONFIDENCE)
    room_missing = accepted & pl.col("room").is_not_null() & pl.col("unit_code").is_null()
    quiet = pl.col("empty") | pl.col("outside")
    return [
        pl.when(accepted).then(pl.col("unit_code")).alias("unit_code"),
        pl.when(accepted).then(pl.col("building_code")).alias("building_code"),
        pl.when(accepted).then(pl.col("confidence")).otherwise(0.0).alias("confidence"),
        _method(accepted, room_missing).alias("method"),
        (~quiet & (~accepted | room_missing)).alias("needs_review"),
    ]


def _method(accepted: pl.Expr, room_missing: pl.Expr) -> pl.Expr:
    level = (
        pl.when(pl.col("unit_code").is_not_null())
        .then(pl.lit("_room"))
        .when(room_missing)
        .then(pl.lit("_room_not_in_plate"))
        .otherwise(pl.lit("_building_only"))
    )
    stage = pl.col("best_stage")
    return (
        pl.when(pl.col("empty"))
        .then(pl.lit("no_address"))
        .when(pl.col("outside"))
        .then(pl.lit("outside_district"))
        .when(accepted)
        .then(pl.col("route") + level)
        .when(pl.col("building_code").is_not_null())
        .then(pl.lit("low_confidence_") + pl.col("route"))
        .when(pl.col("door_given") & ~pl.col("door_found").fill_null(False))
        .then(pl.lit("unknown_doorplate"))
        .when(stage == CONFLICT)
        .then(pl.lit("conflict"))
        .when(stage == WRONG_NUMBER)
        .then(pl.lit("unknown_building"))
        .when(stage == OTHER_DIVISION)
        .then(pl.lit("outside_named_division"))
        .when(stage == FITS)
        .then(pl.lit("ambiguous"))
        .when(pl.col("name_given"))
        .then(pl.lit("unknown_estate"))
        .otherwise(pl.lit("unmatched"))
    )
