"""Parse every distinct address text and match it to the base plate (blocklake.address).

A Python model because the parser and matcher are Polars column programs shared with the tests and the
benchmark; the plate is read from the natural-resources staging models under its published names.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from blocklake.address import BasePlate, match_addresses, parse_addresses

    plate = BasePlate.from_frames(
        dbt.ref("stg_natres__std_estate")
        .project("estate_id, estate_name, array_to_string(alias_names, ',') AS alias_names, community_code, road_name")
        .pl(),
        dbt.ref("stg_natres__std_building")
        .project("building_code, building_name, estate_id, road_name, door_no, community_code")
        .pl(),
        dbt.ref("stg_natres__std_unit").project("unit_code, building_code, room_no").pl(),
        dbt.ref("stg_natres__std_doorplate").project("road_name, door_no, building_code").pl(),
    )
    texts = dbt.ref("int_address_mentions").project("address_text").distinct().pl()["address_text"]
    parsed = parse_addresses(texts)
    matched = match_addresses(parsed, plate)
    return pl.concat([pl.DataFrame({"address_text": texts}), parsed, matched], how="horizontal").to_arrow()
