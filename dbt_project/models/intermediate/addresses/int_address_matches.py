"""Parse every distinct address text and match it to the base plate (address).

A Python model because the parser and matcher are Polars column programs shared with the tests and the
benchmark; the plate is read from the natural-resources staging models under its published names.

The texts are parsed and matched a chunk at a time and streamed to the lake as Arrow batches: the city
scale's 11 million texts at once took the build past 20 GiB and the machine's memory.
"""

TEXTS_PER_CHUNK = 500_000


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl
    import pyarrow as pa

    from address import BasePlate, match_addresses, parse_addresses

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

    def matched(texts: pl.Series) -> pa.Table:
        parsed = parse_addresses(texts)
        return pl.concat([pl.DataFrame({"address_text": texts}), parsed, match_addresses(parsed, plate)],
                         how="horizontal").to_arrow()

    # Parser and matcher type every column even for no input: one schema for every chunk.
    schema = matched(pl.Series("address_text", [], dtype=pl.String)).schema
    chunks = dbt.ref("int_address_mentions").project("address_text").distinct().fetch_arrow_reader(TEXTS_PER_CHUNK)

    def batches():
        for chunk in chunks:
            yield from matched(pl.from_arrow(chunk)["address_text"]).cast(schema).to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())
