"""Quality gates: Great Expectations suites over the lake, write-audit-publish and quarantine.

A table's new version (a DuckLake snapshot) is validated by its suite; only when no blocking check
fails is that snapshot recorded as the table's *published* version, which every consumer reads.
See ``quality/README.md``.
"""
