"""Parse every distinct address text and match it to the base plate (address): a match cache.

A Python model because the parser and matcher are Polars column programs shared with the tests and the
benchmark; the plate is read from the natural-resources staging models under its published names.

Incremental: a text is parsed and matched once per *match version* — the plate's content and the
matcher's own code (``address.matcher_version``). A build matches only the mentioned texts that have no
match under the current version (on a day that changed 1% of records, about 1% of the texts), and a
changed plate or matcher matches everything again. The answer for a text is a function of the text and
the version alone, so the cache equals a full rebuild for every text mentioned; texts no longer
mentioned stay in the cache until ``--full-refresh``.

The texts are parsed and matched a chunk at a time and streamed to the lake as Arrow batches: the city
scale's 11 million texts at once took the build past 20 GiB and the machine's memory.
"""

TEXTS_PER_CHUNK = 500_000


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="address_text", incremental_strategy="delete+insert")
    import hashlib

    import polars as pl
    import pyarrow as pa

    from address import BasePlate, match_addresses, matcher_version, parse_addresses

    # dbt reads refs from the source text: each is written out.
    frames = [
        dbt.ref("stg_natres__std_estate").project(
            "estate_id, estate_name, array_to_string(alias_names, ',') AS alias_names, community_code, road_name"),
        dbt.ref("stg_natres__std_building").project(
            "building_code, building_name, estate_id, road_name, door_no, community_code"),
        dbt.ref("stg_natres__std_unit").project("unit_code, building_code, room_no"),
        dbt.ref("stg_natres__std_doorplate").project("road_name, door_no, building_code"),
    ]
    # Order-independent fingerprints of the plate's rows: a changed estate, building, unit or door plate
    # changes the version, and with it every match.
    fingerprints = [str(frame.aggregate("bit_xor(hash(*COLUMNS(*))) AS h, count(*) AS n").fetchone())
                    for frame in frames]
    version = hashlib.sha256("|".join([matcher_version(), *fingerprints]).encode()).hexdigest()[:16]
    plate = BasePlate.from_frames(*(frame.pl() for frame in frames))

    def matched(texts: pl.Series) -> pa.Table:
        parsed = parse_addresses(texts)
        return (pl.concat([pl.DataFrame({"address_text": texts}), parsed, match_addresses(parsed, plate)],
                          how="horizontal").with_columns(match_version=pl.lit(version, pl.String)).to_arrow())

    # Parser and matcher type every column even for no input: one schema for every chunk.
    schema = matched(pl.Series("address_text", [], dtype=pl.String)).schema
    texts = dbt.ref("int_address_mentions").project("address_text").distinct()
    if dbt.is_incremental:
        cached = session.sql(f"SELECT address_text FROM {dbt.this} WHERE match_version = '{version}'")
        texts = texts.except_(cached)
    chunks = texts.fetch_arrow_reader(TEXTS_PER_CHUNK)

    def batches():
        for chunk in chunks:
            yield from matched(pl.from_arrow(chunk)["address_text"]).cast(schema).to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())
