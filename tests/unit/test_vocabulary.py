"""One definition of each shared term: the registry, the catalog and the directory import all use it."""

from __future__ import annotations

from typing import get_args

from blocklake import registry, vocabulary
from blocklake.update_cycles import parse_update_cycle
from catalog import schemas
from catalog.directory_import.values import ITEM_TYPE_SPELLINGS, parse_item_type, parse_share_type


def test_the_registry_and_the_directory_entry_accept_exactly_the_vocabulary() -> None:
    fields = registry.DirectorySpec.model_fields
    assert get_args(fields["share_type"].annotation) == vocabulary.SHARE_TYPES
    assert get_args(registry.TableSpec.model_fields["update_cycle"].annotation) == vocabulary.UPDATE_CYCLES
    entry = schemas.DirectoryEntry.model_fields
    assert get_args(entry["share_type"].annotation) == vocabulary.SHARE_TYPES
    assert get_args(entry["update_cycle"].annotation) == vocabulary.UPDATE_CYCLES


def test_other_platforms_spellings_map_onto_every_value_and_only_onto_them() -> None:
    assert all(parse_share_type(share_type) == share_type for share_type in vocabulary.SHARE_TYPES)
    assert all(parse_update_cycle(cycle).label == cycle for cycle in vocabulary.UPDATE_CYCLES)
    assert set(ITEM_TYPE_SPELLINGS.values()) == set(vocabulary.ITEM_TYPE_TITLES)
    assert all(parse_item_type(title) == code for code, title in vocabulary.ITEM_TYPE_TITLES.items())


def test_lineage_columns_are_never_data_items_and_every_load_adds_its_own() -> None:
    assert set(vocabulary.LOAD_LINEAGE_COLUMNS) < vocabulary.LINEAGE_COLUMNS
    assert vocabulary.SOURCE_FILE_COLUMN in vocabulary.LINEAGE_COLUMNS
    assert set(vocabulary.SHARE_TYPES) > vocabulary.SHARED_TYPES
