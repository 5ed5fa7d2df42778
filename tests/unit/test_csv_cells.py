"""CSV cells a spreadsheet would run as formulas are written as text, and read back as they were."""

from __future__ import annotations

import pytest

from blocklake.csv_cells import formula_safe, unquoted


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://127.0.0.1/x\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3",
                                  "@SUM(A1:A2)", "\t=1+1", "\r=1"])
def test_formula_like_cells_are_text_and_come_back(cell: str) -> None:
    written = formula_safe(cell)
    assert written == f"'{cell}"
    assert unquoted(written) == cell


@pytest.mark.parametrize("cell", ["实有人口", "-5", "+8613800000000", "3.5e-3", "", "'引号开头", "a=b", "-"])
def test_other_cells_are_left_alone(cell: str) -> None:
    assert formula_safe(cell) == cell
    assert unquoted(cell) == cell
