"""Exports: how shared data leaves the lake (DESIGN.md, data flow step 5).

For every approved application the published snapshot of the resource is delivered as a bundle —
Parquet (zstd), SQL for PostgreSQL and MySQL, and ``manifest.json`` — carrying only the approved items,
personal ones masked or pseudonymised, and, for a street office or community, only its block's rows.

- :mod:`exports.plan`: which bundles are due (approved, published, not yet delivered);
- :mod:`exports.columns`: what each approved item becomes (masks, pseudonyms, portable types);
- :mod:`exports.sqlfiles`: CREATE TABLE and data for each SQL dialect, produced with sqlglot;
- :mod:`exports.bundle`: writes one bundle into a staging folder;
- :mod:`exports.targets`: delivers it whole to a folder or an S3 (MinIO) bucket, or not at all;
- :mod:`exports.service`: the run — plan, write, deliver, record with its audit entry.
"""
