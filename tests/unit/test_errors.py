"""Whether a failure is worth a retry is the error class's to say (the DAG factory asks is_transient)."""

from __future__ import annotations

import duckdb
import pytest

from blocklake import errors
from blocklake.errors import (
    BlocklakeError,
    ConfigError,
    ExportError,
    LakeError,
    MissingDependencyError,
    SchemaDriftError,
    SourceDataError,
    SourceUnavailableError,
    is_transient,
)


@pytest.mark.parametrize("error", [SourceUnavailableError("down"), LakeError("storage did not answer")])
def test_unreachable_systems_are_worth_a_retry(error: BlocklakeError) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", [ConfigError("bad key"), SourceDataError("not GBK"), SchemaDriftError("lossy"),
                                   MissingDependencyError("no ducklake"), ExportError("hostile name"),
                                   BlocklakeError("unclassified")])
def test_bad_input_settings_and_missing_parts_are_not(error: BlocklakeError) -> None:
    assert not is_transient(error)


def test_an_error_that_is_not_ours_is_retried_because_its_cause_is_unknown() -> None:
    assert is_transient(duckdb.IOException("connection reset")) and is_transient(OSError("EIO"))


def test_every_error_class_of_the_core_says_what_it_is() -> None:
    classes = [value for value in vars(errors).values()
               if isinstance(value, type) and issubclass(value, BlocklakeError)]
    assert len(classes) >= 9 and all(isinstance(cls.transient, bool) for cls in classes)
