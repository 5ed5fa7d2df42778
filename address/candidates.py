"""Candidate buildings for parsed addresses: what each piece of the text points to in the plate.

Every route is an equi-join on normalised keys (doorplate, estate name or alias, a building's own
name); only names with no exact hit go to the blocked fuzzy match. The candidates then have to agree
with everything else the text says: the building number, the community and the street.
"""

from __future__ import annotations

import polars as pl

from address.fuzzy import similar_estates
from address.plate import BasePlate

ROW = "_row"
EXACT_ESTATE, BUILDING_NAME = "exact_estate_building", "exact_building_name"
ALIAS_ESTATE, FUZZY_ESTATE = "alias_estate_building", "fuzzy_estate_building"
# Preferred first when several routes through a name reach the same building.
NAME_ROUTES = (EXACT_ESTATE, BUILDING_NAME, ALIAS_ESTATE, FUZZY_ESTATE)
# How far a candidate building got through the checks of consistent_candidates.
CONFLICT, WRONG_NUMBER, OTHER_DIVISION, FITS = range(4)


def address_keys(parsed: pl.DataFrame, plate: BasePlate) -> pl.DataFrame:
    """One row per address with the join keys and what the text gives."""
    regions = sorted(plate.region_names)
    elsewhere = [pl.col(part).is_not_null() & ~pl.col(part).is_in(regions) for part in ("province", "city", "district")]
    return parsed.with_row_index(ROW).select(
        ROW,
        "street",
        "community",
        road_key="road",
        door="roadno",
        estate_key="estate",
        building_no="building",
        entrance="entrance",
        room="room",
        outside=pl.any_horizontal(elsewhere),
        door_given=pl.col("road").is_not_null() & pl.col("roadno").is_not_null(),
        name_given=pl.col("estate").is_not_null(),
        empty=pl.col("normalized").fill_null("").str.len_chars() == 0,
    )


def building_evidence(keys: pl.DataFrame, plate: BasePlate) -> pl.DataFrame:
    """Every (address, building) the text points to: via_door, the best name route and its similarity."""
    door = keys.join(plate.doorplates, on=["road_key", "door"]).select(ROW, "building_code", via_door=pl.lit(True))
    named = _name_routes(keys, plate)
    both = pl.concat([door, named], how="diagonal_relaxed")
    rank = pl.col("route").replace_strict(NAME_ROUTES, range(len(NAME_ROUTES)), default=None, return_dtype=pl.Int8)
    return (
        both.group_by(ROW, "building_code")
        .agg(pl.col("via_door").any(), rank.min().alias("rank"), pl.col("similarity").max())
        .select(
            ROW,
            "building_code",
            pl.col("via_door").fill_null(False),
            pl.col("rank").replace_strict(range(len(NAME_ROUTES)), NAME_ROUTES, default=None).alias("route"),
            "similarity",
        )
    )


def _name_routes(keys: pl.DataFrame, plate: BasePlate) -> pl.DataFrame:
    """Buildings reached through the estate's name, an alias, a typo of either, or the building's own name."""
    with_name = keys.filter(pl.col("name_given")).select(ROW, "estate_key", "road_key")
    exact = with_name.join(plate.estate_names, on="estate_key").select(
        ROW,
        "estate_id",
        route=pl.when(pl.col("alias")).then(pl.lit(ALIAS_ESTATE)).otherwise(pl.lit(EXACT_ESTATE)),
        similarity=pl.lit(1.0),
    )
    own_names = plate.buildings.filter(pl.col("name_key").is_not_null()).select("building_code", "name_key")
    named = with_name.join(own_names, left_on="estate_key", right_on="name_key").select(
        ROW, "building_code", route=pl.lit(BUILDING_NAME), similarity=pl.lit(1.0)
    )
    unknown = with_name.join(exact.select(ROW), on=ROW, how="anti").join(named.select(ROW), on=ROW, how="anti")
    typos = similar_estates(unknown.select("estate_key", "road_key"), plate.estate_names, plate.estates)
    fuzzy = unknown.join(typos, on=["estate_key", "road_key"], nulls_equal=True).select(
        ROW, "estate_id", route=pl.lit(FUZZY_ESTATE), similarity="similarity"
    )
    via_estate = pl.concat([exact, fuzzy]).join(plate.buildings.select("estate_id", "building_code"), on="estate_id")
    return pl.concat([via_estate.drop("estate_id"), named], how="diagonal_relaxed")


def consistent_candidates(keys: pl.DataFrame, evidence: pl.DataFrame, plate: BasePlate) -> pl.DataFrame:
    """Every candidate with ``stage``, how far it got: ``CONFLICT`` (doorplate and name disagree, or
    the doorplate does not exist), ``WRONG_NUMBER`` (not the building number written),
    ``OTHER_DIVISION`` (not in the community or street written) or ``FITS``; ``best_stage`` per
    address, and ``dash_reading``: the building stands alone, so a parsed building number was really
    a floor (5-10 is room 510)."""
    found = evidence.group_by(ROW).agg(
        door_found=pl.col("via_door").any(), name_found=pl.col("route").is_not_null().any()
    )
    frame = (
        evidence.join(found, on=ROW)
        .join(keys.select(ROW, "building_no", "door_given", "street", "community"), on=ROW)
        .join(plate.buildings.select("building_code", "community_code", plate_no="building_no"), on="building_code")
    )
    # A doorplate the plate does not have makes the whole address doubtful, whatever else matched.
    agree = (pl.col("via_door") | ~pl.col("door_found")) & (pl.col("route").is_not_null() | ~pl.col("name_found"))
    agree = agree & ~(pl.col("door_given") & ~pl.col("door_found"))
    written_no = pl.col("building_no")
    number = written_no.is_null() | pl.col("plate_no").is_null() | (pl.col("plate_no") == written_no)
    stage = (
        pl.when(~agree)
        .then(CONFLICT)
        .when(~number)
        .then(WRONG_NUMBER)
        .when(~_in_named_divisions(plate))
        .then(OTHER_DIVISION)
        .otherwise(FITS)
    )
    frame = frame.with_columns(
        stage=stage,
        dash_reading=pl.col("plate_no").is_null() & pl.col("building_no").is_not_null(),
    )
    return frame.with_columns(best_stage=pl.col("stage").max().over(ROW))


def _in_named_divisions(plate: BasePlate) -> pl.Expr:
    """The building lies in the community and the street the text names (when the plate knows them)."""
    inside = pl.lit(True)
    for level in ("community", "street"):
        # A name two divisions share says nothing about which one is meant.
        known = plate.divisions.filter(pl.col("level") == level, pl.col("name_key").is_unique())
        prefix = pl.col(level).replace_strict(known["name_key"], known["code_prefix"], default=None)
        inside = inside & (prefix.is_null() | pl.col("community_code").str.starts_with(prefix))
    return inside
